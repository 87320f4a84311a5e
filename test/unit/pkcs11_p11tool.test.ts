/**
 * GnuTLS's p11tool finds the zkbridge token through a p11-kit module file in the user's
 * configuration (~/.config/pkcs11/modules/zkbridge.module, installed by
 * `zkbridge pkcs11 p11-kit-module --install` with HOME set to a temporary directory), never with
 * --provider: token listing, objects with and without login (GNUTLS_PIN and --set-pin),
 * certificate export, test signatures (P-256 and Ed25519), a wrong PIN.
 *
 * p11-kit 0.24 ignores the user configuration in a process whose real uid is 0 ("skipping user
 * config in program running as root", p11-kit/conf.c) and in setuid programs. Installing into a
 * system directory would change the machine, so as root p11tool runs in a new user namespace
 * (`unshare --user`): there getuid() is the overflow uid, the process keeps its kernel uid (it
 * still owns the emulator's socket and the temporary files), and p11-kit reads $HOME/.config.
 * Where user namespaces are forbidden it runs as nobody (setpriv) with our temporary files
 * opened to it.
 *
 * GnuTLS opens a session (and logs in again) for every object it lists with --login: the token
 * forgets the login when the last session closes, so --login --list-all costs one PIN check per
 * object (about 35 here).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { libraryPath, root, startEmulator, type EmulatorProcess } from './fixtures/pkcs11_env.ts';
import {
  Pkcs11Tool,
  USER_PIN,
  describe,
  deviceInfo,
  makeCertificate,
  must,
  packageVersion,
  run,
  tempDir,
  tokenSerial,
  type RunResult,
} from './fixtures/pkcs11_tools.ts';

const LABEL = 'zkbridge-p11';
const TOKEN = `pkcs11:token=${LABEL}`;
const GNUTLS = `p11tool (gnutls-bin ${packageVersion('gnutls-bin')}, p11-kit ${packageVersion('p11-kit')})`;

let emu: EmulatorProcess;
let work: { dir: string; remove(): Promise<void> };
let home = '';
let serial = '';
let cert: Buffer;
/** Prefix that makes p11-kit read the user configuration ([] when not root). */
let userConfigPrefix: string[] | undefined;
let prefixProblem = '';

before(async () => {
  work = await tempDir('zkp-p11-');
  home = join(work.dir, 'home');
  emu = await startEmulator({ model: 'hsm6' });
  serial = tokenSerial(await deviceInfo(emu));
  const tool = new Pkcs11Tool(libraryPath(), emu.env());
  await tool.initToken(LABEL);
  await tool.keypair('EC:prime256v1', 'b1', 'dev');
  await tool.keypair('EC:edwards25519', 'b2', 'ed');
  const c = await makeCertificate(work.dir, 'p11tool-device');
  cert = c.der;
  await tool.user(['--write-object', c.file, '--type', 'cert', '--id', 'b1', '--label', 'dev']);

  userConfigPrefix = await userConfigRunner();
});

/**
 * How to run a p11-kit program so that it reads $HOME/.config/pkcs11: directly when not root;
 * as root in a user namespace; failing that (containers that forbid user namespaces) as
 * `nobody`, after opening our temporary directories and the emulator's socket to it.
 */
async function userConfigRunner(): Promise<string[] | undefined> {
  if (process.getuid?.() !== 0) return [];
  const probe = await run('unshare', ['--user', 'id', '-u']);
  if (probe.ok && probe.stdout.trim() !== '0') return ['unshare', '--user'];
  const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
  const probe2 = await run(nobody[0] ?? 'setpriv', [...nobody.slice(1), 'id', '-u']);
  if (probe2.ok && probe2.stdout.trim() === '65534') {
    await chmod(work.dir, 0o711);
    await chmod(emu.dir, 0o711);
    await chmod(emu.socket, 0o666);
    return nobody;
  }
  prefixProblem = `${describe(probe)}\n${describe(probe2)}`;
  return undefined;
}

