/**
 * The drop-in: `install()` swaps `globalThis.crypto` so unchanged jose code signs ES256 and
 * EdDSA JWTs with device keys; `uninstall()` restores Node's; a script that imports
 * `zkbridge/install` ends on its own; worker threads install their own; ES256K JWTs (which
 * jose 6 dropped) through the helper.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { SignJWT, decodeProtectedHeader, exportJWK, importJWK, jwtVerify } from 'jose';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as nc from 'node:crypto';
import { startEmbedded, type EmbeddedEmulator } from '../../src/provider/embedded.ts';
import {
  CryptoKey,
  createCrypto,
  install,
  installedCrypto,
  signES256KJwt,
  uninstall,
  verifyES256KJwt,
  type CryptoKeyPair,
} from '../../src/webcrypto/index.ts';

let emulator: EmbeddedEmulator;
let address: string;
before(async () => {
  emulator = await startEmbedded({ model: 'hsm6' });
  address = `unix:${emulator.socketPath}`;
});
after(async () => {
  await uninstall();
  await emulator.stop();
});

void test('install() serves jose ES256 and EdDSA with device keys; uninstall() restores', async () => {
  const original = globalThis.crypto;
  const zk = await install({ address });
  assert.equal(globalThis.crypto, zk);
  assert.equal(await install({ address }), zk, 'installing twice keeps the first');
  assert.equal(installedCrypto(), zk);
  for (const [alg, algorithm] of [
    ['ES256', { name: 'ECDSA', namedCurve: 'P-256' }],
    ['EdDSA', { name: 'Ed25519' }],
  ] as const) {
    // The global is the installed object: code written against crypto.subtle gets device keys.
    assert.equal(crypto.subtle, zk.subtle);
    const pair = (await zk.subtle.generateKey(algorithm, false, [
      'sign',
      'verify',
    ])) as unknown as CryptoKeyPair;
    assert.ok(pair.privateKey instanceof CryptoKey);
    const jwt = await new SignJWT({ sub: 'device-1', scope: 'telemetry' })
      .setProtectedHeader({ alg })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    // Verified with nothing but the exported public JWK, as a remote service would.
    const jwk = await exportJWK(pair.publicKey);
    assert.equal(jwk.d, undefined);
    const { payload } = await jwtVerify(jwt, await importJWK(jwk, alg));
    assert.equal(payload.sub, 'device-1');
    assert.equal((await jwtVerify(jwt, pair.publicKey)).protectedHeader.alg, alg);
    const forged = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await assert.rejects(jwtVerify(forged, pair.publicKey), {
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  }
  await uninstall();
  assert.equal(globalThis.crypto, original);
  assert.equal(installedCrypto(), undefined);
});

void test('an unchanged @peculiar/x509 CSR example uses device keys once installed', async () => {
  // The library was imported (and took Node's crypto) before install(): install() repoints it.
  const before: unknown = x509.cryptoProvider.get();
  const zk = await install({ address });
  try {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await zk.subtle.generateKey(alg, false, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=device-1, O=zkbridge',
      keys: keys as never, // the library types keys with the DOM lib, which this project does not load
      signingAlgorithm: alg,
    });
    assert.equal(await csr.verify(), true);
    assert.equal(csr.subject, 'CN=device-1, O=zkbridge');
  } finally {
    await uninstall();
  }
  assert.equal(x509.cryptoProvider.get(), before);
});

void test('software algorithms through the installed object give exactly what Node gives', async () => {
  const zk = await install({ address });
  const native = nc.webcrypto.subtle;
  try {
    const data = nc.randomBytes(4096);
    const raw = nc.randomBytes(32);
    const iv = nc.randomBytes(16);
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
      assert.deepEqual(await crypto.subtle.digest(hash, data), await native.digest(hash, data));
    }
    for (const [alg, params] of [
      ['AES-GCM', { name: 'AES-GCM', iv: iv.subarray(0, 12) }],
      ['AES-CBC', { name: 'AES-CBC', iv }],
      ['AES-CTR', { name: 'AES-CTR', counter: iv, length: 64 }],
    ] as const) {
      const ours = await zk.subtle.importKey('raw', raw, alg, false, ['encrypt', 'decrypt']);
      const theirs = await native.importKey('raw', raw, alg, false, ['encrypt', 'decrypt']);
      const sealed = await zk.subtle.encrypt(params, ours, data);
      assert.deepEqual(sealed, await native.encrypt(params, theirs, data), alg);
      assert.deepEqual(
        new Uint8Array(await zk.subtle.decrypt(params, ours, sealed)),
        new Uint8Array(data),
      );
    }
    const hkdf = { name: 'HKDF', hash: 'SHA-256', salt: iv, info: raw.subarray(0, 8) };
    const pbkdf2 = { name: 'PBKDF2', hash: 'SHA-512', salt: iv, iterations: 1000 };
    for (const [name, params] of [
      ['HKDF', hkdf],
      ['PBKDF2', pbkdf2],
    ] as const) {
      const ours = await zk.subtle.importKey('raw', raw, name, false, ['deriveBits']);
      const theirs = await native.importKey('raw', raw, name, false, ['deriveBits']);
      assert.deepEqual(
        await zk.subtle.deriveBits(params, ours, 256),
        await native.deriveBits(params, theirs, 256),
        name,
      );
    }
    const rsa = nc.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
    const rsaAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const ours = await zk.subtle.importKey('pkcs8', pkcs8, rsaAlg, false, ['sign']);
    const theirs = await native.importKey('pkcs8', pkcs8, rsaAlg, false, ['sign']);
    assert.deepEqual(
      await zk.subtle.sign(rsaAlg, ours, data),
      await native.sign(rsaAlg, theirs, data),
    );
    const kek = await zk.subtle.importKey('raw', raw, 'AES-KW', false, ['wrapKey']);
    const hmac = await zk.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, true, [
      'sign',
    ]);
    const wrapped = await zk.subtle.wrapKey('raw', hmac, kek, 'AES-KW');
    const nativeKek = await native.importKey('raw', raw, 'AES-KW', false, ['wrapKey']);
    const nativeHmac = await native.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, true, [
      'sign',
    ]);
    assert.deepEqual(wrapped, await native.wrapKey('raw', nativeHmac, nativeKek, 'AES-KW'));
  } finally {
    await uninstall();
  }
});

void test('a script importing zkbridge/install ends by itself and leaves nothing behind', async () => {
  const before = (await readdir(tmpdir())).filter((n) => n.startsWith('zkbridge-embedded-'));
  const script = fileURLToPath(new URL('fixtures/install_script.ts', import.meta.url));
  const env = { ...process.env };
  delete env['ZKBRIDGE_DEVICE'];
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
    timeout: 30_000,
    env,
  });
  assert.equal(decodeProtectedHeader(stdout.trim()).alg, 'EdDSA');
  // The embedded emulator stops when its parent ends, and removes its private directory.
  for (let i = 0; i < 50; i++) {
    const now = (await readdir(tmpdir())).filter((n) => n.startsWith('zkbridge-embedded-'));
    if (now.every((n) => before.includes(n))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the embedded emulator of the script did not clean up');
});

void test('worker threads install their own and sign with the same device', async () => {
  const zk = await createCrypto({ address });
  try {
    const pair = (await zk.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as unknown as CryptoKeyPair & { slot: number };
    const worker = new Worker(new URL('fixtures/webcrypto_worker.mjs', import.meta.url), {
      workerData: { address, slot: pair.slot },
    });
    const jwt = await new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const jwk = await zk.subtle.exportKey('jwk', pair.publicKey);
    const { payload } = await jwtVerify(
      jwt,
      await importJWK(jwk as Parameters<typeof importJWK>[0], 'ES256'),
    );
    assert.equal(payload['from'], 'worker');
  } finally {
    await zk.close();
  }
});

void test('ES256K JWTs with a device secp256k1 key: low S, verified, tamper and expiry refused', async () => {
  const zk = await createCrypto({ address });
  try {
    const pair = (await zk.subtle.generateKey({ name: 'ECDSA', namedCurve: 'K-256' }, false, [
      'sign',
      'verify',
    ])) as unknown as CryptoKeyPair;
    const imported = await zk.subtle.importKey(
      'jwk',
      await zk.subtle.exportKey('jwk', pair.publicKey),
      { name: 'ECDSA', namedCurve: 'K-256' },
      true,
      ['verify'],
    );
    for (let i = 0; i < 8; i++) {
      const jwt = await signES256KJwt(zk.subtle, pair.privateKey, {
        n: i,
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const signature = Buffer.from(jwt.split('.')[2] ?? '', 'base64url');
      assert.equal(signature.length, 64);
      assert.equal(secp256k1.Signature.fromBytes(signature).hasHighS(), false);
      const { header, payload } = await verifyES256KJwt(zk.subtle, imported as CryptoKey, jwt);
      assert.deepEqual([header['alg'], header['typ'], payload['n']], ['ES256K', 'JWT', i]);
    }
    const jwt = await signES256KJwt(zk.subtle, pair.privateKey, { exp: 1 });
    await assert.rejects(verifyES256KJwt(zk.subtle, pair.publicKey, jwt), /expired/);
    const fresh = await signES256KJwt(zk.subtle, pair.privateKey, { sub: 'x' });
    const [h, , s] = fresh.split('.');
    const other = Buffer.from(JSON.stringify({ sub: 'y' })).toString('base64url');
    await assert.rejects(
      verifyES256KJwt(zk.subtle, pair.publicKey, `${h}.${other}.${s}`),
      /signature verification failed/,
    );
    await assert.rejects(verifyES256KJwt(zk.subtle, pair.publicKey, 'a.b'), /three parts/);
  } finally {
    await zk.close();
  }
});
