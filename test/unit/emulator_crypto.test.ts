// The emulator's crypto core: RFC vectors (test/vectors/rfc*.json) plus cross-checks against
// node:crypto (OpenSSL) and @noble for what the vectors do not pin down: ECDSA signatures, ECDH
// secrets, PBKDF2 and HKDF-SHA-512 output, PEM encodings, and the lock format's behaviour.
import * as assert from 'node:assert/strict';
import * as nc from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { CryptoErrorCode, LockSecrets } from '../../src/emulator/crypto/index.ts';
import * as zc from '../../src/emulator/crypto/index.ts';
import { Kdf, KeyType, Status } from '../../src/protocol/constants.generated.ts';
import { Prng } from './prng.ts';

const { P256: P, SECP256K1: K1, ED25519: ED, X25519: X } = KeyType;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const zeros = (n: number): Uint8Array => new Uint8Array(n);
const flip = (b: Uint8Array, i: number, bit = 1): Uint8Array => {
  const out = Uint8Array.from(b);
  out[i] = (out[i] ?? 0) ^ bit;
  return out;
};
const vectors = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));
const rng = new Prng(0x7a6b);
const seeded: zc.RandomSource = (n) => rng.bytes(n);
const pair = (type: KeyType): zc.KeyPair => zc.generateKeyPair(type, seeded);

/** Asserts that every function throws a CryptoOpError with `code`. */
function rejects(code: CryptoErrorCode, ...fns: (() => unknown)[]): void {
  for (const fn of fns) {
    assert.throws(fn, (e: unknown) => e instanceof zc.CryptoOpError && e.code === code);
  }
}

const EC = [
  { type: P, name: 'P-256', curve: p256, oidName: 'prime256v1' },
  { type: K1, name: 'secp256k1', curve: secp256k1, oidName: 'secp256k1' },
] as const;
const OKP = { [ED]: 'Ed25519', [X]: 'X25519' } as const;

/** node KeyObject (public, or private when `d` is given) for a raw device key. */
function nodeKey(type: KeyType, pub: Uint8Array, d?: Uint8Array): nc.KeyObject {
  const jwk: nc.JsonWebKey =
    type === P || type === K1
      ? { kty: 'EC', crv: EC[type].name, x: b64u(pub.slice(0, 32)), y: b64u(pub.slice(32)) }
      : { kty: 'OKP', crv: OKP[type], x: b64u(pub) };
  if (d === undefined) return nc.createPublicKey({ key: jwk, format: 'jwk' });
  return nc.createPrivateKey({ key: { ...jwk, d: b64u(d) }, format: 'jwk' });
}