after(async () => {
  await emu?.stop();
  await work?.remove();
});

/** The environment of a p11-kit program: this emulator, HOME = our temporary home. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = emu.env({ HOME: home, ...extra });
  delete e['P11_KIT_NO_USER_CONFIG'];
  delete e['XDG_CONFIG_HOME'];
  return e;
}

function p11tool(args: string[], extra: Record<string, string> = {}): Promise<RunResult> {
  const [cmd = 'p11tool', ...rest] = userConfigPrefix ?? [];
  return run(cmd, cmd === 'p11tool' ? args : [...rest, 'p11tool', ...args], { env: env(extra) });
}

/** Skips (with the reason) when p11-kit cannot be made to read a user configuration here. */
function needUserConfig(t: { skip(message: string): void }): boolean {
  if (userConfigPrefix !== undefined) return true;
  t.skip(
    `running as root, and neither 'unshare --user' nor 'setpriv' to nobody works, so p11-kit ` +
      `(${GNUTLS}) will not read ~/.config/pkcs11/modules:\n${prefixProblem}`,
  );
  return false;
}

void test('without the module file p11tool does not know the token', async (t) => {
  if (!needUserConfig(t)) return;
  const r = await p11tool(['--list-tokens']);
  assert.ok(r.ok, describe(r));
  assert.ok(!r.stdout.includes(`token=${LABEL}`), describe(r));
});

