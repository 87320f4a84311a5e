/**
 * OpenSC's pkcs11-tool against libzkbridge-pkcs11.so and an emulated HSM6 (and a Zymkey4): slot
 * and token listing, mechanisms, token and PIN initialization, key pairs on every curve, object
 * listing, ECDSA / ECDSA-SHA256 / EdDSA signatures checked by OpenSSL, C_Verify, ECDH checked
 * against OpenSSL, certificates and data objects written and read back, deletion, a wrong PIN.
 *
 * Quirks of Debian 12's OpenSC 0.23 (found while writing this test):
 * - CKM_EC_KEY_PAIR_GEN (0x1040) is printed under its old name ECDSA-KEY-PAIR-GEN.
 * - key types are EC:prime256v1, EC:secp256k1, EC:edwards25519 and EC:curve25519 (EC:ed25519 and
 *   EC:X25519 are unknown); the 25519 curves are sent as PrintableString EC_PARAMS, not OIDs.
 * - default key usage for EC keys is sign + derive (also for curve25519: pass --usage-derive).
 * - --read-object --type pubkey writes DER SPKI for EC keys, but PEM for Ed25519 keys, and
 *   cannot read X25519 public keys at all ("not (yet) supported").
 * - --derive cannot take an X25519 peer key: it asks OpenSSL 3 for an EC group name first.
 * - --verify exits 0 for a bad signature and prints "Invalid signature": read its output.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  verify as nodeVerify,
} from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { libraryPath, startEmulator, type EmulatorProcess } from './fixtures/pkcs11_env.ts';
import {
  Pkcs11Tool,
  SO_PIN,
  USER_PIN,
  describe,
  deviceInfo,
  deviceKey,
  makeCertificate,
  must,
  packageVersion,
  tempDir,
  tokenSerial,
} from './fixtures/pkcs11_tools.ts';

const LABEL = 'zkbridge-tool';
const OPENSC = `OpenSC ${packageVersion('opensc')}`;

let emu: EmulatorProcess;
let tool: Pkcs11Tool;
let work: { dir: string; remove(): Promise<void> };
let serial = '';
const pems = new Map<string, string>();
/** The X25519 key's label: 'x', or the device default when pkcs11-tool could not make it. */
let xLabel = 'x';

before(async () => {
  work = await tempDir('zkp-tool-');
  emu = await startEmulator({ model: 'hsm6' });
  tool = new Pkcs11Tool(libraryPath(), emu.env());
  serial = tokenSerial(await deviceInfo(emu));
});

after(async () => {
  await emu?.stop();
  await work?.remove();
});

const file = (name: string): string => join(work.dir, name);

/** The lines of `-O` output describing one object: from its header to the next header. */
function objectBlocks(listing: string): string[] {
  return listing
    .split(/\n(?=\S)/)
    .map((b) => b.trim())
    .filter((b) => /Object;/.test(b));
}

function block(listing: string, header: RegExp, id: string): string | undefined {
  return objectBlocks(listing).find(
    (b) => header.test(b) && new RegExp(`^\\s*ID:\\s+${id}$`, 'm').test(b),
  );
}

void test('-I and --list-interfaces: the library describes itself as PKCS#11 3.0', async () => {
  const info = await tool.must(['-I']);
  assert.match(info.stdout, /Cryptoki version 3\.0/, describe(info));
  assert.match(info.stdout, /Manufacturer\s+zkbridge/, describe(info));
  const ifs = await tool.must(['--list-interfaces']);
  assert.match(ifs.stdout, /Interface 'PKCS 11'[\s\S]*version:\s+3\.0/, describe(ifs));
});

void test('-L before initialization: one slot, token present but uninitialized', async () => {
  const r = await tool.must(['-L']);
  assert.match(r.stdout, /Available slots:\nSlot 0 \(0x0\): /, describe(r));
  assert.equal(r.stdout.match(/^Slot \d+/gm)?.length, 1, describe(r));
  assert.match(r.stdout, /token state:\s+uninitialized/, describe(r));
});

