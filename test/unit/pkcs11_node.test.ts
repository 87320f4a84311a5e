/**
 * Node PKCS#11 bindings on the zkbridge token: pkcs11js (raw Cryptoki) and graphene-pk11 (its
 * object layer). Token set-up through C_InitToken/C_InitPIN, key pairs on P-256, secp256k1,
 * Ed25519 and X25519, ECDSA / ECDSA-SHA256 / EdDSA signatures checked by Node's crypto and by
 * C_Verify, concurrent asynchronous signing, search by CKA_ID, a certificate object, ECDH
 * (raw and with the X9.63 SHA-256 KDF) against Node's ECDH, C_GenerateRandom, error mapping.
 *
 * The library is called synchronously from this process, so the device is served by the
 * emulator's own process. graphene-pk11 2.3.6 knows no Edwards/Montgomery key types or EdDSA
 * mechanism (its "curve25519" named curve is the OpenPGP Ed25519 OID, not a PKCS#11 one): those
 * go through Mechanism.vendor() and raw CKK/OID values.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  createECDH,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CertificateType,
  EcKdf,
  EcdhParams,
  KeyGenMechanism,
  KeyType,
  Mechanism,
  MechanismEnum,
  Module,
  NamedCurve,
  ObjectClass,
  SessionFlag,
  TokenFlag,
  UserType,
} from 'graphene-pk11';
import { libraryPath, startEmulator, type EmulatorProcess } from './fixtures/pkcs11_env.ts';
import {
  SO_PIN,
  USER_PIN,
  deviceInfo,
  makeCertificate,
  tempDir,
  tokenSerial,
} from './fixtures/pkcs11_tools.ts';

// pkcs11js assigns its constants dynamically (module.exports = { ...native }): ESM named imports
// cannot see them.
const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof import('pkcs11js');

const LABEL = 'zkbridge-node';
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EC_MONTGOMERY_KEY_PAIR_GEN = 0x1056;
const CKM_EDDSA = 0x1057;
const CKK_EC_EDWARDS = 0x40;
const CKK_EC_MONTGOMERY = 0x41;
const CKA_PUBLIC_KEY_INFO = 0x129;
const CKF_TOKEN_PRESENT = 0x1;
const CKS_RW_USER_FUNCTIONS = 3;
const CKS_RW_SO_FUNCTIONS = 4;

/** DER of the curve OIDs (CKA_EC_PARAMS) and the SPKI prefixes of their raw public keys. */
const CURVES = {
  p256: {
    params: '06082a8648ce3d030107',
    spki: '3059301306072a8648ce3d020106082a8648ce3d030107034200',
    node: 'prime256v1',
  },
  k1: {
    params: '06052b8104000a',
    spki: '3056301006072a8648ce3d020106052b8104000a034200',
    node: 'secp256k1',
  },
  ed25519: { params: '06032b6570', spki: '302a300506032b6570032100', node: 'ed25519' },
  x25519: { params: '06032b656e', spki: '302a300506032b656e032100', node: 'x25519' },
} as const;
type Curve = keyof typeof CURVES;

let emu: EmulatorProcess;
let work: { dir: string; remove(): Promise<void> };
let serial = '';
let lib = '';

before(async () => {
  work = await tempDir('zkp-node-');
  emu = await startEmulator({ model: 'hsm6' });
  serial = tokenSerial(await deviceInfo(emu));
  lib = libraryPath();
  // The library reads its configuration from this process's environment at C_Initialize.
  process.env['ZKBRIDGE_DEVICE'] = emu.address;
  process.env['ZKBRIDGE_PKCS11_CONF'] = join(emu.dir, 'no-such.conf');
});

after(async () => {
  await emu?.stop();
  await work?.remove();
});

/** The raw public key inside a DER OCTET STRING (CKA_EC_POINT). */
function unwrapPoint(der: Buffer): Buffer {
  assert.equal(der[0], 0x04, `CKA_EC_POINT is not an OCTET STRING: ${der.toString('hex')}`);
  assert.equal(der[1], der.length - 2, 'CKA_EC_POINT length');
  return der.subarray(2);
}

