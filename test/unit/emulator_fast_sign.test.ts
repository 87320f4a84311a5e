// The emulator's fast signing paths (src/emulator/crypto/fast_sign.ts, presign.ts): OpenSSL and
// libsecp256k1 point multiplication agree with @noble/curves, pooled ECDSA signatures verify in
// OpenSSL and recover the signer's key across many pool refills, nonces are never reused, and
// OpenSSL Ed25519 gives the RFC 8032 (deterministic) signature noble gives.
import * as assert from 'node:assert/strict';
import * as nc from 'node:crypto';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  ed25519Backend,
  nobleBaseMultiply,
  opensslEd25519Signer,
  nonceSources,
  secp256k1Backend,
  signEd25519Seed,
  signP256,
  signSecp256k1,
} from '../../src/emulator/crypto/fast_sign.ts';
import {
  makePresignatures,
  PresignaturePool,
  randomNonces,
  type NonceSource,
  type Presignature,
  type PresignatureSupplier,
} from '../../src/emulator/crypto/presign.ts';
import { presignatureSupplier } from '../../src/emulator/crypto/presign_supplier.ts';
import { Prng } from './prng.ts';

const rng = new Prng(0x5eed);
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

const CURVES = [
  { name: 'P-256', curve: p256, jwk: 'P-256', sign: signP256, nonces: nonceSources.p256 },
  {
    name: 'secp256k1',
    curve: secp256k1,
    jwk: 'secp256k1',
    sign: signSecp256k1,
    nonces: nonceSources.secp256k1,
  },
] as const;

function publicKeyObject(curve: string, pub: Uint8Array): nc.KeyObject {
  const jwk = { kty: 'EC', crv: curve, x: b64u(pub.slice(1, 33)), y: b64u(pub.slice(33)) };
  return nc.createPublicKey({ key: jwk, format: 'jwk' });
}

/** Checks a raw signature over a digest with noble, and that its recovery id recovers `pub`. */
function assertValid(
  c: (typeof CURVES)[number],
  pub: Uint8Array,
  digest: Uint8Array,
  sig: { signature: Uint8Array; recoveryId: number },
): void {
  assert.ok(c.curve.verify(sig.signature, digest, pub, { prehash: false, lowS: false }));
  const recovered = c.curve.Signature.fromBytes(sig.signature)
    .addRecoveryBit(sig.recoveryId)
    .recoverPublicKey(digest)
    .toBytes(false);
  assert.deepEqual(recovered, pub);
}

void describe('fast ECDSA signing', () => {
  for (const c of CURVES) {
    void test(`${c.name}: nonces are in [1, n-1], distinct, and their points agree with noble`, () => {
      const seen = new Set<bigint>();
      for (let i = 0; i < 16; i++) {
        const nonce = c.nonces();
        assert.ok(nonce.k > 0n && nonce.k < c.curve.Point.Fn.ORDER);
        seen.add(nonce.k);
        const point = c.curve.Point.BASE.multiply(nonce.k).toBytes(false);
        assert.equal(
          Buffer.from(nonce.x).toString('hex'),
          Buffer.from(point.subarray(1, 33)).toString('hex'),
        );
        assert.equal(nonce.yOdd, ((point[64] ?? 0) & 1) === 1);
      }
      assert.equal(seen.size, 16);
    });

    void test(`${c.name}: signatures verify in OpenSSL and recover the key over many refills`, () => {
      const d = c.curve.utils.randomSecretKey(rng.bytes(48));
      const pub = c.curve.getPublicKey(d, false);
      const key = { key: publicKeyObject(c.jwk, pub), dsaEncoding: 'ieee-p1363' } as const;
      const rs = new Set<string>();
      let highS = 0;
      for (let i = 0; i < 150; i++) {
        const message = rng.bytes(rng.int(0, 100));
        const digest = new Uint8Array(nc.createHash('sha256').update(message).digest());
        const sig = c.sign(d, digest);
        assert.ok(nc.verify('sha256', message, key, sig.signature), `OpenSSL rejects #${i}`);
        assertValid(c, pub, digest, sig);
        if (c.curve.Signature.fromBytes(sig.signature).hasHighS()) highS++;
        rs.add(Buffer.from(sig.signature.subarray(0, 32)).toString('hex'));
      }
      assert.equal(rs.size, 150, 'a nonce was used twice');
      assert.ok(highS > 0 && highS < 150, 's is returned as computed, not normalised');
    });
  }

  void test('a pool refills in batches, uses each presignature once, and signs through refills', () => {
    let multiplications = 0;
    const source = randomNonces(p256.Point.Fn.ORDER, nobleBaseMultiply(p256));
    const counting: NonceSource = () => {
      multiplications++;
      return source();
    };
    const pool = new PresignaturePool(p256.Point.Fn, counting, 4);
    assert.equal(pool.size, 0);
    const d = p256.utils.randomSecretKey(rng.bytes(48));
    const pub = p256.getPublicKey(d, false);
    const digest = rng.bytes(32);
    const first = pool.sign(d, digest);
    assert.equal(multiplications, 4);
    assert.equal(pool.size, 3);
    for (let i = 0; i < 9; i++) assertValid(CURVES[0], pub, digest, pool.sign(d, digest));
    assert.equal(multiplications, 12, 'three batches of four for ten signatures');
    assertValid(CURVES[0], pub, digest, first);
  });
});