void test('--init-token and --init-pin; -L shows label, model, serial and flags', async () => {
  await tool.must(['--init-token', '--so-pin', SO_PIN, '--label', LABEL]);
  const mid = await tool.must(['-L']);
  assert.match(mid.stdout, new RegExp(`token label\\s+: ${LABEL}\\n`), describe(mid));
  assert.doesNotMatch(mid.stdout, /PIN initialized/, describe(mid));
  await tool.must([
    '--init-pin',
    '--login',
    '--login-type',
    'so',
    '--so-pin',
    SO_PIN,
    '--pin',
    USER_PIN,
  ]);
  const r = await tool.must(['-L']);
  assert.match(r.stdout, new RegExp(`token label\\s+: ${LABEL}\\n`), describe(r));
  assert.match(r.stdout, /token manufacturer\s+: \S/, describe(r));
  assert.match(r.stdout, /token model\s+: HSM6\n/, describe(r));
  assert.match(r.stdout, new RegExp(`serial num\\s+: ${serial}\\n`), describe(r));
  assert.match(r.stdout, /hardware version\s+: 1\.2\n/, describe(r));
  const flags = /token flags\s+: (.*)\n/.exec(r.stdout)?.[1] ?? '';
  for (const f of ['login required', 'rng', 'token initialized', 'PIN initialized']) {
    assert.ok(flags.split(', ').includes(f), `flag '${f}' missing in '${flags}'`);
  }
  assert.doesNotMatch(flags, /count low|locked|final/, describe(r));
  assert.match(r.stdout, /pin min\/max\s+: 4\/64/, describe(r));
});

void test('-M lists the EC, EdDSA, ECDH, key generation and digest mechanisms', async () => {
  const r = await tool.must(['-M']);
  const mechs = new Map(
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => {
        const [name = '', ...rest] = l.trim().split(', ');
        return [name, rest.join(', ')] as const;
      }),
  );
  const expect: Record<string, string[]> = {
    // OpenSC 0.23 prints CKM_EC_KEY_PAIR_GEN under its old name.
    'ECDSA-KEY-PAIR-GEN': ['generate_key_pair', 'EC F_P', 'EC OID', 'EC uncompressed'],
    'EC-EDWARDS-KEY-PAIR-GEN': ['generate_key_pair'],
    'EC-MONTGOMERY-KEY-PAIR-GEN': ['generate_key_pair'],
    ECDSA: ['hw', 'sign', 'verify'],
    'ECDSA-SHA1': ['sign', 'verify'],
    'ECDSA-SHA224': ['sign', 'verify'],
    'ECDSA-SHA256': ['sign', 'verify'],
    'ECDSA-SHA384': ['sign', 'verify'],
    'ECDSA-SHA512': ['sign', 'verify'],
    EDDSA: ['sign', 'verify'],
    'ECDH1-DERIVE': ['derive'],
    'SHA-1': ['digest'],
    SHA224: ['digest'],
    SHA256: ['digest'],
    SHA384: ['digest'],
    SHA512: ['digest'],
  };
  for (const [name, flags] of Object.entries(expect)) {
    const got = mechs.get(name);
    assert.ok(got !== undefined, `${name} missing\n${describe(r)}`);
    for (const f of flags) assert.ok(got.includes(f), `${name}: '${f}' missing in '${got}'`);
  }
  assert.match(mechs.get('ECDSA') ?? '', /keySize=\{256,256\}/, describe(r));
});

void test('--keypairgen on P-256, secp256k1 and Ed25519 with --id and --label', async () => {
  const p256 = await tool.keypair('EC:prime256v1', 'a1', 'p256');
  assert.match(p256.stdout, /Key pair generated:\nPrivate Key Object; EC\n\s+label:\s+p256/);
  assert.match(p256.stdout, /EC_PARAMS:\s+06082a8648ce3d030107/, describe(p256));
  const k1 = await tool.keypair('EC:secp256k1', 'a2', 'k1');
  assert.match(k1.stdout, /EC_PARAMS:\s+06052b8104000a/, describe(k1));
  const ed = await tool.keypair('EC:edwards25519', 'a3', 'ed');
  assert.match(ed.stdout, /Private Key Object; EC_EDWARDS/, describe(ed));
  assert.match(ed.stdout, /Public Key Object; EC_EDWARDS\s+EC_POINT 255 bits/, describe(ed));
});