function spkiOf(curve: Curve, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from(CURVES[curve].spki, 'hex'), raw]);
}

function keyOf(curve: Curve, raw: Buffer): KeyObject {
  return createPublicKey({ key: spkiOf(curve, raw), format: 'der', type: 'spki' });
}

function p1363(curve: Curve, msg: Buffer, key: KeyObject, sig: Buffer): boolean {
  if (curve === 'ed25519') return nodeVerify(null, msg, key, sig);
  return nodeVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

/** ANSI X9.63 KDF with SHA-256 for 32 bytes and no shared info. */
function x963(z: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([z, Buffer.from([0, 0, 0, 1])]))
    .digest();
}

function throwsCkr(fn: () => unknown, ckr: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, String(e));
    assert.match(e.message, ckr);
    return true;
  });
}

void test('pkcs11js', async (t) => {
  const p = new pkcs11js.PKCS11();
  p.load(lib);
  p.C_Initialize();
  let slot: Buffer = Buffer.alloc(0);
  let s: Buffer = Buffer.alloc(0);
  const keys = new Map<Curve, { pub: Buffer; priv: Buffer; raw: Buffer; id: Buffer }>();

  try {
    await t.test('C_GetInfo, slots, token info', () => {
      const info = p.C_GetInfo();
      assert.equal(info.manufacturerID.trim(), 'zkbridge');
      assert.deepEqual(info.cryptokiVersion, { major: 3, minor: 0 });
      const slots = p.C_GetSlotList(true);
      assert.equal(slots.length, 1);
      slot = slots[0] as Buffer;
      const si = p.C_GetSlotInfo(slot);
      assert.ok(si.flags & CKF_TOKEN_PRESENT, 'si.flags & CKF_TOKEN_PRESENT');
      const ti = p.C_GetTokenInfo(slot);
      assert.equal(ti.model.trim(), 'HSM6');
      assert.equal(ti.serialNumber.trim(), serial);
      assert.equal(ti.flags & pkcs11js.CKF_TOKEN_INITIALIZED, 0, 'a fresh token is uninitialized');
      assert.ok(ti.flags & pkcs11js.CKF_RNG, 'ti.flags & pkcs11js.CKF_RNG');
      const mechs = p.C_GetMechanismList(slot);
      for (const m of [
        pkcs11js.CKM_EC_KEY_PAIR_GEN,
        CKM_EC_EDWARDS_KEY_PAIR_GEN,
        CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
        pkcs11js.CKM_ECDSA,
        pkcs11js.CKM_ECDSA_SHA256,
        CKM_EDDSA,
        pkcs11js.CKM_ECDH1_DERIVE,
        pkcs11js.CKM_SHA256,
      ]) {
        assert.ok(mechs.includes(m), `mechanism 0x${m.toString(16)} missing`);
      }
      const ecdsa = p.C_GetMechanismInfo(slot, pkcs11js.CKM_ECDSA);
      assert.ok(
        ecdsa.flags & pkcs11js.CKF_SIGN && ecdsa.flags & pkcs11js.CKF_VERIFY,
        'ecdsa.flags & pkcs11js.CKF_SIGN && ecdsa.flags & pkcs11js.CKF_VERIFY',
      );
      assert.equal(ecdsa.minKeySize, 256);
    });

    await t.test('C_InitToken, C_InitPIN (SO), C_Login (user)', () => {
      // pkcs11js passes the label as a C string: pad it to the 32 bytes Cryptoki reads.
      p.C_InitToken(slot, SO_PIN, LABEL.padEnd(32, ' '));
      s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      p.C_Login(s, pkcs11js.CKU_SO, SO_PIN);
      assert.equal(p.C_GetSessionInfo(s).state, CKS_RW_SO_FUNCTIONS);
      p.C_InitPIN(s, USER_PIN);
      p.C_Logout(s);
      p.C_Login(s, pkcs11js.CKU_USER, USER_PIN);
      assert.equal(p.C_GetSessionInfo(s).state, CKS_RW_USER_FUNCTIONS);
      const ti = p.C_GetTokenInfo(slot);
      assert.equal(ti.label.trim(), LABEL);
      assert.ok(
        ti.flags & pkcs11js.CKF_TOKEN_INITIALIZED,
        'ti.flags & pkcs11js.CKF_TOKEN_INITIALIZED',
      );
      assert.ok(
        ti.flags & pkcs11js.CKF_USER_PIN_INITIALIZED,
        'ti.flags & pkcs11js.CKF_USER_PIN_INITIALIZED',
      );
    });

    await t.test('C_GenerateKeyPair on P-256, secp256k1, Ed25519, X25519', () => {
      const gens: [Curve, number, number, string][] = [
        ['p256', pkcs11js.CKM_EC_KEY_PAIR_GEN, pkcs11js.CKK_EC, 'f1'],
        ['k1', pkcs11js.CKM_EC_KEY_PAIR_GEN, pkcs11js.CKK_EC, 'f2'],
        ['ed25519', CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, 'f3'],
        ['x25519', CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, 'f4'],
      ];
      for (const [curve, mechanism, keyType, idHex] of gens) {
        const id = Buffer.from(idHex, 'hex');
        const signs = curve !== 'x25519';
        const derives = curve !== 'ed25519';
        const pair = p.C_GenerateKeyPair(
          s,
          { mechanism },
          [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
            { type: pkcs11js.CKA_KEY_TYPE, value: keyType },
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from(CURVES[curve].params, 'hex') },
            ...(signs ? [{ type: pkcs11js.CKA_VERIFY, value: true }] : []),
            { type: pkcs11js.CKA_LABEL, value: `node-${curve}` },
            { type: pkcs11js.CKA_ID, value: id },
          ],
          [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
            { type: pkcs11js.CKA_KEY_TYPE, value: keyType },
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_PRIVATE, value: true },
            { type: pkcs11js.CKA_SENSITIVE, value: true },
            ...(signs ? [{ type: pkcs11js.CKA_SIGN, value: true }] : []),
            ...(derives ? [{ type: pkcs11js.CKA_DERIVE, value: true }] : []),
            { type: pkcs11js.CKA_LABEL, value: `node-${curve}` },
            { type: pkcs11js.CKA_ID, value: id },
          ],
        );
        const attrs = p.C_GetAttributeValue(s, pair.publicKey, [
          { type: pkcs11js.CKA_EC_POINT },
          { type: pkcs11js.CKA_EC_PARAMS },
          { type: CKA_PUBLIC_KEY_INFO },
          { type: pkcs11js.CKA_KEY_TYPE },
          { type: pkcs11js.CKA_LABEL },
        ]);
        const [point, params, spki, type, label] = attrs.map((a) => a.value);
        assert.ok(
          Buffer.isBuffer(point) && Buffer.isBuffer(params) && Buffer.isBuffer(spki),
          'Buffer.isBuffer(point) && Buffer.isBuffer(params) && Buffer.isBuffer(spki)',
        );
        assert.equal(params.toString('hex'), CURVES[curve].params);
        const raw = unwrapPoint(point);
        assert.equal(raw.length, curve === 'p256' || curve === 'k1' ? 65 : 32);
        assert.equal(
          spki.toString('hex'),
          spkiOf(curve, raw).toString('hex'),
          'CKA_PUBLIC_KEY_INFO',
        );
        assert.equal(Buffer.from(type as Buffer).readUIntLE(0, 6), keyType);
        assert.equal(String(label), `node-${curve}`);
        // The private key is sensitive and never extractable.
        const [sens, extr] = p.C_GetAttributeValue(s, pair.privateKey, [
          { type: pkcs11js.CKA_SENSITIVE },
          { type: pkcs11js.CKA_EXTRACTABLE },
        ]);
        assert.deepEqual([sens?.value, extr?.value], [Buffer.from([1]), Buffer.from([0])]);
        keys.set(curve, { pub: pair.publicKey, priv: pair.privateKey, raw, id });
      }
    });

    const msg = Buffer.from('pkcs11js interop message');
    const digest = createHash('sha256').update(msg).digest();

    await t.test('C_Sign CKM_ECDSA and CKM_ECDSA_SHA256 verified by Node and C_Verify', () => {
      for (const curve of ['p256', 'k1'] as const) {
        const k = keys.get(curve);
        assert.ok(k, 'the key was not generated (see the C_GenerateKeyPair test)');
        const nodeKey = keyOf(curve, k.raw);
        p.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, k.priv);
        const raw = p.C_Sign(s, digest, Buffer.alloc(64));
        assert.equal(raw.length, 64);
        assert.ok(p1363(curve, msg, nodeKey, raw), `${curve} CKM_ECDSA`);

        // Multi-part CKM_ECDSA_SHA256.
        p.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, k.priv);
        p.C_SignUpdate(s, msg.subarray(0, 7));
        p.C_SignUpdate(s, msg.subarray(7));
        const hashed = p.C_SignFinal(s, Buffer.alloc(64));
        assert.ok(p1363(curve, msg, nodeKey, hashed), `${curve} CKM_ECDSA_SHA256`);

        p.C_VerifyInit(s, { mechanism: pkcs11js.CKM_ECDSA }, k.pub);
        assert.equal(p.C_Verify(s, digest, raw), true);
        p.C_VerifyInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, k.pub);
        assert.equal(p.C_Verify(s, msg, hashed), true);
        const bad = Buffer.from(hashed);
        bad[10] = (bad[10] ?? 0) ^ 1;
        p.C_VerifyInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, k.pub);
        throwsCkr(() => {
          p.C_Verify(s, msg, bad);
        }, /CKR_SIGNATURE_INVALID/);
      }
    });

    await t.test('C_Sign CKM_EDDSA verified by Node and C_Verify', () => {
      const k = keys.get('ed25519');
      assert.ok(k, 'the key was not generated (see the C_GenerateKeyPair test)');
      const long = Buffer.alloc(5000, 0x61);
      for (const m of [msg, long, Buffer.alloc(0)]) {
        p.C_SignInit(s, { mechanism: CKM_EDDSA }, k.priv);
        const sig = p.C_Sign(s, m, Buffer.alloc(64));
        assert.equal(sig.length, 64);
        assert.ok(
          p1363('ed25519', m, keyOf('ed25519', k.raw), sig),
          `EdDSA over ${m.length} bytes`,
        );
        p.C_VerifyInit(s, { mechanism: CKM_EDDSA }, k.pub);
        assert.equal(p.C_Verify(s, m, sig), true);
      }
    });

    await t.test('asynchronous C_Sign from 8 sessions at once', async () => {
      const k = keys.get('p256');
      assert.ok(k, 'the key was not generated (see the C_GenerateKeyPair test)');
      const sessions = Array.from({ length: 8 }, () =>
        p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION),
      );
      try {
        const sigs = await Promise.all(
          sessions.map(
            (ss, i) =>
              new Promise<Buffer>((resolve, reject) => {
                const d = createHash('sha256').update(`message ${i}`).digest();
                p.C_SignInit(ss, { mechanism: pkcs11js.CKM_ECDSA }, k.priv);
                p.C_Sign(ss, d, Buffer.alloc(64), (err, sig) => {
                  if (err) reject(err);
                  else resolve(sig);
                });
              }),
          ),
        );
        sigs.forEach((sig, i) => {
          assert.ok(
            p1363('p256', Buffer.from(`message ${i}`), keyOf('p256', k.raw), sig),
            "p1363('p256', Buffer.from(`message ${i}`), keyOf('p256', k.raw), sig)",
          );
        });
      } finally {
        for (const ss of sessions) p.C_CloseSession(ss);
      }
    });

    await t.test('C_FindObjects by CKA_ID', () => {
      const k = keys.get('k1');
      assert.ok(k, 'the key was not generated (see the C_GenerateKeyPair test)');
      p.C_FindObjectsInit(s, [
        { type: pkcs11js.CKA_ID, value: k.id },
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      ]);
      const found = p.C_FindObjects(s, 10);
      p.C_FindObjectsFinal(s);
      assert.equal(found.length, 1);
      assert.equal(found[0]?.toString('hex'), k.priv.toString('hex'));
      p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_ID, value: k.id }]);
      assert.equal(p.C_FindObjects(s, 10).length, 2, 'private and public key share the id');
      p.C_FindObjectsFinal(s);
    });

    await t.test('C_CreateObject a certificate and read it back', async () => {
      const cert = await makeCertificate(work.dir, 'pkcs11js-device');
      const id = keys.get('p256')?.id ?? Buffer.alloc(1);
      const h = p.C_CreateObject(s, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: 'node-cert' },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_SUBJECT, value: cert.subjectDer },
        { type: pkcs11js.CKA_VALUE, value: cert.der },
      ]);
      const [value] = p.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_VALUE }]);
      assert.deepEqual(value?.value, cert.der);
      p.C_FindObjectsInit(s, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_ID, value: id },
      ]);
      const found = p.C_FindObjects(s, 10);
      p.C_FindObjectsFinal(s);
      assert.equal(found.length, 1);
      // A second session sees it too (it is a token object).
      const other = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      const [again] = p.C_GetAttributeValue(other, found[0] as Buffer, [
        { type: pkcs11js.CKA_SUBJECT },
      ]);
      assert.deepEqual(again?.value, cert.subjectDer);
      p.C_CloseSession(other);
    });

    await t.test('C_DeriveKey CKM_ECDH1_DERIVE (P-256, secp256k1, X25519) equals Node ECDH', () => {
      const derive = (priv: Buffer, publicData: Buffer, kdf: number): Buffer => {
        const parameter: import('pkcs11js').ECDH1 = {
          type: pkcs11js.CK_PARAMS_EC_DH,
          kdf,
          publicData,
        };
        const h = p.C_DeriveKey(s, { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter }, priv, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
          { type: pkcs11js.CKA_TOKEN, value: false },
          { type: pkcs11js.CKA_SENSITIVE, value: false },
          { type: pkcs11js.CKA_EXTRACTABLE, value: true },
          { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        ]);
        const [v] = p.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_VALUE }]);
        assert.ok(Buffer.isBuffer(v?.value), 'Buffer.isBuffer(v?.value)');
        return v.value;
      };
      for (const curve of ['p256', 'k1'] as const) {
        const k = keys.get(curve);
        assert.ok(k, 'the key was not generated (see the C_GenerateKeyPair test)');
        const peer = createECDH(CURVES[curve].node);
        const peerPub = peer.generateKeys();
        const expected = peer.computeSecret(k.raw);
        assert.deepEqual(derive(k.priv, peerPub, pkcs11js.CKD_NULL), expected, `${curve} raw`);
        assert.deepEqual(
          derive(k.priv, peerPub, pkcs11js.CKD_SHA256_KDF),
          x963(expected),
          `${curve} X9.63 SHA-256 KDF`,
        );
      }
      const k = keys.get('x25519');
      assert.ok(k, 'the key was not generated (see the C_GenerateKeyPair test)');
      const peer = generateKeyPairSync('x25519');
      const peerRaw = peer.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
      const expected = diffieHellman({
        privateKey: peer.privateKey,
        publicKey: keyOf('x25519', k.raw),
      });
      assert.deepEqual(derive(k.priv, peerRaw, pkcs11js.CKD_NULL), expected, 'X25519');
    });

    await t.test('C_GenerateRandom', () => {
      const a = p.C_GenerateRandom(s, Buffer.alloc(64));
      const b = p.C_GenerateRandom(s, Buffer.alloc(64));
      assert.equal(a.length, 64);
      assert.notDeepEqual(a, b);
      assert.notDeepEqual(a, Buffer.alloc(64));
      const big = p.C_GenerateRandom(s, Buffer.alloc(100_000));
      assert.ok(
        new Set(big.subarray(0, 4096)).size > 200,
        'new Set(big.subarray(0, 4096)).size > 200',
      );
    });

    await t.test('errors map to CKR_ codes', () => {
      const x = keys.get('x25519');
      const ed = keys.get('ed25519');
      assert.ok(x && ed, 'the keys were not generated (see the C_GenerateKeyPair test)');
      // An X25519 key cannot sign; EdDSA is not an ECDSA key's mechanism.
      throwsCkr(() => {
        p.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, x.priv);
      }, /CKR_KEY_(TYPE_INCONSISTENT|FUNCTION_NOT_PERMITTED)/);
      throwsCkr(() => {
        p.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, ed.priv);
      }, /CKR_KEY_TYPE_INCONSISTENT/);
      p.C_Logout(s);
      throwsCkr(() => {
        p.C_Login(s, pkcs11js.CKU_USER, '00000000');
      }, /CKR_PIN_INCORRECT/);
      assert.ok(
        p.C_GetTokenInfo(slot).flags & pkcs11js.CKF_USER_PIN_COUNT_LOW,
        'p.C_GetTokenInfo(slot).flags & pkcs11js.CKF_USER_PIN_COUNT_LOW',
      );
      throwsCkr(() => {
        p.C_Login(s, pkcs11js.CKU_USER, '123');
      }, /CKR_PIN_LEN_RANGE|CKR_PIN_INCORRECT/);
      // Without login the private key is not even visible.
      p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
      assert.equal(p.C_FindObjects(s, 100).length, 0);
      p.C_FindObjectsFinal(s);
      p.C_Login(s, pkcs11js.CKU_USER, USER_PIN);
      assert.equal(p.C_GetTokenInfo(slot).flags & pkcs11js.CKF_USER_PIN_COUNT_LOW, 0);
      throwsCkr(() => {
        p.C_Login(s, pkcs11js.CKU_USER, USER_PIN);
      }, /CKR_USER_ALREADY_LOGGED_IN/);
    });
  } finally {
    if (slot.length > 0) p.C_CloseAllSessions(slot);
    p.C_Finalize();
    p.close();
  }
});

