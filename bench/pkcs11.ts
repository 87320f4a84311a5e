/**
 * `npm run bench -- pkcs11 [--json] [--quick]`: the PKCS#11 token through a real client.
 *
 * - `C_Sign` (CKM_ECDSA, P-256, 32-byte input) signs/s through pkcs11js, one thread, on
 *   zkbridge (emulator in its own process) and on SoftHSMv2 (Debian softhsm2) side by side:
 *   rounds interleave and the best of each counts, so a machine that changes speed affects both.
 * - `C_FindObjects` by `CKA_ID` with 10,000 generated key pairs on the token (20,000+ key
 *   objects): the first search after the keys were made (the library fetches the token's object
 *   list once) and then the median of later searches.
 *
 * Headline keys: p256_zkbridge_ops, p256_softhsm_ops, p256_ratio, find_10k_ms (warm median),
 * find_10k_cold_ms.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Device } from '../src/provider/index.ts';
import { libraryPath, root, startEmulator } from '../test/unit/fixtures/pkcs11_env.ts';
import { Report } from './harness.ts';

// pkcs11js fills module.exports at run time, so ESM named imports do not see its constants.
const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof import('pkcs11js');
const report = new Report();
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 0.4 : 1;
const KEYS = QUICK ? 2_000 : 10_000;
const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
const digest = Buffer.alloc(32, 0x5a);

/** One token opened through pkcs11js, logged in, with a P-256 key ready to sign. */
interface Token {
  readonly p11: import('pkcs11js').PKCS11;
  readonly session: Buffer;
  readonly key: Buffer;
}

function openToken(library: string, pin: string): Token {
  const p11 = new pkcs11js.PKCS11();
  p11.load(library);
  p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  const slot = p11.C_GetSlotList(true)[0];
  if (slot === undefined) throw new Error(`${library}: no token`);
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  p11.C_Login(session, pkcs11js.CKU_USER, pin);
  const { privateKey } = p11.C_GenerateKeyPair(
    session,
    { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
    [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS },
      { type: pkcs11js.CKA_VERIFY, value: true },
    ],
    [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SIGN, value: true },
    ],
  );
  return { p11, session, key: privateKey };
}

function closeToken(t: Token): void {
  t.p11.C_CloseAllSessions(t.p11.C_GetSlotList(true)[0] ?? Buffer.alloc(8));
  t.p11.C_Finalize();
  t.p11.close();
}

/** C_SignInit + C_Sign back to back for SECONDS; signs/s. */
function signRate(t: Token): number {
  const out = Buffer.alloc(64);
  const mech = { mechanism: pkcs11js.CKM_ECDSA };
  let n = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 32; i++) {
      t.p11.C_SignInit(t.session, mech, t.key);
      t.p11.C_Sign(t.session, digest, out);
    }
    n += 32;
  }
  return n / ((performance.now() - start) / 1000);
}

async function softhsmToken(dir: string): Promise<Token> {
  const conf = join(dir, 'softhsm2.conf');
  await mkdir(join(dir, 'tokens'));
  await writeFile(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\n`,
  );
  process.env['SOFTHSM2_CONF'] = conf;
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', 'bench', '--so-pin', '87654321', '--pin', '12345678'],
    { stdio: 'ignore' },
  );
  return openToken(SOFTHSM, '12345678');
}

function initZkbridge(library: string): void {
  const p11 = new pkcs11js.PKCS11();
  p11.load(library);
  p11.C_Initialize();
  const slot = p11.C_GetSlotList(true)[0];
  if (slot === undefined) throw new Error('zkbridge: no token');
  p11.C_InitToken(slot, '87654321', 'bench'.padEnd(32, ' '));
  const s = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  p11.C_Login(s, pkcs11js.CKU_SO, '87654321');
  p11.C_InitPIN(s, '12345678');
  p11.C_Logout(s);
  p11.C_CloseSession(s);
  p11.C_Finalize();
  p11.close();
}

/** Times C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal for one CKA_ID; ms. */
function findOnce(t: Token, id: Buffer): number {
  const start = performance.now();
  t.p11.C_FindObjectsInit(t.session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: id },
  ]);
  const found = t.p11.C_FindObjects(t.session, 10);
  t.p11.C_FindObjectsFinal(t.session);
  const ms = performance.now() - start;
  if (found.length !== 1)
    throw new Error(`find by id ${id.toString('hex')}: ${found.length} objects`);
  return ms;
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

if (!existsSync(SOFTHSM))
  throw new Error(`SoftHSMv2 is not installed (${SOFTHSM}): apt-get install softhsm2`);
let library: string;
try {
  library = libraryPath();
} catch {
  execFileSync(process.execPath, [join(root, 'scripts/build_pkcs11.mjs')], { stdio: 'inherit' });
  library = libraryPath();
}

const dir = await mkdtemp(join(tmpdir(), 'zkbench-'));
const emu = await startEmulator({ keySlots: KEYS + 64 });
process.env['ZKBRIDGE_DEVICE'] = emu.address;
process.env['ZKBRIDGE_PKCS11_CONF'] = join(dir, 'none.conf');
try {
  report.line(
    `PKCS#11 C_Sign, CKM_ECDSA P-256, one thread, pkcs11js (best of ${ROUNDS} interleaved rounds)`,
  );
  initZkbridge(library);
  const zk = openToken(library, '12345678');
  const soft = await softhsmToken(dir);
  let zkBest = 0;
  let softBest = 0;
  signRate(zk);
  signRate(soft);
  for (let r = 0; r < ROUNDS; r++) {
    zkBest = Math.max(zkBest, signRate(zk));
    softBest = Math.max(softBest, signRate(soft));
  }
  closeToken(soft);
  report.set('p256_zkbridge_ops', zkBest, 'zkbridge signs/s');
  report.set('p256_softhsm_ops', softBest, 'SoftHSMv2 signs/s');
  report.set('p256_ratio', zkBest / softBest, 'zkbridge / SoftHSMv2 (goal >= 1.3)');

  report.line(`\nC_FindObjects by CKA_ID among ${KEYS} key pairs (${2 * KEYS}+ key objects)`);
  const device = await Device.connect({ address: emu.address });
  const t0 = performance.now();
  const slots: number[] = [];
  for (let done = 0; done < KEYS;) {
    const batch = Math.min(256, KEYS - done);
    slots.push(
      ...(await Promise.all(Array.from({ length: batch }, () => device.genKeyPair('nistp256')))),
    );
    done += batch;
  }
  await device.close();
  report.set(
    'keygen_10k_s',
    (performance.now() - t0) / 1000,
    `time to generate ${KEYS} keys on the device (s)`,
  );
  const target = slots[Math.floor(slots.length / 2)] ?? 16;
  const id = Buffer.alloc(4);
  id.writeUInt32BE(target);
  report.set('find_10k_cold_ms', findOnce(zk, id), 'first search after the keys were made (ms)');
  const samples: number[] = [];
  for (let i = 0; i < (QUICK ? 50 : 300); i++) {
    const slot = slots[(i * 7919) % slots.length] ?? 16;
    const key = Buffer.alloc(4);
    key.writeUInt32BE(slot);
    samples.push(findOnce(zk, key));
  }
  report.set('find_10k_ms', median(samples), 'later searches, median (ms, goal < 5)');
  report.set(
    'find_10k_p99_ms',
    [...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.99)] ?? 0,
    'later searches, p99 (ms)',
  );
  closeToken(zk);
} finally {
  await emu.stop();
  await rm(dir, { recursive: true, force: true });
}
report.finish();