void test('--keypairgen on X25519 (EC:curve25519)', async (t) => {
  // X25519 cannot sign: ask for derive only (OpenSC's default usage would add sign/verify).
  const x = await tool.run([
    '--login',
    '--pin',
    USER_PIN,
    '--keypairgen',
    '--key-type',
    'EC:curve25519',
    '--usage-derive',
    '--id',
    'a4',
    '--label',
    'x',
  ]);
  if (!x.ok && /C_GenerateKeyPair failed: rv = .*\(0x140\)/.test(x.stderr)) {
    // OpenSC 0.23-0.25 send EC_PARAMS 13 0b "curve25519": a PrintableString whose length byte
    // says 11 for 10 bytes (fixed upstream to 13 0a). The token rejects the malformed DER with
    // CKR_CURVE_NOT_SUPPORTED. Make the X25519 key on the device instead, and give it the id
    // with --set-id, so the listing and derive tests still see one.
    const key = await deviceKey(emu, 'x25519');
    await tool.user(['--set-id', 'a4', '--id', key.id, '--type', 'privkey']);
    xLabel = key.label;
    t.skip(
      `${OPENSC} sends malformed X25519 EC_PARAMS (13 0b + 10 bytes "curve25519"), refused ` +
        `with CKR_CURVE_NOT_SUPPORTED (0x140); key made on the device and --set-id instead`,
    );
    return;
  }
  assert.ok(x.ok, describe(x));
  assert.match(x.stdout, /Private Key Object; EC_MONTGOMERY/, describe(x));
  assert.match(x.stdout, /Public Key Object; EC_MONTGOMERY\s+EC_POINT 255 bits/, describe(x));
});

void test('-O: public keys without login, private keys after login, with ids and labels', async () => {
  const pub = await tool.must(['-O']);
  for (const [id, label, type] of [
    ['a1', 'p256', 'EC'],
    ['a2', 'k1', 'EC'],
    ['a3', 'ed', 'EC_EDWARDS'],
    ['a4', xLabel, 'EC_MONTGOMERY'],
  ] as const) {
    const b = block(pub.stdout, new RegExp(`^Public Key Object; ${type}\\s`), id);
    assert.ok(b, `public key ${id} missing\n${describe(pub)}`);
    assert.match(b, new RegExp(`label:\\s+${label}$`, 'm'));
  }
  assert.equal(block(pub.stdout, /^Private Key Object/, 'a1'), undefined, describe(pub));
  // The HSM6's factory slots are key pairs too (default ids: the 4-byte slot number).
  assert.ok(block(pub.stdout, /^Public Key Object; EC\s/, '00000000'), describe(pub));

  const all = await tool.user(['-O']);
  const priv = block(all.stdout, /^Private Key Object; EC\n/, 'a1');
  assert.ok(priv, describe(all));
  assert.match(priv, /label:\s+p256/);
  assert.match(priv, /Usage:\s+.*sign/);
  assert.match(priv, /Access:\s+.*sensitive.*never extractable/);
  assert.ok(block(all.stdout, /^Private Key Object; EC_EDWARDS/, 'a3'), describe(all));
  assert.ok(block(all.stdout, /^Private Key Object; EC_MONTGOMERY/, 'a4'), describe(all));
});

void test('--read-object --type pubkey: OpenSSL reads the SPKI of each signing key', async () => {
  for (const [id, curve] of [
    ['a1', 'prime256v1'],
    ['a2', 'secp256k1'],
    ['a3', 'ED25519'],
  ] as const) {
    const pem = await tool.publicKeyPem(id, work.dir);
    await writeFile(file(`${id}.pem`), pem);
    pems.set(id, pem);
    const text = await must('openssl', ['pkey', '-pubin', '-in', file(`${id}.pem`), '-text']);
    assert.ok(text.stdout.includes(curve), describe(text));
  }
});

void test('--sign -m ECDSA (raw digest) and ECDSA-SHA256, verified by openssl', async () => {
  const msg = file('msg.txt');
  await writeFile(msg, 'zkbridge pkcs11-tool interop\n');
  const digest = file('msg.sha256');
  await writeFile(
    digest,
    createHash('sha256')
      .update(await readFile(msg))
      .digest(),
  );
  for (const id of ['a1', 'a2']) {
    const pem = file(`${id}.pem`);
    const raw = file(`${id}-ecdsa.der`);
    await tool.user([
      '--sign',
      '-m',
      'ECDSA',
      '--id',
      id,
      '-i',
      digest,
      '-o',
      raw,
      '-f',
      'openssl',
    ]);
    const v1 = await must('openssl', [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      pem,
      '-in',
      digest,
      '-sigfile',
      raw,
    ]);
    assert.match(v1.stdout, /Signature Verified Successfully/, describe(v1));

    const hashed = file(`${id}-sha256.der`);
    await tool.user(['--sign', '-m', 'ECDSA-SHA256', '--id', id, '-i', msg, '-o', hashed]);
    // Default format 'rs': 64 bytes r||s, which Node verifies as ieee-p1363.
    const rs = await readFile(hashed);
    assert.equal(rs.length, 64);
    assert.ok(
      nodeVerify(
        'sha256',
        await readFile(msg),
        { key: createPublicKey(pems.get(id) ?? ''), dsaEncoding: 'ieee-p1363' },
        rs,
      ),
      `${id}: ECDSA-SHA256 r||s signature does not verify`,
    );
    await tool.user([
      '--sign',
      '-m',
      'ECDSA-SHA256',
      '--id',
      id,
      '-i',
      msg,
      '-o',
      hashed,
      '--signature-format',
      'openssl',
    ]);
    const v2 = await must('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      pem,
      '-signature',
      hashed,
      msg,
    ]);
    assert.match(v2.stdout, /Verified OK/, describe(v2));
  }
});

