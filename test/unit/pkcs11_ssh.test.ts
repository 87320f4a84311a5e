/**
 * OpenSSH with the zkbridge token: `ssh-keygen -D` lists the token's public keys in OpenSSH
 * format without a login (public key objects are public), identical to the keys pkcs11-tool
 * reads and `ssh-keygen -i -m PKCS8` converts; and ssh-agent holding the token's keys
 * (`ssh-add -s`, PIN by askpass) signs with them (`ssh-keygen -Y sign`, checked by -Y verify).
 *
 * OpenSSH 9.2p1 (Debian 12) quirks: ssh-agent loads PKCS#11 providers only from an allow-list
 * (default /usr/lib*\/*,/usr/local/lib*\/*), hence -P; a secp256k1 key is listed by ssh-keygen -D
 * as "ssh-unknown", and makes ssh-agent fail the whole `ssh-add -s` ("decode key: unknown or
 * unsupported key type"; the agent exits), so the agent runs with
 * ZKBRIDGE_PKCS11_HIDE_CURVES=secp256k1; Ed25519 keys on PKCS#11 tokens are skipped (supported
 * only by later OpenSSH releases).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, readFile, realpath, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { libraryPath, startEmulator, type EmulatorProcess } from './fixtures/pkcs11_env.ts';
import { Pkcs11Tool, USER_PIN, describe, must, run, tempDir } from './fixtures/pkcs11_tools.ts';

const LABEL = 'zkbridge-ssh';

let emu: EmulatorProcess;
let tool: Pkcs11Tool;
let work: { dir: string; remove(): Promise<void> };
let lib = '';
const agents: ChildProcess[] = [];
let sshVersion = '';

const file = (name: string): string => join(work.dir, name);

before(async () => {
  work = await tempDir('zkp-ssh-');
  lib = await realpath(libraryPath());
  sshVersion = (await run('ssh', ['-V'])).stderr.trim();
  emu = await startEmulator({ model: 'hsm6' });
  tool = new Pkcs11Tool(lib, emu.env());
  await tool.initToken(LABEL);
  await tool.keypair('EC:prime256v1', 'd1', 'ssh-p256');
  await tool.keypair('EC:edwards25519', 'd2', 'ssh-ed');
  await tool.keypair('EC:secp256k1', 'd3', 'ssh-k1');
  await writeFile(file('p256.pem'), await tool.publicKeyPem('d1', work.dir));
});

after(async () => {
  for (const agent of agents) {
    if (agent.exitCode !== null || agent.signalCode !== null) continue;
    const gone = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await gone;
  }
  await emu?.stop();
  await work?.remove();
});

/** `type base64` of an OpenSSH public key line. */
const keyOf = (line: string): string => line.split(' ').slice(0, 2).join(' ');

void test("ssh-keygen -D lists the P-256 key as ecdsa-sha2-nistp256, equal to pkcs11-tool's key", async () => {
  const r = await must('ssh-keygen', ['-D', lib], { env: emu.env() });
  const lines = r.stdout.trim().split('\n');
  const mine = lines.find((l) => l.endsWith(' ssh-p256'));
  assert.ok(mine, describe(r));
  assert.match(mine, /^ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY\S+ ssh-p256$/);
  const converted = await must('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', file('p256.pem')]);
  assert.equal(keyOf(mine), keyOf(converted.stdout.trim()));
  // The 16 factory P-256 keys are listed too (labels slot-0 .. slot-15).
  const factory = lines.filter((l) => /^ecdsa-sha2-nistp256 \S+ slot-\d+$/.test(l));
  assert.equal(factory.length, 16, describe(r));
  // secp256k1 is not an OpenSSH key type; it must not disturb the listing.
  assert.ok(
    !lines.some((l) => l.startsWith('ecdsa-sha2-nistp256') && l.endsWith(' ssh-k1')),
    "!lines.some((l) => l.startsWith('ecdsa-sha2-nistp256') && l.endsWith(' ssh-k1'))",
  );
});

