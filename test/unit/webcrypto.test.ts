/**
 * The WebCrypto drop-in against an emulator process: device keys for every served algorithm,
 * signatures checked with Node's own crypto, the spec's error names in the spec's order, public
 * key export and K-256 import, ECDH on the device, the key store, random values, and software
 * paths that must behave exactly as Node's own.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as nc from 'node:crypto';
import { startEmbedded, type EmbeddedEmulator } from '../../src/provider/embedded.ts';
import { DeviceError } from '../../src/provider/errors.ts';
import {
  createCrypto,
  CryptoKey,
  type AlgorithmParams,
  type Crypto,
} from '../../src/webcrypto/index.ts';

const native = nc.webcrypto.subtle;
let emulator: EmbeddedEmulator;
let zk: Crypto;
before(async () => {
  emulator = await startEmbedded({ model: 'hsm6' });
  zk = await createCrypto({ address: `unix:${emulator.socketPath}` });
});
after(async () => {
  await zk.close();
  await emulator.stop();
});

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
type Pair = { privateKey: CryptoKey; publicKey: CryptoKey };

/** Expects a rejection with a DOMException (or TypeError) of `name`. */
async function rejectsWith(name: string, promise: Promise<unknown>): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(promise, (e: unknown) => {
    caught = e;
    assert.ok(e instanceof Error || e instanceof DOMException, String(e));
    assert.equal((e as Error).name, name, (e as Error).message);
    return true;
  });
  return caught;
}

async function devicePair(
  algorithm: AlgorithmParams,
  usages: nc.webcrypto.KeyUsage[],
): Promise<Pair> {
  return (await zk.subtle.generateKey(algorithm, false, usages)) as unknown as Pair;
}

const SIGNERS = [
  { label: 'ECDSA P-256', gen: { name: 'ECDSA', namedCurve: 'P-256' }, crv: 'P-256' },
  { label: 'ECDSA K-256', gen: { name: 'ECDSA', namedCurve: 'K-256' }, crv: 'secp256k1' },
  { label: 'Ed25519', gen: { name: 'Ed25519' }, crv: 'Ed25519' },
] as const;