void test('--sign -m EDDSA verified by openssl pkeyutl -rawin', async () => {
  const msg = file('ed-msg.txt');
  await writeFile(msg, 'an EdDSA message of any length '.repeat(9));
  const sig = file('ed.sig');
  await tool.user(['--sign', '-m', 'EDDSA', '--id', 'a3', '-i', msg, '-o', sig]);
  assert.equal((await readFile(sig)).length, 64);
  const v = await must('openssl', [
    'pkeyutl',
    '-verify',
    '-pubin',
    '-inkey',
    file('a3.pem'),
    '-rawin',
    '-in',
    msg,
    '-sigfile',
    sig,
  ]);
  assert.match(v.stdout, /Signature Verified Successfully/, describe(v));
});

void test('--verify: valid signatures pass, altered messages fail (ECDSA-SHA256, EDDSA)', async () => {
  const msg = file('v-msg.txt');
  const bad = file('v-bad.txt');
  await writeFile(msg, 'verify me');
  await writeFile(bad, 'verify me!');
  for (const [id, mech] of [
    ['a1', 'ECDSA-SHA256'],
    ['a2', 'ECDSA-SHA256'],
    ['a3', 'EDDSA'],
  ] as const) {
    const sig = file(`v-${id}.sig`);
    await tool.user(['--sign', '-m', mech, '--id', id, '-i', msg, '-o', sig]);
    const ok = await tool.user([
      '--verify',
      '-m',
      mech,
      '--id',
      id,
      '-i',
      msg,
      '--signature-file',
      sig,
    ]);
    assert.match(ok.stdout, /Signature is valid/, describe(ok));
    // pkcs11-tool exits 0 either way: the verdict is in its output.
    const no = await tool.user([
      '--verify',
      '-m',
      mech,
      '--id',
      id,
      '-i',
      bad,
      '--signature-file',
      sig,
    ]);
    assert.match(no.stdout, /Invalid signature/, describe(no));
  }
  // An OpenSSL-format (DER) ECDSA signature is accepted by --verify too.
  const der = file('v-a1.der');
  await tool.user([
    '--sign',
    '-m',
    'ECDSA-SHA256',
    '--id',
    'a1',
    '-i',
    msg,
    '-o',
    der,
    '-f',
    'openssl',
  ]);
  const ok = await tool.user([
    '--verify',
    '-m',
    'ECDSA-SHA256',
    '--id',
    'a1',
    '-i',
    msg,
    '--signature-file',
    der,
    '-f',
    'openssl',
  ]);
  assert.match(ok.stdout, /Signature is valid/, describe(ok));
});

void test('--derive ECDH1-DERIVE equals openssl pkeyutl -derive (P-256, secp256k1)', async () => {
  for (const [id, curve] of [
    ['a1', 'P-256'],
    ['a2', 'secp256k1'],
  ] as const) {
    const peer = file(`peer-${id}.pem`);
    const peerDer = file(`peer-${id}.der`);
    await must('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-out',
      peer,
    ]);
    await must('openssl', ['pkey', '-in', peer, '-pubout', '-outform', 'DER', '-out', peerDer]);
    const out = file(`secret-${id}.bin`);
    await tool.user(['--derive', '-m', 'ECDH1-DERIVE', '--id', id, '-i', peerDer, '-o', out]);
    const ref = file(`secret-${id}.ref`);
    await must('openssl', [
      'pkeyutl',
      '-derive',
      '-inkey',
      peer,
      '-peerkey',
      file(`${id}.pem`),
      '-out',
      ref,
    ]);
    const secret = await readFile(out);
    assert.equal(secret.length, 32);
    assert.deepEqual(secret, await readFile(ref), `${curve} shared secrets differ`);
  }
});