void describe('keys', () => {
  void test('generated pairs have device lengths; node derives the same public key', () => {
    for (const type of [P, K1, ED, X]) {
      const { privateKey, publicKey } = pair(type);
      assert.equal(privateKey.length, 32);
      assert.equal(publicKey.length, zc.PUBLIC_KEY_LENGTH[type]);
      assert.deepEqual(zc.publicKeyFromPrivate(type, privateKey), publicKey);
      assert.deepEqual(zc.validatePublicKey(type, publicKey), publicKey);
      const derived = nc.createPublicKey(nodeKey(type, publicKey, privateKey));
      assert.ok(derived.equals(nodeKey(type, publicKey)));
    }
  });

  void test('EC scalars come from rejection sampling; broken sources and bad keys refused', () => {
    const draws = [new Uint8Array(32).fill(0xff), zeros(32), rng.bytes(32)];
    const picked = draws[2];
    const { privateKey } = zc.generateKeyPair(P, () => draws.shift() ?? zeros(0));
    assert.deepEqual(privateKey, picked);
    const n = unhex(p256.Point.Fn.ORDER.toString(16));
    rejects(
      'ERR_INVALID_ARG',
      () => zc.generateKeyPair(K1, zeros),
      () => zc.generateKeyPair(ED, () => zeros(31)),
      () => zc.generateKeyPair(7 as KeyType),
    );
    rejects(
      'ERR_INVALID_KEY',
      ...[zeros(32), n, zeros(31)].map((k) => () => zc.publicKeyFromPrivate(P, k)),
      () => zc.publicKeyFromPrivate(ED, zeros(33)),
    );
  });

  void test('EC public keys: 65-byte and 33-byte inputs normalise to 64 bytes', () => {
    for (const { type, curve } of EC) {
      const { privateKey, publicKey } = pair(type);
      assert.deepEqual(
        zc.validatePublicKey(type, curve.getPublicKey(privateKey, false)),
        publicKey,
      );
      assert.deepEqual(zc.validatePublicKey(type, curve.getPublicKey(privateKey, true)), publicKey);
    }
  });

  void test('invalid public keys are ERR_INVALID_PUBKEY', () => {
    const good = pair(P).publicKey;
    const bad: [KeyType, Uint8Array][] = [
      [P, flip(good, 63)], // off the curve
      [P, zeros(64)],
      [P, good.subarray(1)],
      [P, Uint8Array.of(0x05, ...good)],
      [K1, Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff))], // x >= p
      [ED, zeros(31)],
      [ED, unhex('01'.padEnd(64, '0'))], // identity: small order
      [ED, unhex('ed'.padEnd(62, 'f') + '7f')], // y = p: non-canonical
      [X, zeros(32)], // u = 0
      [X, unhex('01'.padEnd(64, '0'))], // u = 1
      [X, zeros(33)],
    ];
    rejects(
      'ERR_INVALID_PUBKEY',
      ...bad.map(
        ([t, k]) =>
          () =>
            zc.validatePublicKey(t, k),
      ),
    );
    rejects('ERR_INVALID_ARG', () => zc.validatePublicKey(4 as KeyType, good));
  });

  void test('PEM parses in node, is byte-identical to its export, round-trips the key', () => {
    for (const type of [P, K1, ED, X]) {
      const { publicKey } = pair(type);
      const pem = zc.publicKeyPem(type, publicKey);
      assert.match(
        pem,
        /^-----BEGIN PUBLIC KEY-----\n([\w+/=]{1,64}\n)+-----END PUBLIC KEY-----\n$/,
      );
      const parsed = nc.createPublicKey(pem);
      assert.ok(parsed.equals(nodeKey(type, publicKey)));
      assert.equal(parsed.export({ type: 'spki', format: 'pem' }), pem);
      const jwk = parsed.export({ format: 'jwk' });
      const coords = (jwk.kty === 'EC' ? [jwk.x, jwk.y] : [jwk.x]).map((v) => v ?? '');
      assert.equal(
        coords.map((v) => Buffer.from(v, 'base64url').toString('hex')).join(''),
        hex(publicKey),
      );
      const detail =
        type === P || type === K1
          ? parsed.asymmetricKeyDetails?.namedCurve
          : parsed.asymmetricKeyType;
      assert.equal(detail, type === P || type === K1 ? EC[type].oidName : OKP[type].toLowerCase());
    }
  });
});