void test('ssh-keygen -D and Ed25519 keys', async (t) => {
  const r = await must('ssh-keygen', ['-D', lib], { env: emu.env() });
  const ed = r.stdout.split('\n').find((l) => l.endsWith(' ssh-ed'));
  if (ed === undefined) {
    t.skip(`${sshVersion} does not support Ed25519 keys on PKCS#11 tokens (not listed)`);
    return;
  }
  assert.match(ed, /^ssh-ed25519 /);
  const pem = file('ed.pem');
  await writeFile(pem, await tool.publicKeyPem('d2', work.dir));
  const converted = await must('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', pem]);
  assert.equal(keyOf(ed), keyOf(converted.stdout.trim()));
});

/** A foreground ssh-agent allowed to load our library; stopped in after(). */
async function startAgent(
  name: string,
  extraEnv: Record<string, string>,
): Promise<{ sock: string; log(): string }> {
  const sock = file(`${name}.sock`);
  const child = spawn('ssh-agent', ['-D', '-a', sock, '-P', lib], {
    env: emu.env(extraEnv),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  agents.push(child);
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(sock), `ssh-agent did not start: ${log}`);
  return { sock, log: () => log };
}

void test('ssh-agent with the token (ssh-add -s) signs; ssh-keygen -Y verify accepts', async (t) => {
  const askpass = file('askpass.sh');
  await writeFile(askpass, `#!/bin/sh\necho ${USER_PIN}\n`);
  await chmod(askpass, 0o700);
  const clientEnv = (sock: string): NodeJS.ProcessEnv =>
    emu.env({ SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' });

  // OpenSSH 9.2's ssh-agent gives up on the whole token (and exits) when ssh-pkcs11-helper hands
  // it a key of a type it cannot decode: the secp256k1 key ("ssh-unknown" in ssh-keygen -D).
  const plain = await startAgent('plain', {});
  const tryAdd = await run('ssh-add', ['-s', lib], { env: clientEnv(plain.sock) });
  if (!tryAdd.ok) {
    t.diagnostic(
      `${sshVersion}: ssh-add -s fails with a secp256k1 key on the token; hiding it ` +
        `(ZKBRIDGE_PKCS11_HIDE_CURVES=secp256k1) in ssh-agent's environment avoids it.\n` +
        `${describe(tryAdd)}\nagent: ${plain.log()}`,
    );
  }

  const agent = await startAgent('agent', { ZKBRIDGE_PKCS11_HIDE_CURVES: 'secp256k1' });
  const env = clientEnv(agent.sock);
  const add = await run('ssh-add', ['-s', lib], { env });
  assert.ok(add.ok, `${describe(add)}\nagent: ${agent.log()}`);
  const listed = await must('ssh-add', ['-L'], { env });
  const line = listed.stdout.split('\n').find((l) => l.endsWith(' ssh-p256'));
  assert.ok(line, describe(listed));

  const pub = file('id_token.pub');
  await writeFile(pub, `${line}\n`);
  const msg = file('message.txt');
  await writeFile(msg, 'signed through ssh-agent and the zkbridge token\n');
  const sign = await run('ssh-keygen', ['-Y', 'sign', '-f', pub, '-n', 'file', msg], { env });
  assert.ok(sign.ok, `${describe(sign)}\nagent: ${agent.log()}`);
  const allowed = file('allowed_signers');
  await writeFile(allowed, `device@zkbridge ${keyOf(line)}\n`);
  const verify = await run(
    'ssh-keygen',
    ['-Y', 'verify', '-f', allowed, '-I', 'device@zkbridge', '-n', 'file', '-s', `${msg}.sig`],
    { env, input: await readFile(msg) },
  );
  assert.ok(verify.ok, describe(verify));
  assert.match(verify.stdout, /Good "file" signature for device@zkbridge/, describe(verify));
  const wrong = await run(
    'ssh-keygen',
    ['-Y', 'verify', '-f', allowed, '-I', 'device@zkbridge', '-n', 'file', '-s', `${msg}.sig`],
    { env, input: 'another message' },
  );
  assert.ok(!wrong.ok, describe(wrong));
});