void test('--derive with X25519', async (t) => {
  const peer = file('peer-x.pem');
  const peerDer = file('peer-x.der');
  await must('openssl', ['genpkey', '-algorithm', 'X25519', '-out', peer]);
  await must('openssl', ['pkey', '-in', peer, '-pubout', '-outform', 'DER', '-out', peerDer]);
  const r = await tool.run([
    '--login',
    '--pin',
    USER_PIN,
    '--derive',
    '-m',
    'ECDH1-DERIVE',
    '--id',
    'a4',
    '-i',
    peerDer,
    '-o',
    file('secret-x.bin'),
  ]);
  if (!r.ok && /Failed to parse other EC key/.test(r.stderr)) {
    // OpenSC 0.23 asks OpenSSL for the peer's EC group name before calling C_DeriveKey; X25519
    // keys have none. The token's X25519 derive is covered by pkcs11_node.test.ts.
    const why = /error: (.*)/.exec(r.stderr)?.[1] ?? r.stderr.trim();
    t.skip(`${OPENSC} cannot use an X25519 peer key for --derive (${why})`);
    return;
  }
  assert.ok(r.ok, describe(r));
  // pkcs11-tool cannot export X25519 public keys: take the point from the object listing.
  const list = await tool.must(['-O', '--type', 'pubkey', '--id', 'a4']);
  const point = /EC_POINT:\s+0420([0-9a-f]{64})\n/.exec(list.stdout)?.[1];
  assert.ok(point, describe(list));
  const tokenKey = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), Buffer.from(point, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  const expected = diffieHellman({
    privateKey: createPrivateKey(await readFile(peer)),
    publicKey: tokenKey,
  });
  assert.deepEqual(await readFile(file('secret-x.bin')), expected);
});

void test('--write-object a certificate, --read-object returns the same bytes', async () => {
  const cert = await makeCertificate(work.dir, 'zkbridge-device');
  await tool.user([
    '--write-object',
    cert.file,
    '--type',
    'cert',
    '--id',
    'a1',
    '--label',
    'dev-cert',
  ]);
  const out = file('cert-back.der');
  await tool.must(['--read-object', '--type', 'cert', '--id', 'a1', '-o', out]);
  assert.deepEqual(await readFile(out), cert.der);
  const list = await tool.must(['-O', '--type', 'cert']);
  const b = block(list.stdout, /^Certificate Object; type = X\.509 cert/, 'a1');
  assert.ok(b, describe(list));
  assert.match(b, /label:\s+dev-cert/);
  assert.match(b, /subject:\s+DN: CN=zkbridge-device/);
  const parsed = await must('openssl', [
    'x509',
    '-inform',
    'DER',
    '-in',
    out,
    '-noout',
    '-subject',
  ]);
  assert.match(parsed.stdout, /CN ?= ?zkbridge-device/, describe(parsed));
});

void test('data objects: public and private, written and read back', async () => {
  const data = file('blob.bin');
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
  await writeFile(data, bytes);
  await tool.user([
    '--write-object',
    data,
    '--type',
    'data',
    '--label',
    'blob',
    '--application-label',
    'zkbridge-test',
  ]);
  const secret = file('secret.bin');
  await writeFile(secret, 'private data');
  await tool.user(['--write-object', secret, '--type', 'data', '--label', 'hidden', '--private']);

  const back = file('blob-back.bin');
  await tool.must(['--read-object', '--type', 'data', '--label', 'blob', '-o', back]);
  assert.deepEqual(await readFile(back), bytes);

  const pub = await tool.must(['-O', '--type', 'data']);
  assert.match(pub.stdout, /Data object[\s\S]*label:\s+'blob'/, describe(pub));
  assert.match(pub.stdout, /application:\s+'zkbridge-test'/, describe(pub));
  assert.doesNotMatch(pub.stdout, /'hidden'/, 'a private data object is listed without login');
  const priv = await tool.user(['-O', '--type', 'data']);
  assert.match(priv.stdout, /label:\s+'hidden'/, describe(priv));
  const hidden = file('hidden-back.bin');
  await tool.user(['--read-object', '--type', 'data', '--label', 'hidden', '-o', hidden]);
  assert.equal(await readFile(hidden, 'utf8'), 'private data');
});