void describe('ECDSA over a digest', () => {
  for (const { type, name, curve } of EC) {
    const recovers = (sig: Uint8Array, recoveryId: number, digest: Uint8Array) =>
      curve.Signature.fromBytes(sig).addRecoveryBit(recoveryId).recoverPublicKey(digest);

    void test(`${name}: verifies in node and here, low S, recovery id recovers the key`, () => {
      for (let i = 0; i < 24; i++) {
        const { privateKey, publicKey } = pair(type);
        const message = rng.bytes(rng.int(0, 200));
        const digest = sha256(message);
        const { signature, recoveryId } = zc.signDigest(type, privateKey, digest);
        const key = { key: nodeKey(type, publicKey), dsaEncoding: 'ieee-p1363' } as const;
        assert.ok(nc.verify('sha256', message, key, signature));
        assert.ok(zc.verifyDigest(type, publicKey, digest, signature));
        assert.equal(curve.Signature.fromBytes(signature).hasHighS(), false);
        assert.deepEqual(
          recovers(signature, recoveryId, digest).toBytes(false).slice(1),
          publicKey,
        );
        assert.equal(zc.verifyDigest(type, publicKey, flip(digest, i, 0x80), signature), false);
      }
    });

    void test(`${name}: lowS false keeps s as computed, with a matching recovery id`, () => {
      let highS = 0;
      for (let i = 0; i < 40; i++) {
        const { privateKey, publicKey } = pair(type);
        const digest = rng.bytes(32);
        const { signature, recoveryId } = zc.signDigest(type, privateKey, digest, { lowS: false });
        if (curve.Signature.fromBytes(signature).hasHighS()) highS++;
        assert.deepEqual(
          recovers(signature, recoveryId, digest).toBytes(false).slice(1),
          publicKey,
        );
        assert.ok(zc.verifyDigest(type, publicKey, digest, signature)); // high S accepted
      }
      assert.ok(highS > 0 && highS < 40);
    });

    void test(`${name}: node's signatures (random k, any s) verify; bad r or s is false`, () => {
      const { privateKey, publicKey } = pair(type);
      const signer = {
        key: nodeKey(type, publicKey, privateKey),
        dsaEncoding: 'ieee-p1363',
      } as const;
      for (let i = 0; i < 16; i++) {
        const message = rng.bytes(i * 7);
        const signature = new Uint8Array(nc.sign('sha256', message, signer));
        assert.ok(zc.verifyDigest(type, publicKey, sha256(message), signature));
      }
      const n = unhex(curve.Point.Fn.ORDER.toString(16));
      const digest = rng.bytes(32);
      const { signature } = zc.signDigest(type, privateKey, digest);
      const [r, s] = [signature.subarray(0, 32), signature.subarray(32)];
      for (const bad of [Buffer.concat([zeros(32), s]), Buffer.concat([r, zeros(32)])]) {
        assert.equal(zc.verifyDigest(type, publicKey, digest, bad), false);
      }
      for (const bad of [Buffer.concat([r, n]), Buffer.concat([n, s])]) {
        assert.equal(zc.verifyDigest(type, publicKey, digest, bad), false); // r or s = n
      }
    });
  }

  void test('argument and key-type errors', () => {
    const [p, x, ed, d32, s64] = [pair(P), pair(X), pair(ED), zeros(32), zeros(64)];
    rejects(
      'ERR_INVALID_ARG',
      () => zc.signDigest(P, p.privateKey, zeros(31)),
      () => zc.verifyDigest(P, p.publicKey, zeros(33), s64),
      () => zc.verifyDigest(P, p.publicKey, d32, zeros(63)),
    );
    rejects('ERR_INVALID_PUBKEY', () => zc.verifyDigest(P, zeros(64), d32, s64));
    rejects(
      'ERR_SLOT_IS_X25519',
      () => zc.signDigest(X, x.privateKey, d32),
      () => zc.verifyDigest(X, x.publicKey, d32, s64),
    );
    rejects('ERR_KEY_TYPE_MISMATCH', () => zc.signDigest(ED, ed.privateKey, d32));
  });
});

