/**
 * The emulated device end to end: real sockets, the client link, the catalogue's payloads.
 * Signatures are checked with OpenSSL (node:crypto), not with the emulator's own code.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, KeyType, Status } from '../../src/protocol/constants.generated.ts';
import { decodeResponse, encodeRequest, type Payload } from '../../src/protocol/payload_codec.ts';
import { EmulatedDevice, type EmulatorOptions } from '../../src/emulator/device.ts';
import { DeviceServer } from '../../src/emulator/server.ts';
import { DeviceConnection } from '../../src/provider/connection.ts';

type Call = (command: number, values?: Payload) => Promise<{ status: number; out: Payload }>;

async function withDevice(
  options: Omit<EmulatorOptions, 'stateDir'>,
  fn: (call: Call, reopen: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zkb-dev-'));
  const socketPath = join(dir, 'device.sock');
  let device = await EmulatedDevice.open({ ...options, stateDir: join(dir, 'state') });
  let server = await DeviceServer.start({ engine: device, socketPath });
  let link = await DeviceConnection.open({ kind: 'unix', path: socketPath });
  const call: Call = async (command, values = {}) => {
    const answer = await link.exchange(command, encodeRequest(command, values));
    const out = answer.status === Status.OK ? decodeResponse(command, answer.payload) : {};
    return { status: answer.status, out };
  };
  const reopen = async (): Promise<void> => {
    await link.close();
    await server.close();
    await device.close();
    device = await EmulatedDevice.open({ ...options, stateDir: join(dir, 'state') });
    server = await DeviceServer.start({ engine: device, socketPath });
    link = await DeviceConnection.open({ kind: 'unix', path: socketPath });
  };
  try {
    await fn(call, reopen);
    assert.deepEqual(device.internalErrors, []);
  } finally {
    await link.close();
    await server.close();
    await device.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** An OpenSSL key object from a raw device public key. */
function publicKey(type: number, raw: Uint8Array): KeyObject {
  if (type === KeyType.ED25519)
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(raw) }, format: 'jwk' });
  if (type === KeyType.X25519)
    return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(raw) }, format: 'jwk' });
  const crv = type === KeyType.P256 ? 'P-256' : 'secp256k1';
  return createPublicKey({
    key: { kty: 'EC', crv, x: b64u(raw.subarray(0, 32)), y: b64u(raw.subarray(32)) },
    format: 'jwk',
  });
}

const sha256 = (m: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(m).digest());

void test('HSM6: generate on every curve, sign, and OpenSSL verifies', async () => {
  await withDevice({ model: 'hsm6' }, async (call) => {
    assert.equal((await call(Command.GET_MODEL)).out['model'], 'HSM6');
    const message = new TextEncoder().encode('zkbridge signs this');
    for (const type of [KeyType.P256, KeyType.SECP256K1, KeyType.ED25519]) {
      const gen = await call(Command.GEN_KEY_PAIR, { key_type: type });
      assert.equal(gen.status, Status.OK);
      const slot = gen.out['slot'] as number;
      assert.ok(slot >= 16);
      const pub = (await call(Command.EXPORT_PUBKEY, { slot, foreign: false })).out;
      assert.equal(pub['key_type'], type);
      const key = publicKey(type, pub['public_key'] as Uint8Array);
      if (type === KeyType.ED25519) {
        const sig = await call(Command.SIGN_EDDSA, { slot, message });
        assert.ok(verify(null, message, key, sig.out['signature'] as Uint8Array));
      } else {
        const sig = await call(Command.SIGN_DIGEST, { slot, digest: sha256(message) });
        const signature = sig.out['signature'] as Uint8Array;
        assert.ok(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature));
        const check = await call(Command.VERIFY_DIGEST, {
          slot,
          foreign: false,
          digest: sha256(message),
          signature,
        });
        assert.equal(check.out['valid'], true);
        signature[5] = (signature[5] ?? 0) ^ 1;
        const bad = await call(Command.VERIFY_DIGEST, {
          slot,
          foreign: false,
          digest: sha256(message),
          signature,
        });
        assert.equal(bad.status, Status.OK);
        assert.equal(bad.out['valid'], false);
      }
    }
    const pem = await call(Command.EXPORT_PUBKEY_PEM, { slot: 16, foreign: false });
    assert.match(
      new TextDecoder().decode(pem.out['pem'] as Uint8Array),
      /^-----BEGIN PUBLIC KEY-----/,
    );
  });
});