void test('`zkbridge pkcs11 p11-kit-module --install` writes ~/.config/pkcs11/modules/zkbridge.module', async () => {
  const lib = libraryPath();
  const r = await must(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/bin/zkbridge.ts'), 'pkcs11', 'p11-kit-module', '--install'],
    { cwd: root, env: { ...process.env, HOME: home, ZKBRIDGE_PKCS11_LIB: lib } },
  );
  const file = join(home, '.config', 'pkcs11', 'modules', 'zkbridge.module');
  assert.equal(r.stdout.trim(), file, describe(r));
  const text = await readFile(file, 'utf8');
  assert.match(text, new RegExp(`^module: ${lib.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
});

void test('p11tool --list-tokens shows the token from the user module file', async (t) => {
  if (!needUserConfig(t)) return;
  const r = await p11tool(['--list-tokens']);
  assert.ok(r.ok, describe(r));
  const entry = r.stdout.split(/\n(?=Token \d+:)/).find((b) => b.includes(`Label: ${LABEL}\n`));
  assert.ok(entry, describe(r));
  assert.match(entry, /URL: pkcs11:model=HSM6;/);
  assert.match(entry, new RegExp(`;serial=${serial};token=${LABEL}\\n`));
  assert.match(entry, /Model: HSM6\n/);
  assert.match(entry, new RegExp(`Serial: ${serial}\\n`));
  assert.match(entry, /Flags: .*RNG.*Requires login/);
  assert.ok(entry.includes(`Module: ${libraryPath()}`), entry);
});

/** `Object N:` blocks of p11tool's listing, by URL type and label. */
function objects(listing: string): { url: string; type: string; label: string; id: string }[] {
  return listing
    .split(/\n(?=Object \d+:)/)
    .filter((b) => /^Object \d+:/.test(b))
    .map((b) => ({
      url: /URL: (\S+)/.exec(b)?.[1] ?? '',
      type: /Type: (.*)/.exec(b)?.[1] ?? '',
      label: /Label: (.*)/.exec(b)?.[1] ?? '',
      id: /ID: (.*)/.exec(b)?.[1] ?? '',
    }));
}

void test('p11tool --list-all without login: public keys and the certificate, no private keys', async (t) => {
  if (!needUserConfig(t)) return;
  const r = await p11tool(['--list-all', TOKEN]);
  assert.ok(r.ok, describe(r));
  const list = objects(r.stdout);
  const find = (label: string, type: string) =>
    list.find((o) => o.label === label && o.url.endsWith(`;type=${type}`));
  assert.equal(find('dev', 'public')?.type, 'Public key (EC/ECDSA-SECP256R1)', describe(r));
  assert.equal(find('dev', 'public')?.id, 'b1', describe(r));
  assert.equal(find('ed', 'public')?.type, 'Public key (EdDSA (Ed25519))', describe(r));
  assert.equal(find('dev', 'cert')?.type, 'X.509 Certificate (EC/ECDSA-SECP256R1)', describe(r));
  assert.ok(!list.some((o) => o.url.endsWith(';type=private')), describe(r));
  // The HSM6's 16 factory key pairs are there too.
  assert.ok(
    list.some((o) => o.label === 'slot-0' && o.id === '00:00:00:00'),
    describe(r),
  );
});

void test('p11tool --login --list-all with GNUTLS_PIN, and --list-all-privkeys with --set-pin', async (t) => {
  if (!needUserConfig(t)) return;
  const r = await p11tool(['--login', '--list-all', TOKEN], { GNUTLS_PIN: USER_PIN });
  assert.ok(r.ok, describe(r));
  const list = objects(r.stdout);
  const dev = list.find((o) => o.label === 'dev' && o.url.endsWith(';type=private'));
  assert.equal(dev?.type, 'Private key (EC/ECDSA-SECP256R1)', describe(r));
  const ed = list.find((o) => o.label === 'ed' && o.url.endsWith(';type=private'));
  assert.equal(ed?.type, 'Private key (EdDSA (Ed25519))', describe(r));
  assert.match(r.stdout, /Flags: .*CKA_PRIVATE.*CKA_NEVER_EXTRACTABLE.*CKA_SENSITIVE/, describe(r));

  const p = await p11tool(['--login', `--set-pin=${USER_PIN}`, '--list-all-privkeys', TOKEN]);
  assert.ok(p.ok, describe(p));
  const privs = objects(p.stdout);
  assert.ok(privs.length >= 18, describe(p)); // 16 factory keys + dev + ed
  assert.ok(
    privs.every((o) => o.url.endsWith(';type=private')),
    describe(p),
  );
});

void test('p11tool --export returns the stored certificate', async (t) => {
  if (!needUserConfig(t)) return;
  const r = await p11tool(['--export', `${TOKEN};object=dev;type=cert`]);
  assert.ok(r.ok, describe(r));
  assert.deepEqual(new X509Certificate(r.stdout).raw, cert);
});

void test('p11tool --test-sign with the P-256 and the Ed25519 key', async (t) => {
  if (!needUserConfig(t)) return;
  const ec = await p11tool(['--login', '--test-sign', `${TOKEN};object=dev;type=private`], {
    GNUTLS_PIN: USER_PIN,
  });
  assert.ok(ec.ok, describe(ec));
  assert.match(ec.stderr + ec.stdout, /Verifying against public key in the token\.\.\. ok/);
  const ed = await p11tool(
    ['--login', '--test-sign', '--hash', 'SHA512', `${TOKEN};object=ed;type=private`],
    { GNUTLS_PIN: USER_PIN },
  );
  assert.ok(ed.ok, describe(ed));
  assert.match(ed.stderr + ed.stdout, /Signing using EdDSA-Ed25519\.\.\. ok/);
  assert.match(ed.stderr + ed.stdout, /Verifying against public key in the token\.\.\. ok/);
});

void test('a wrong PIN is refused', async (t) => {
  if (!needUserConfig(t)) return;
  const r = await p11tool(['--login', '--list-all-privkeys', TOKEN], { GNUTLS_PIN: '00000000' });
  assert.ok(!r.ok, describe(r));
  // GnuTLS asks again with the token's flags: CKR_PIN_INCORRECT, then CKF_USER_PIN_COUNT_LOW.
  assert.match(r.stdout, /Wrong PIN has been provided!/, describe(r));
  assert.match(r.stdout, /Only few tries left before locking!/, describe(r));
});