void describe('Ed25519', () => {
  interface EdCase {
    name: string;
    secret_key_hex: string;
    public_key_hex: string;
    message_hex: string;
    signature_hex: string;
  }
  for (const c of (vectors('rfc8032_ed25519.json') as { cases: EdCase[] }).cases) {
    void test(`RFC 8032 ${c.name}`, () => {
      const [sk, message] = [unhex(c.secret_key_hex), unhex(c.message_hex)];
      assert.equal(hex(zc.publicKeyFromPrivate(ED, sk)), c.public_key_hex);
      assert.equal(hex(zc.signEd25519(sk, message)), c.signature_hex);
      assert.ok(zc.verifyEd25519(unhex(c.public_key_hex), message, unhex(c.signature_hex)));
    });
  }

  void test('random signatures verify in node; tampering and S >= L fail', () => {
    for (let i = 0; i < 16; i++) {
      const { privateKey, publicKey } = pair(ED);
      const message = rng.bytes(i * 37);
      const signature = zc.signEd25519(privateKey, message);
      assert.ok(nc.verify(null, message, nodeKey(ED, publicKey), signature));
      assert.equal(zc.verifyEd25519(publicKey, message, flip(signature, i * 4)), false);
    }
    const { privateKey, publicKey } = pair(ED);
    const sig = zc.signEd25519(privateKey, Uint8Array.of(1, 2, 3));
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt('0x' + hex(sig.slice(32).reverse())) + L; // same S mod L, not canonical
    const sPlusL = unhex(s.toString(16).padStart(64, '0')).reverse();
    const twin = Uint8Array.of(...sig.subarray(0, 32), ...sPlusL);
    assert.equal(zc.verifyEd25519(publicKey, Uint8Array.of(1, 2, 3), twin), false);
    rejects('ERR_INVALID_ARG', () => zc.verifyEd25519(publicKey, zeros(0), zeros(65)));
  });
});

void describe('ECDH', () => {
  interface XVectors {
    scalar_mult: { scalar_hex: string; u_hex: string; output_hex: string }[];
    iterated: { iterations: number; output_hex: string }[];
    diffie_hellman: Record<string, string>;
  }
  const xv = vectors('rfc7748_x25519.json') as XVectors;

  void test('RFC 7748 sections 5.2 (single and iterated) and 6.1', () => {
    for (const v of xv.scalar_mult) {
      assert.equal(hex(zc.ecdhRaw(X, unhex(v.scalar_hex), unhex(v.u_hex))), v.output_hex);
    }
    let [k, u] = [unhex('09'.padEnd(64, '0')), unhex('09'.padEnd(64, '0'))];
    for (let i = 1; i <= Math.max(...xv.iterated.map((v) => v.iterations)); i++) {
      [k, u] = [zc.ecdhRaw(X, k, u), k];
      const expected = xv.iterated.find((v) => v.iterations === i);
      if (expected !== undefined) assert.equal(hex(k), expected.output_hex);
    }
    const d = (field: string): Uint8Array => unhex(xv.diffie_hellman[field] ?? '');
    const [a, b, shared] = [d('alice_private_hex'), d('bob_private_hex'), d('shared_hex')];
    assert.deepEqual(zc.publicKeyFromPrivate(X, a), d('alice_public_hex'));
    assert.deepEqual(zc.publicKeyFromPrivate(X, b), d('bob_public_hex'));
    assert.deepEqual(zc.ecdhRaw(X, a, d('bob_public_hex')), shared);
    assert.deepEqual(zc.ecdhRaw(X, b, d('alice_public_hex')), shared);
  });

  void test('secrets equal node diffieHellman for P-256, secp256k1 and X25519', () => {
    for (const type of [P, K1, X]) {
      for (let i = 0; i < 8; i++) {
        const [a, b] = [pair(type), pair(type)];
        const secret = zc.ecdhRaw(type, a.privateKey, b.publicKey);
        assert.deepEqual(zc.ecdhRaw(type, b.privateKey, a.publicKey), secret);
        const theirs = nc.diffieHellman({
          privateKey: nodeKey(type, a.publicKey, a.privateKey),
          publicKey: nodeKey(type, b.publicKey),
        });
        assert.equal(hex(secret), theirs.toString('hex'));
      }
    }
  });

  void test('invalid peers and key types are refused; compressed peers accepted', () => {
    const [x, p, ed] = [pair(X).privateKey, pair(P), pair(ED)];
    const lowOrder = [zeros(32), unhex('01'.padEnd(64, '0')), zeros(31)];
    rejects('ERR_INVALID_PUBKEY', ...lowOrder.map((peer) => () => zc.ecdhRaw(X, x, peer)), () =>
      zc.ecdhRaw(P, p.privateKey, new Uint8Array(64).fill(1)),
    );
    rejects('ERR_KEY_TYPE_MISMATCH', () => zc.ecdhRaw(ED, ed.privateKey, ed.publicKey));
    const compressed = p256.getPublicKey(p.privateKey, true);
    const own = zc.ecdhRaw(P, p.privateKey, p.publicKey);
    assert.deepEqual(zc.ecdhRaw(P, p.privateKey, compressed), own);
  });
});