void test('X25519 and P-256 ECDH agree with OpenSSL; X25519 slots cannot sign', async () => {
  await withDevice({ model: 'scm' }, async (call) => {
    for (const type of [KeyType.X25519, KeyType.P256]) {
      const a = (await call(Command.GEN_KEY_PAIR, { key_type: type })).out['slot'] as number;
      const b = (await call(Command.GEN_KEY_PAIR, { key_type: type })).out['slot'] as number;
      const pubB = (await call(Command.EXPORT_PUBKEY, { slot: b, foreign: false })).out[
        'public_key'
      ] as Uint8Array;
      const byValue = await call(Command.ECDH_RAW, { slot: a, peer_public_key: pubB });
      const bySlot = await call(Command.ECDH_RAW_WITH_SLOT, {
        slot: a,
        peer_slot: b,
        peer_is_foreign: false,
      });
      assert.deepEqual(byValue.out['secret'], bySlot.out['secret']);
      const kdf = await call(Command.ECDH_KDF, {
        kdf: 0,
        slot: a,
        peer_public_key: pubB,
        salt: new Uint8Array(16),
        info: new Uint8Array(0),
        iterations: 1,
        derived_key_size: 64,
      });
      assert.equal((kdf.out['derived_key'] as Uint8Array).length, 64);
      if (type === KeyType.X25519) {
        const sign = await call(Command.SIGN_DIGEST, { slot: a, digest: new Uint8Array(32) });
        assert.equal(sign.status, Status.ERR_SLOT_IS_X25519);
      }
    }
    // ECDH with a peer key of another type, and with an Ed25519 slot, are refused.
    const ed = await call(Command.ECDH_RAW, { slot: 14, peer_public_key: new Uint8Array(32) });
    assert.equal(ed.status, Status.ERR_KEY_TYPE_MISMATCH);
    const tooLong = await call(Command.ECDH_KDF, {
      kdf: 0,
      slot: 16,
      peer_public_key: new Uint8Array(32),
      salt: new Uint8Array(129),
      info: new Uint8Array(0),
      iterations: 1,
      derived_key_size: 32,
    });
    assert.equal(tooLong.status, Status.ERR_OUT_OF_RANGE);
  });
});

void test('huge, negative and empty slots get statuses; factory slots stay', async () => {
  await withDevice({ model: 'hsm6' }, async (call) => {
    for (const slot of [2 ** 31 - 1, -(2 ** 31), -2, 528, 100_000]) {
      for (const [command, values] of [
        [Command.EXPORT_PUBKEY, { slot, foreign: false }],
        [Command.SIGN_DIGEST, { slot, digest: new Uint8Array(32) }],
        [Command.REMOVE_KEY, { slot, foreign: false }],
        [Command.EXPORT_PUBKEY, { slot, foreign: true }],
      ] as const) {
        assert.equal(
          (await call(command, values)).status,
          Status.ERR_NO_SUCH_SLOT,
          `${command} ${slot}`,
        );
      }
    }
    assert.equal(
      (await call(Command.SIGN_DIGEST, { slot: -1, digest: new Uint8Array(32) })).status,
      Status.ERR_NO_SUCH_SLOT,
    );
    assert.equal(
      (await call(Command.REMOVE_KEY, { slot: 3, foreign: false })).status,
      Status.ERR_SLOT_NOT_REMOVABLE,
    );
  });
});