void describe('device signing keys', () => {
  for (const s of SIGNERS) {
    void test(`${s.label}: a new slot, spec-shaped keys, signatures Node verifies`, async () => {
      const pair = await devicePair(s.gen, ['sign', 'verify']);
      assert.ok(pair.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey);
      assert.equal(Object.prototype.toString.call(pair.privateKey), '[object CryptoKey]');
      assert.equal(pair.privateKey.type, 'private');
      assert.equal(pair.privateKey.extractable, false);
      assert.deepEqual(pair.privateKey.usages, ['sign']);
      assert.equal(pair.publicKey.type, 'public');
      assert.equal(pair.publicKey.extractable, true);
      assert.deepEqual(pair.publicKey.usages, ['verify']);
      assert.deepEqual(pair.privateKey.algorithm, s.gen);
      const jwk = (await zk.subtle.exportKey('jwk', pair.publicKey)) as nc.JsonWebKey;
      assert.equal(jwk.crv, s.crv);
      const nodeKey = nc.createPublicKey({ key: jwk, format: 'jwk' });
      const hashes = s.gen.name === 'ECDSA' ? (['SHA-256', 'SHA-384', 'SHA-512'] as const) : [null];
      for (const hash of hashes) {
        for (const message of [new Uint8Array(0), text('hello'), nc.randomBytes(1 << 20)]) {
          const algorithm = hash ? { name: 'ECDSA', hash } : 'Ed25519';
          const signature = new Uint8Array(
            await zk.subtle.sign(algorithm, pair.privateKey, message),
          );
          assert.equal(signature.length, 64);
          const nodeHash = hash ? hash.replace('-', '').toLowerCase() : null;
          const key = { key: nodeKey, dsaEncoding: 'ieee-p1363' } as const;
          assert.ok(nc.verify(nodeHash, message, key, signature), `${s.label} ${hash ?? ''}`);
          assert.equal(await zk.subtle.verify(algorithm, pair.publicKey, signature, message), true);
          signature[10] = (signature[10] ?? 0) ^ 1;
          assert.equal(
            await zk.subtle.verify(algorithm, pair.publicKey, signature, message),
            false,
          );
          assert.equal(
            await zk.subtle.verify(algorithm, pair.publicKey, signature.subarray(1), message),
            false,
          );
        }
      }
    });
  }

  void test('argument checks in the spec order, with the spec names', async () => {
    const ec = await devicePair({ name: 'ECDSA', namedCurve: 'P-256' }, ['sign', 'verify']);
    const ed = await devicePair({ name: 'Ed25519' }, ['sign']);
    const data = text('x');
    const sha = { name: 'ECDSA', hash: 'SHA-256' };
    await rejectsWith(
      'NotSupportedError',
      zk.subtle.sign({ name: 'ECDSA', hash: 'MD5' }, ec.privateKey, data),
    );
    await rejectsWith('TypeError', zk.subtle.sign({ name: 'ECDSA' }, ec.privateKey, data));
    await rejectsWith('InvalidAccessError', zk.subtle.sign(sha, ed.privateKey, data));
    await rejectsWith('InvalidAccessError', zk.subtle.sign(sha, ec.publicKey, data));
    await rejectsWith(
      'InvalidAccessError',
      zk.subtle.verify(sha, ec.privateKey, new Uint8Array(64), data),
    );
    await rejectsWith('InvalidAccessError', zk.subtle.exportKey('jwk', ec.privateKey));
    await rejectsWith('InvalidAccessError', zk.subtle.exportKey('pkcs8', ec.publicKey));
    await rejectsWith(
      'InvalidAccessError',
      zk.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, ec.privateKey, data),
    );
    await rejectsWith(
      'InvalidAccessError',
      zk.subtle.wrapKey('pkcs8', ec.privateKey, ec.publicKey, 'AES-KW'),
    );
    const gen = (alg: AlgorithmParams, usages: nc.webcrypto.KeyUsage[]): Promise<unknown> =>
      zk.subtle.generateKey(alg, false, usages);
    await rejectsWith('SyntaxError', gen({ name: 'ECDSA', namedCurve: 'P-256' }, ['encrypt']));
    await rejectsWith('SyntaxError', gen({ name: 'Ed25519' }, ['verify']));
    await rejectsWith('TypeError', gen({ name: 'ECDSA' }, ['sign']));
    await rejectsWith('NotSupportedError', gen({ name: 'ECDSA', namedCurve: 'P-384' }, ['sign']));
    await rejectsWith(
      'NotSupportedError',
      gen({ name: 'ECDH', namedCurve: 'K-256' }, ['deriveBits']),
    );
    await rejectsWith(
      'NotSupportedError',
      zk.subtle.generateKey({ name: 'ECDSA', namedCurve: 'K-256' }, true, ['sign']),
    );
    await rejectsWith('TypeError', zk.subtle.sign(sha, {} as unknown as CryptoKey, data));
  });

  void test('a model without the curve refuses with NotSupportedError, the device error as cause', async () => {
    const zymkey = await startEmbedded({ model: 'zymkey4' });
    const z = await createCrypto({ address: `unix:${zymkey.socketPath}` });
    try {
      const error = await rejectsWith(
        'NotSupportedError',
        z.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']),
      );
      assert.ok((error as { cause?: unknown }).cause instanceof DeviceError);
      // Its factory slot 0 signs, as on the real device.
      const { privateKey, publicKey } = await z.keys.get(0);
      const signature = await z.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        privateKey,
        text('m'),
      );
      assert.equal(
        await z.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, text('m')),
        true,
      );
    } finally {
      await z.close();
      await zymkey.stop();
    }
  });
});