void describe('KDF', () => {
  interface HCase {
    ikm_hex: string;
    salt_hex: string;
    info_hex: string;
    length: number;
    prk_hex: string;
    okm_hex: string;
  }
  const { cases } = vectors('rfc5869_hkdf.json') as { cases: HCase[] };

  void test('RFC 5869 test cases 1-3 (SHA-256)', () => {
    for (const c of cases) {
      const [ikm, salt, info] = [unhex(c.ikm_hex), unhex(c.salt_hex), unhex(c.info_hex)];
      const prk = nc.createHmac('sha256', salt.length > 0 ? salt : zeros(32)).update(ikm);
      assert.equal(prk.digest('hex'), c.prk_hex); // the data file's PRK is consistent
      const okm = zc.ecdhKdf(Kdf.RFC5869_SHA256, ikm, salt, info, 0, c.length);
      assert.equal(hex(okm), c.okm_hex);
    }
  });

  void test('HKDF-SHA-512 equals node hkdfSync; PBKDF2 equals node and noble', () => {
    const secret = rng.bytes(32);
    const shapes = [
      [1, 0, 0],
      [64, 16, 128],
      [1000, 128, 3],
      [16319, 5, 5],
    ] as const;
    for (const [len, salt, info] of shapes) {
      const [s, i] = [rng.bytes(salt), rng.bytes(info)];
      const ours = zc.ecdhKdf(Kdf.RFC5869_SHA512, secret, s, i, 1, len);
      assert.equal(hex(ours), hex(new Uint8Array(nc.hkdfSync('sha512', secret, s, i, len))));
    }
    const kinds = [
      [Kdf.PBKDF2_SHA256, 'sha256', sha256],
      [Kdf.PBKDF2_SHA512, 'sha512', sha512],
    ] as const;
    for (const [kind, name, hash] of kinds) {
      for (const [c, dkLen] of [
        [1, 32],
        [1000, 100],
        [3, 16320],
      ] as const) {
        const salt = rng.bytes(c % 128);
        const ours = hex(zc.ecdhKdf(kind, secret, salt, rng.bytes(128), c, dkLen));
        assert.equal(ours, nc.pbkdf2Sync(secret, salt, c, dkLen, name).toString('hex'));
        assert.equal(ours, hex(pbkdf2(hash, secret, salt, { c, dkLen })));
      }
    }
  });

  void test('limits', () => {
    const secret = rng.bytes(32);
    const kdf =
      (kind: number, salt: number, info: number, it: number, len: number, max = false) =>
      () =>
        zc.ecdhKdf(kind as Kdf, secret, zeros(salt), zeros(info), it, len, {
          allowRfcMaximum: max,
        });
    [kdf(0, 128, 128, 0, 8159), kdf(1, 0, 0, 0, 16319), kdf(2, 0, 0, 1, 16320)].forEach((f) => f());
    [kdf(0, 0, 0, 0, 8160, true), kdf(1, 0, 0, 0, 16320, true)].forEach((f) => f());
    rejects(
      'ERR_OUT_OF_RANGE',
      ...[kdf(0, 129, 0, 1, 32), kdf(2, 0, 129, 1, 32), kdf(0, 0, 0, 1, 0), kdf(3, 0, 0, 1, 16321)],
      ...[kdf(0, 0, 0, 1, 8160), kdf(1, 0, 0, 1, 16320), kdf(0, 0, 0, 1, 8161, true)],
      ...[kdf(2, 0, 0, 0, 32), kdf(3, 0, 0, 1_000_001, 32)],
    );
    rejects('ERR_INVALID_ARG', kdf(2, 0, 0, 1.5, 32), kdf(0, 0, 0, 1, NaN), kdf(4, 999, 0, 1, 32));
  });
});