void test('foreign keys, export lock, removal and persistence across restarts', async () => {
  await withDevice({ model: 'hsm6', generatedMax: 3 }, async (call, reopen) => {
    const slots: number[] = [];
    for (let i = 0; i < 3; i++)
      slots.push(
        (await call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out['slot'] as number,
      );
    assert.deepEqual(slots, [16, 17, 18]);
    assert.equal(
      (await call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).status,
      Status.ERR_KEY_STORE_FULL,
    );
    const pub17 = (await call(Command.EXPORT_PUBKEY, { slot: 17, foreign: false })).out[
      'public_key'
    ] as Uint8Array;
    const stored = await call(Command.STORE_FOREIGN_PUBKEY, {
      key_type: KeyType.P256,
      public_key: pub17,
    });
    assert.equal(stored.out['slot'], 0);
    const bogus = await call(Command.STORE_FOREIGN_PUBKEY, {
      key_type: KeyType.P256,
      public_key: new Uint8Array(64).fill(1),
    });
    assert.equal(bogus.status, Status.ERR_INVALID_PUBKEY);
    const digest = new Uint8Array(32).fill(7);
    const sig = (await call(Command.SIGN_DIGEST, { slot: 17, digest })).out[
      'signature'
    ] as Uint8Array;
    assert.equal(
      (await call(Command.VERIFY_DIGEST, { slot: 0, foreign: true, digest, signature: sig })).out[
        'valid'
      ],
      true,
    );
    assert.equal(
      (await call(Command.DISABLE_PUBKEY_EXPORT, { slot: 18, foreign: false })).status,
      Status.OK,
    );
    assert.equal(
      (await call(Command.EXPORT_PUBKEY, { slot: 18, foreign: false })).status,
      Status.ERR_PUBKEY_EXPORT_DISABLED,
    );
    assert.deepEqual(
      (await call(Command.REMOVE_KEY, { slot: 16, foreign: false })).out['removed'],
      [16],
    );
    await call(Command.GEN_EPHEMERAL_KEY_PAIR, { key_type: KeyType.P256 });
    const serial = (await call(Command.GET_SERIAL)).out['serial'];

    await reopen();
    assert.equal((await call(Command.GET_SERIAL)).out['serial'], serial);
    assert.deepEqual(
      (await call(Command.EXPORT_PUBKEY, { slot: 17, foreign: false })).out['public_key'],
      pub17,
    );
    assert.equal(
      (await call(Command.EXPORT_PUBKEY, { slot: 18, foreign: false })).status,
      Status.ERR_PUBKEY_EXPORT_DISABLED,
    );
    assert.equal(
      (await call(Command.EXPORT_PUBKEY, { slot: 16, foreign: false })).status,
      Status.ERR_NO_SUCH_SLOT,
    );
    assert.equal(
      (await call(Command.SIGN_DIGEST, { slot: -1, digest })).status,
      Status.ERR_NO_SUCH_SLOT,
      'ephemeral is gone',
    );
    const list = await call(Command.GET_ALLOC_SLOTS, { foreign: false });
    assert.deepEqual(
      (list.out['slots'] as number[]).filter((s) => s >= 16),
      [17, 18],
    );
    assert.equal(
      (await call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out['slot'],
      16,
      'freed slot reused',
    );
  });
});

void test('lock and unlock: large data, wrong key kind, tampering', async () => {
  await withDevice({ model: 'hsm6' }, async (call) => {
    const data = new Uint8Array(200_000).map((_, i) => i & 0xff);
    const locked = (await call(Command.LOCK_DATA, { use_shared_key: false, data })).out[
      'locked'
    ] as Uint8Array;
    const back = await call(Command.UNLOCK_DATA, { use_shared_key: false, locked });
    assert.equal(back.out['valid'], true);
    assert.deepEqual(back.out['data'], data);
    assert.equal(
      (await call(Command.UNLOCK_DATA, { use_shared_key: true, locked })).out['valid'],
      false,
    );
    locked[100] = (locked[100] ?? 0) ^ 1;
    assert.equal(
      (await call(Command.UNLOCK_DATA, { use_shared_key: false, locked })).out['valid'],
      false,
    );
    const junk = await call(Command.UNLOCK_DATA, {
      use_shared_key: false,
      locked: new Uint8Array(10),
    });
    assert.equal(junk.status, Status.ERR_CIPHERTEXT_MALFORMED);
  });
});

void test('Zymkey4: three P-256 slots, no key generation, no foreign store', async () => {
  await withDevice({ model: 'zymkey4' }, async (call) => {
    assert.equal(
      (await call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).status,
      Status.ERR_UNSUPPORTED_MODEL,
    );
    assert.equal(
      (await call(Command.SIGN_DIGEST, { slot: 2, digest: new Uint8Array(32) })).status,
      Status.OK,
    );
    assert.equal(
      (await call(Command.SIGN_DIGEST, { slot: 3, digest: new Uint8Array(32) })).status,
      Status.ERR_NO_SUCH_SLOT,
    );
    assert.equal(
      (await call(Command.EXPORT_PUBKEY, { slot: 0, foreign: true })).status,
      Status.ERR_UNSUPPORTED_MODEL,
    );
    assert.equal(
      (await call(Command.ECDH_RAW, { slot: 0, peer_public_key: new Uint8Array(64) })).status,
      Status.ERR_UNSUPPORTED_MODEL,
    );
  });
});

void test('malformed payloads are ERR_INVALID_ARG, never a crash', async () => {
  await withDevice({ model: 'hsm6' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zkb-raw-'));
    const device = await EmulatedDevice.open({ model: 'hsm6', stateDir: dir });
    const context = { connectionId: 1, requestId: 1, signal: new AbortController().signal };
    for (const command of [
      Command.SIGN_DIGEST,
      Command.GEN_KEY_PAIR,
      Command.ECDH_KDF,
      Command.LOCK_DATA,
      Command.EXPORT_PUBKEY,
    ]) {
      for (let n = 0; n < 80; n += 3) {
        const reply = await device.execute(command, new Uint8Array(n).fill(0xff), context);
        assert.notEqual(reply.status, Status.ERR_INTERNAL, `${command} with ${n} bytes`);
      }
    }
    const badType = await device.execute(Command.GEN_KEY_PAIR, Uint8Array.of(9), context);
    assert.equal(badType.status, Status.ERR_INVALID_ARG);
    const trailing = await device.execute(Command.GET_MODEL, Uint8Array.of(0), context);
    assert.equal(trailing.status, Status.ERR_INVALID_ARG);
    assert.deepEqual(device.internalErrors, []);
    await device.close();
    await rm(dir, { recursive: true, force: true });
  });
});