void describe('public keys', () => {
  void test('spki, jwk and raw exports agree and import into Node', async () => {
    const { publicKey } = await devicePair({ name: 'ECDSA', namedCurve: 'P-256' }, [
      'sign',
      'verify',
    ]);
    const spki = new Uint8Array((await zk.subtle.exportKey('spki', publicKey)) as ArrayBuffer);
    const raw = new Uint8Array((await zk.subtle.exportKey('raw', publicKey)) as ArrayBuffer);
    assert.equal(raw.length, 65);
    assert.equal(raw[0], 4);
    const fromSpki = await native.importKey(
      'spki',
      spki,
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    );
    assert.deepEqual(new Uint8Array(await native.exportKey('raw', fromSpki)), raw);
  });

  void test('K-256 public keys import from jwk, spki and raw; private ones are refused', async () => {
    const pair = await devicePair({ name: 'ECDSA', namedCurve: 'K-256' }, ['sign', 'verify']);
    const signature = await zk.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      pair.privateKey,
      text('k'),
    );
    const alg = { name: 'ECDSA', namedCurve: 'K-256' };
    for (const format of ['jwk', 'spki', 'raw'] as const) {
      const exported = await zk.subtle.exportKey(format, pair.publicKey);
      const imported = await zk.subtle.importKey(format, exported, alg, true, ['verify']);
      assert.ok(imported instanceof CryptoKey);
      assert.equal(
        await zk.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, imported, signature, text('k')),
        true,
      );
    }
    const soft = nc
      .generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
      .privateKey.export({ format: 'jwk' });
    await rejectsWith('NotSupportedError', zk.subtle.importKey('jwk', soft, alg, false, ['sign']));
    await rejectsWith(
      'DataError',
      zk.subtle.importKey('raw', new Uint8Array(65), alg, true, ['verify']),
    );
    const p256 = nc
      .generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'jwk' });
    await rejectsWith('DataError', zk.subtle.importKey('jwk', p256, alg, true, ['verify']));
  });
});

void describe('ECDH on the device', () => {
  for (const [label, gen, peerAlg] of [
    ['P-256', { name: 'ECDH', namedCurve: 'P-256' }, { name: 'ECDH', namedCurve: 'P-256' }],
    ['X25519', { name: 'X25519' }, { name: 'X25519' }],
  ] as const) {
    void test(`${label}: deriveBits and deriveKey agree with Node on the peer's side`, async () => {
      const mine = await devicePair(gen, ['deriveBits', 'deriveKey']);
      assert.deepEqual(mine.publicKey.usages, []);
      const peer = await native.generateKey(peerAlg as nc.webcrypto.EcKeyGenParams, true, [
        'deriveBits',
        'deriveKey',
      ]);
      const bits = await zk.subtle.deriveBits(
        { name: gen.name, public: peer.publicKey },
        mine.privateKey,
        256,
      );
      const myPublic = await native.importKey(
        'spki',
        (await zk.subtle.exportKey('spki', mine.publicKey)) as ArrayBuffer,
        peerAlg,
        true,
        [],
      );
      const theirs = await native.deriveBits(
        { name: gen.name, public: myPublic },
        peer.privateKey,
        256,
      );
      assert.deepEqual(new Uint8Array(bits), new Uint8Array(theirs));
      const short = new Uint8Array(
        await zk.subtle.deriveBits({ name: gen.name, public: peer.publicKey }, mine.privateKey, 12),
      );
      assert.equal(short.length, 2);
      assert.equal(short[0], new Uint8Array(theirs)[0]);
      assert.equal(short[1], (new Uint8Array(theirs)[1] ?? 0) & 0xf0);
      await rejectsWith(
        'OperationError',
        zk.subtle.deriveBits({ name: gen.name, public: peer.publicKey }, mine.privateKey, 264),
      );
      const aes = { name: 'AES-GCM', length: 256 };
      const key = await zk.subtle.deriveKey(
        { name: gen.name, public: peer.publicKey },
        mine.privateKey,
        aes,
        false,
        ['encrypt'],
      );
      const peerKey = await native.deriveKey(
        { name: gen.name, public: myPublic },
        peer.privateKey,
        aes,
        false,
        ['decrypt'],
      );
      const iv = new Uint8Array(12);
      const sealed = await zk.subtle.encrypt({ name: 'AES-GCM', iv }, key, text('secret'));
      assert.deepEqual(
        new Uint8Array(await native.decrypt({ name: 'AES-GCM', iv }, peerKey, sealed)),
        text('secret'),
      );
    });
  }
});