void test('a pool tops itself up in the background, one nonce per turn, to two batches', async () => {
  let made = 0;
  const source = randomNonces(p256.Point.Fn.ORDER, nobleBaseMultiply(p256));
  const pool = new PresignaturePool(
    p256.Point.Fn,
    () => {
      made++;
      return source();
    },
    4,
  );
  pool.sign(p256.utils.randomSecretKey(rng.bytes(48)), rng.bytes(32));
  assert.equal(pool.size, 3);
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  await turn();
  assert.equal(made, 5, 'one nonce per turn');
  for (let i = 0; i < 20; i++) await turn();
  assert.equal(pool.size, 7, 'one more batch of four, the last nonce still pending');
  assert.equal(made, 9, 'seven ready plus one pending make two batches');
});

/** A local nonce source that counts its point multiplications. */
function countingP256(): { source: NonceSource; made: () => number } {
  let made = 0;
  const source = randomNonces(p256.Point.Fn.ORDER, nobleBaseMultiply(p256));
  return {
    source: () => {
      made++;
      return source();
    },
    made: () => made,
  };
}

void describe('presignatures from a supplier (the worker thread)', () => {
  const d = p256.utils.randomSecretKey(rng.bytes(48));
  const pub = p256.getPublicKey(d, false);

  void test(
    'the worker makes valid presignatures and a pool signs from them alone',
    { skip: availableParallelism() < 2 ? 'one core: no presignature worker' : false },
    async (t) => {
      // The worker does not keep a process alive (the device's server does): a timer does here.
      const alive = setInterval(() => undefined, 1000);
      t.after(() => {
        clearInterval(alive);
      });
      const supplier = presignatureSupplier('p256');
      const batch = await new Promise<Presignature[]>((resolve) => {
        assert.ok(supplier.request(16, resolve), 'the worker serves on a multi-core machine');
      });
      assert.equal(batch.length, 16);
      assert.equal(new Set(batch.map((p) => p.r)).size, 16, 'fresh nonces');

      const local = countingP256();
      const pool = new PresignaturePool(p256.Point.Fn, local.source, { batch: 4, supplier });
      const digest = rng.bytes(32);
      assertValid(CURVES[0], pub, digest, pool.sign(d, digest)); // empty: one local batch
      assert.equal(local.made(), 4);
      for (let i = 0; i < 50 && pool.size < 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(pool.size >= 200, `the worker refills the stock (has ${pool.size})`);
      const rs = new Set<string>();
      for (let i = 0; i < 150; i++) {
        const sig = pool.sign(d, digest);
        assertValid(CURVES[0], pub, digest, sig);
        rs.add(b64u(sig.signature.subarray(0, 32)));
      }
      assert.equal(rs.size, 150, 'each presignature used once');
      assert.equal(local.made(), 4, 'no nonce made on this thread after the first batch');
    },
  );

  void test('a supplier that cannot serve, or fails, leaves the pool topping up itself', async () => {
    const refusing: PresignatureSupplier = { request: () => false };
    let asked = 0;
    const failing: PresignatureSupplier = {
      request: (_count, deliver) => {
        asked++;
        setImmediate(() => {
          deliver([]);
        });
        return true;
      },
    };
    for (const supplier of [refusing, failing]) {
      const local = countingP256();
      const pool = new PresignaturePool(p256.Point.Fn, local.source, { batch: 4, supplier });
      const digest = rng.bytes(32);
      for (let i = 0; i < 10; i++) {
        assertValid(CURVES[0], pub, digest, pool.sign(d, digest));
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(local.made() >= 10, 'signatures came from local nonces');
    }
    assert.ok(asked > 0 && asked <= 10, 'one request at a time, asked again after a failure');
  });

  void test('makePresignatures: one batch, each triple signs correctly', () => {
    const made = makePresignatures(p256.Point.Fn, countingP256().source, 8);
    assert.equal(made.length, 8);
    const fn = p256.Point.Fn;
    const z = 12345n;
    const dn = fn.create(BigInt('0x' + Buffer.from(d).toString('hex')));
    for (const pre of made) {
      const s = fn.mul(pre.kInverse, fn.add(z, fn.mul(pre.r, dn)));
      const sig = new p256.Signature(pre.r, s);
      const digest = Buffer.from(z.toString(16).padStart(64, '0'), 'hex');
      assert.ok(p256.verify(sig.toBytes(), digest, pub, { prehash: false, lowS: false }));
    }
  });
});

void describe('fast Ed25519 signing', () => {
  void test('libsodium and OpenSSL give the signature noble gives (RFC 8032 is deterministic)', () => {
    for (let i = 0; i < 24; i++) {
      const seed = rng.bytes(32);
      const message = rng.bytes(i * 13);
      const expected = ed25519.sign(message, seed);
      assert.deepEqual(signEd25519Seed(seed, message), expected);
      assert.deepEqual(opensslEd25519Signer(seed)(message), expected);
    }
  });
});

void test(
  'the native backends load where prebuilt bindings exist',
  { skip: process.platform !== 'linux' || process.arch !== 'x64' },
  () => {
    // CI runs on linux-x64, where both packages ship prebuilds; a fallback there is a regression.
    assert.equal(secp256k1Backend, 'libsecp256k1');
    assert.equal(ed25519Backend, 'libsodium');
  },
);