void test('--delete-object: certificate, data object and a generated key pair', async () => {
  await tool.user(['--delete-object', '--type', 'cert', '--id', 'a1']);
  await tool.user(['--delete-object', '--type', 'data', '--label', 'blob']);
  await tool.user(['--delete-object', '--type', 'data', '--label', 'hidden']);
  const left = await tool.user(['-O']);
  assert.doesNotMatch(left.stdout, /Certificate Object/, describe(left));
  assert.doesNotMatch(left.stdout, /Data object/, describe(left));
  const gone = await tool.run(['--read-object', '--type', 'cert', '--id', 'a1', '-o', file('x')]);
  assert.ok(!gone.ok, describe(gone));

  // A device key slot holds both halves: deleting the private key removes the public key too.
  await tool.user(['--delete-object', '--type', 'privkey', '--id', 'a2']);
  const after2 = await tool.user(['-O']);
  assert.equal(block(after2.stdout, /^Private Key Object/, 'a2'), undefined, describe(after2));
  assert.equal(block(after2.stdout, /^Public Key Object/, 'a2'), undefined, describe(after2));
  assert.ok(block(after2.stdout, /^Private Key Object/, 'a1'), describe(after2));
});

void test('a wrong user PIN fails with CKR_PIN_INCORRECT and sets "user PIN count low"', async () => {
  const r = await tool.run(['--login', '--pin', '11112222', '-O']);
  assert.ok(!r.ok, describe(r));
  assert.match(r.stderr, /CKR_PIN_INCORRECT/, describe(r));
  const low = await tool.must(['-L']);
  assert.match(low.stdout, /token flags\s+: .*user PIN count low/, describe(low));
  // The right PIN clears it.
  await tool.user(['-O']);
  const ok = await tool.must(['-L']);
  assert.doesNotMatch(ok.stdout, /count low/, describe(ok));
});

void test('--generate-random and --hash', async () => {
  const a = await tool.must(['--generate-random', '48']);
  const b = await tool.must(['--generate-random', '48']);
  assert.equal(a.out.length, 48);
  assert.notDeepEqual(a.out, b.out);
  const input = file('hash-in.bin');
  await writeFile(input, 'digest me');
  const h = await tool.must(['--hash', '-m', 'SHA256', '-i', input]);
  assert.deepEqual(h.out, createHash('sha256').update('digest me').digest());
});

void test('zymkey4: P-256 only, no key generation; a factory key signs', async () => {
  const zk = await startEmulator({ model: 'zymkey4' });
  try {
    const z = new Pkcs11Tool(libraryPath(), zk.env());
    await z.initToken('zymkey');
    const l = await z.must(['-L']);
    assert.match(l.stdout, /token model\s+: ZYMKEY4\n/, describe(l));
    const m = await z.must(['-M']);
    assert.match(m.stdout, /^ {2}ECDSA, /m, describe(m));
    assert.match(m.stdout, /^ {2}ECDSA-SHA256, /m, describe(m));
    assert.match(m.stdout, /keySize=\{256,256\}/, describe(m));
    for (const absent of ['KEY-PAIR-GEN', 'EDDSA', 'ECDH1-DERIVE']) {
      assert.ok(!m.stdout.includes(absent), `zymkey4 advertises ${absent}\n${describe(m)}`);
    }
    const gen = await z.run([
      '--login',
      '--pin',
      USER_PIN,
      '--keypairgen',
      '--key-type',
      'EC:prime256v1',
    ]);
    assert.ok(!gen.ok, describe(gen));
    assert.match(gen.stderr, /not supported/, describe(gen));

    const list = await z.must(['-O', '--type', 'pubkey']);
    const ids = [...list.stdout.matchAll(/^\s+ID:\s+(\S+)$/gm)].map((x) => x[1]);
    assert.deepEqual(ids, ['00000000', '00000001', '00000002'], describe(list));
    assert.ok(!/EC_EDWARDS|EC_MONTGOMERY/.test(list.stdout), describe(list));

    const msg = file('zk-msg.txt');
    await writeFile(msg, 'signed by a zymkey4 factory key');
    const sig = file('zk.sig');
    await z.user([
      '--sign',
      '-m',
      'ECDSA-SHA256',
      '--id',
      '00000000',
      '-i',
      msg,
      '-o',
      sig,
      '-f',
      'openssl',
    ]);
    const pem = file('zk.pem');
    await writeFile(pem, await z.publicKeyPem('00000000', work.dir));
    const v = await must('openssl', ['dgst', '-sha256', '-verify', pem, '-signature', sig, msg]);
    assert.match(v.stdout, /Verified OK/, describe(v));
  } finally {
    await zk.stop();
  }
});