void describe('lock / unlock', () => {
  const secrets: LockSecrets = {
    deviceSecret: rng.bytes(32),
    sharedSecret: rng.bytes(32),
    signingKey: pair(P).privateKey,
  };
  const reason = (blob: Uint8Array, s: LockSecrets = secrets, shared = false): string => {
    const result = zc.unlockData(s, shared, blob);
    return result.valid ? 'ok' : result.reason;
  };

  void test('round trips 0 bytes, 1 byte and 5 MB with both keys; layout as documented', () => {
    for (const size of [0, 1, 5 * 1024 * 1024]) {
      for (const shared of [false, true]) {
        const plaintext = new Uint8Array(nc.randomBytes(size));
        const blob = zc.lockData(secrets, shared, plaintext);
        assert.equal(blob.length, size + zc.LOCK_OVERHEAD);
        assert.equal(hex(blob.subarray(0, 6)), `5a4b424c01${shared ? '01' : '00'}`);
        const out = zc.unlockData(secrets, shared, blob);
        assert.ok(out.valid && Buffer.from(out.plaintext).equals(plaintext));
        const wrong = zc.unlockData(secrets, !shared, blob);
        assert.deepEqual(wrong, { valid: false, plaintext: zeros(0), reason: 'key_kind' });
      }
    }
  });

  void test('any altered byte, truncation, other key or forged trailer gives valid false', () => {
    const blob = zc.lockData(secrets, false, rng.bytes(21));
    const nonce = () => hex(zc.lockData(secrets, false, zeros(3)).subarray(6, 18));
    assert.notEqual(nonce(), nonce());
    for (let i = 0; i < blob.length; i++) {
      assert.equal(zc.unlockData(secrets, false, flip(blob, i, 1 << (i % 8))).valid, false);
    }
    for (const cut of [blob.subarray(1), blob.subarray(0, blob.length - 1), zeros(0)]) {
      assert.notEqual(reason(cut), 'ok');
    }
    assert.equal(reason(blob.subarray(0, 97)), 'malformed');
    assert.equal(reason(blob, { ...secrets, signingKey: pair(P).privateKey }), 'signature');
    assert.equal(reason(blob, { ...secrets, deviceSecret: rng.bytes(32) }), 'tag');
    // Ciphertext altered and re-signed with the device key: the signature passes, GCM does not.
    const forged = flip(blob, 20);
    const body = forged.subarray(0, forged.length - 64);
    forged.set(p256.sign(sha256(body), secrets.signingKey, { prehash: false }), body.length);
    assert.equal(reason(forged), 'tag');
    // The high-S twin of the valid trailer is refused.
    const sig = p256.Signature.fromBytes(blob.subarray(blob.length - 64));
    const twin = new p256.Signature(sig.r, p256.Point.Fn.ORDER - sig.s).toBytes();
    assert.equal(
      reason(Uint8Array.of(...blob.subarray(0, blob.length - 64), ...twin)),
      'signature',
    );
  });

  void test('invalid secrets are ERR_INVALID_KEY', () => {
    rejects(
      'ERR_INVALID_KEY',
      () => zc.lockData({ ...secrets, deviceSecret: zeros(16) }, false, zeros(0)),
      () => zc.lockData({ ...secrets, signingKey: zeros(32) }, true, zeros(0)),
      () => zc.unlockData({ ...secrets, sharedSecret: zeros(31) }, true, zeros(0)),
    );
  });
});

void test('every error code maps to a protocol status', () => {
  for (const status of Object.values(zc.cryptoErrorStatus)) assert.ok(status in Status);
});