void describe('the key store', () => {
  void test('factory slots, listing, foreign keys and removal', async () => {
    const slot0 = await zk.keys.get(0);
    assert.deepEqual(slot0.privateKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
    const asEcdh = await zk.keys.get(0, { use: 'ECDH' });
    assert.deepEqual(asEcdh.privateKey.usages, ['deriveKey', 'deriveBits']);
    const generated = (await zk.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
    ])) as unknown as Pair & { slot: number };
    const listed = await zk.keys.list();
    assert.ok(
      listed.some((s) => s.slot === generated.slot && s.algorithm.name === 'Ed25519' && !s.foreign),
    );
    const peer = nc
      .generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .publicKey.export({ format: 'jwk' });
    const raw = Buffer.concat([
      Buffer.from(peer.x ?? '', 'base64url'),
      Buffer.from(peer.y ?? '', 'base64url'),
    ]);
    const foreignSlot = await zk.device.storeForeignPubKey('nistp256', new Uint8Array(raw));
    const foreign = await zk.keys.getForeign(foreignSlot);
    assert.equal(foreign.type, 'public');
    assert.deepEqual(await zk.subtle.exportKey('jwk', foreign), {
      ...peer,
      key_ops: ['verify'],
      ext: true,
    });
    await zk.keys.remove(generated.slot);
    await rejectsWith(
      'OperationError',
      zk.subtle.sign('Ed25519', generated.privateKey, text('gone')),
    );
  });
});

void describe('software paths are Node’s own', () => {
  void test('digest, HMAC, AES and extractable EC keys give the results Node gives', async () => {
    const data = nc.randomBytes(1000);
    assert.deepEqual(await zk.subtle.digest('SHA-384', data), await native.digest('SHA-384', data));
    const hmacKey = await zk.subtle.importKey(
      'raw',
      new Uint8Array(32).fill(7),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const nativeHmac = await native.importKey(
      'raw',
      new Uint8Array(32).fill(7),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    assert.deepEqual(
      await zk.subtle.sign('HMAC', hmacKey, data),
      await native.sign('HMAC', nativeHmac, data),
    );
    assert.ok(hmacKey instanceof CryptoKey, 'Node keys are instances of the exported class too');
    const ec = (await zk.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as nc.webcrypto.CryptoKeyPair;
    const NodeCryptoKey = (globalThis as unknown as { CryptoKey: new () => object }).CryptoKey;
    assert.ok(ec.privateKey instanceof NodeCryptoKey, 'extractable pairs are Node keys');
    const signature = await zk.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, data);
    assert.equal(
      await native.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, signature, data),
      true,
    );
    await rejectsWith('NotSupportedError', zk.subtle.generateKey({ name: 'NOPE' }, true, ['sign']));
  });
});

void describe('random values', () => {
  void test('getRandomValues fills integer arrays, with the Web API limits; UUIDs are v4', () => {
    const a = zk.getRandomValues(new Uint32Array(16));
    assert.ok(a.some((v) => v !== 0));
    assert.throws(() => zk.getRandomValues(new Float32Array(4)), { name: 'TypeMismatchError' });
    assert.throws(() => zk.getRandomValues(new Uint8Array(65537)), { name: 'QuotaExceededError' });
    assert.equal(zk.getRandomValues(new Uint8Array(65536)).length, 65536);
    assert.match(
      zk.randomUUID(),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