void test('graphene-pk11', async (t) => {
  const mod = Module.load(lib, 'zkbridge');
  mod.initialize();
  try {
    const slot = mod.getSlots(0, true);
    const token = slot.getToken();
    const session = slot.open(SessionFlag.SERIAL_SESSION | SessionFlag.RW_SESSION);

    await t.test('module, slot and token', () => {
      assert.equal(mod.manufacturerID.trim(), 'zkbridge');
      assert.equal(mod.getSlots(true).length, 1);
      assert.equal(token.label.trim(), LABEL);
      assert.equal(token.model.trim(), 'HSM6');
      assert.equal(token.serialNumber.trim(), serial);
      assert.ok(
        token.flags & TokenFlag.TOKEN_INITIALIZED,
        'token.flags & TokenFlag.TOKEN_INITIALIZED',
      );
      assert.ok(token.flags & TokenFlag.LOGIN_REQUIRED, 'token.flags & TokenFlag.LOGIN_REQUIRED');
      const mechs = slot.getMechanisms();
      const types = Array.from({ length: mechs.length }, (_, i) => mechs.items(i).type);
      assert.ok(
        types.includes(MechanismEnum.ECDSA_SHA256),
        'types.includes(MechanismEnum.ECDSA_SHA256)',
      );
      assert.ok(
        types.includes(MechanismEnum.ECDH1_DERIVE),
        'types.includes(MechanismEnum.ECDH1_DERIVE)',
      );
    });

    await t.test('wrong PIN, then login', () => {
      throwsCkr(() => {
        session.login('87878787', UserType.USER);
      }, /CKR_PIN_INCORRECT/);
      session.login(USER_PIN, UserType.USER);
    });

    const msg = Buffer.from('graphene interop message');

    await t.test(
      'P-256 (KeyGenMechanism.EC, NamedCurve secp256r1): sign, verify, find, derive',
      () => {
        const id = Buffer.from('e1', 'hex');
        const pair = session.generateKeyPair(
          KeyGenMechanism.EC,
          {
            keyType: KeyType.EC,
            token: true,
            verify: true,
            paramsEC: NamedCurve.getByName('secp256r1').value,
            label: 'graphene-p256',
            id,
          },
          {
            keyType: KeyType.EC,
            token: true,
            private: true,
            sensitive: true,
            sign: true,
            derive: true,
            label: 'graphene-p256',
            id,
          },
        );
        const raw = unwrapPoint(
          pair.publicKey.getAttribute({ pointEC: null }).pointEC ?? Buffer.alloc(0),
        );
        const sig = session.createSign('ECDSA_SHA256', pair.privateKey).once(msg);
        assert.ok(
          p1363('p256', msg, keyOf('p256', raw), sig),
          "p1363('p256', msg, keyOf('p256', raw), sig)",
        );
        assert.equal(session.createVerify('ECDSA_SHA256', pair.publicKey).once(msg, sig), true);

        const found = session.find({ class: ObjectClass.PRIVATE_KEY, id });
        assert.equal(found.length, 1);
        assert.equal(found.items(0).handle.toString('hex'), pair.privateKey.handle.toString('hex'));

        const peer = createECDH('prime256v1');
        const peerPub = peer.generateKeys();
        const secret = session.deriveKey(
          { name: 'ECDH1_DERIVE', params: new EcdhParams(EcKdf.NULL, null, peerPub) },
          pair.privateKey,
          {
            class: ObjectClass.SECRET_KEY,
            keyType: KeyType.GENERIC_SECRET,
            token: false,
            sensitive: false,
            extractable: true,
            valueLen: 32,
          },
        );
        assert.deepEqual(secret.getAttribute({ value: null }).value, peer.computeSecret(raw));
      },
    );

    await t.test('secp256k1 via NamedCurve', () => {
      const pair = session.generateKeyPair(
        KeyGenMechanism.EC,
        {
          keyType: KeyType.EC,
          token: true,
          verify: true,
          paramsEC: NamedCurve.getByName('secp256k1').value,
        },
        { keyType: KeyType.EC, token: true, private: true, sign: true },
      );
      const raw = unwrapPoint(
        pair.publicKey.getAttribute({ pointEC: null }).pointEC ?? Buffer.alloc(0),
      );
      const sig = session.createSign('ECDSA_SHA256', pair.privateKey).once(msg);
      assert.ok(p1363('k1', msg, keyOf('k1', raw), sig), "p1363('k1', msg, keyOf('k1', raw), sig)");
    });

    await t.test('Ed25519 through Mechanism.vendor and raw CKK/OID values', () => {
      Mechanism.vendor('EC_EDWARDS_KEY_PAIR_GEN', CKM_EC_EDWARDS_KEY_PAIR_GEN);
      Mechanism.vendor('EDDSA', CKM_EDDSA);
      const pair = session.generateKeyPair(
        'EC_EDWARDS_KEY_PAIR_GEN',
        {
          keyType: CKK_EC_EDWARDS,
          token: true,
          verify: true,
          paramsEC: Buffer.from(CURVES.ed25519.params, 'hex'),
          label: 'graphene-ed25519',
        },
        {
          keyType: CKK_EC_EDWARDS,
          token: true,
          private: true,
          sign: true,
          label: 'graphene-ed25519',
        },
      );
      const raw = unwrapPoint(
        pair.publicKey.getAttribute({ pointEC: null }).pointEC ?? Buffer.alloc(0),
      );
      const sig = session.createSign('EDDSA', pair.privateKey).once(msg);
      assert.ok(
        p1363('ed25519', msg, keyOf('ed25519', raw), sig),
        "p1363('ed25519', msg, keyOf('ed25519', raw), sig)",
      );
      assert.equal(session.createVerify('EDDSA', pair.publicKey).once(msg, sig), true);
    });

    await t.test('certificate object and random bytes', async () => {
      const cert = await makeCertificate(work.dir, 'graphene-device');
      const obj = session.create({
        class: ObjectClass.CERTIFICATE,
        certType: CertificateType.X_509,
        token: true,
        label: 'graphene-cert',
        id: Buffer.from('e1', 'hex'),
        subject: cert.subjectDer,
        value: cert.der,
      });
      assert.deepEqual(obj.getAttribute({ value: null }).value, cert.der);
      const found = session.find({ class: ObjectClass.CERTIFICATE, label: 'graphene-cert' });
      assert.equal(found.length, 1);
      const r = session.generateRandom(32);
      assert.equal(r.length, 32);
      assert.notDeepEqual(r, session.generateRandom(32));
    });

    session.logout();
    session.close();
  } finally {
    mod.finalize();
    mod.close();
  }
});
