/**
 * The emulated token's object store and TOKEN_LIST: creating, changing and destroying public and
 * private objects, bindings to key and foreign slots (and their end with the key), the record
 * format of TOKEN_LIST, capacity limits, and VERIFY_EDDSA_WITH_PUBKEY.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import {
  Command,
  KeyRecordFlags,
  KeyType,
  ObjectBinding,
} from '../../src/protocol/constants.generated.ts';
import {
  NO_TICKET,
  createObject,
  expectStatus,
  list,
  provision,
  tokenInfo,
  utf8,
  withTestbed,
} from './fixtures/token_device.ts';

const u64 = (v: bigint): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v);
  return new Uint8Array(b);
};

/** Attributes in the PKCS#11 library's TLV layout (docs/protocol.md section 5.1). */
function attrs(...items: [type: number, value: Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  for (const [type, value] of items) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(type, 0);
    head.writeUInt32BE(value.length, 4);
    parts.push(...head, ...value);
  }
  return Uint8Array.from(parts);
}

void test('create, list, change and destroy public and private objects', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const { so, user } = await provision(client);
    const pub = attrs([0x0, u64(1n)], [0x3, utf8('cert')], [0x1, Uint8Array.of(1)]);
    const created = await client.call(Command.TOKEN_CREATE_OBJECT, {
      ticket: NO_TICKET,
      private: false,
      binding: ObjectBinding.NONE,
      slot: 1234,
      attrs: pub,
    });
    expectStatus(created, 'OK');
    const publicHandle = created.out['handle'] as number;
    assert.ok(publicHandle > 0);
    assert.equal(created.out['generation'], (await tokenInfo(client))['generation']);

    // Private objects need a USER ticket: none, SO, unknown tickets are refused.
    for (const ticket of [NO_TICKET, so, new Uint8Array(16).fill(9)]) {
      expectStatus(
        await client.call(Command.TOKEN_CREATE_OBJECT, {
          ticket,
          private: true,
          binding: 0,
          slot: 0,
          attrs: utf8('secret'),
        }),
        'ERR_NOT_LOGGED_IN',
      );
    }
    const privateHandle = await createObject(client, {
      ticket: user,
      private: true,
      attrs: new Uint8Array(0),
    });
    assert.ok(privateHandle > publicHandle);

    // Listing: public objects for everyone, private ones with a USER ticket only.
    const other = await bed.connect();
    for (const ticket of [NO_TICKET, so]) {
      assert.deepEqual(
        (await list(other, ticket)).objects.map((o) => o.handle),
        [publicHandle],
      );
    }
    const full = await list(other, user);
    assert.deepEqual(full.objects, [
      { handle: publicHandle, private: false, binding: 0, slot: 1234, attrs: pub },
      { handle: privateHandle, private: true, binding: 0, slot: 0, attrs: new Uint8Array(0) },
    ]);

    // SET_OBJECT: private before or after needs USER; the binding stays.
    const set = (ticket: Uint8Array, handle: number, isPrivate: boolean, data: Uint8Array) =>
      client.call(Command.TOKEN_SET_OBJECT, { ticket, handle, private: isPrivate, attrs: data });
    expectStatus(await set(NO_TICKET, privateHandle, false, utf8('x')), 'ERR_NOT_LOGGED_IN');
    expectStatus(await set(so, publicHandle, true, utf8('x')), 'ERR_NOT_LOGGED_IN');
    expectStatus(await set(NO_TICKET, 999_999, false, utf8('x')), 'ERR_OBJECT_NOT_FOUND');
    expectStatus(await set(user, 999_999, false, utf8('x')), 'ERR_OBJECT_NOT_FOUND');
    const changed = await set(NO_TICKET, publicHandle, false, utf8('new attrs'));
    expectStatus(changed, 'OK');
    assert.ok((changed.out['generation'] as bigint) > (created.out['generation'] as bigint));
    expectStatus(await set(user, publicHandle, true, utf8('now private')), 'OK');
    assert.deepEqual((await list(other)).objects, []);
    const afterSet = await list(other, user);
    assert.deepEqual(afterSet.objects[0], {
      handle: publicHandle,
      private: true,
      binding: 0,
      slot: 1234,
      attrs: utf8('now private'),
    });

    // DESTROY: a private object without USER is ERR_NOT_LOGGED_IN, not "not found".
    const destroy = (ticket: Uint8Array, handle: number) =>
      client.call(Command.TOKEN_DESTROY_OBJECT, { ticket, handle });
    expectStatus(await destroy(NO_TICKET, privateHandle), 'ERR_NOT_LOGGED_IN');
    expectStatus(await destroy(NO_TICKET, 0), 'ERR_OBJECT_NOT_FOUND');
    expectStatus(await destroy(user, privateHandle), 'OK');
    expectStatus(await destroy(user, privateHandle), 'ERR_OBJECT_NOT_FOUND');
    assert.deepEqual(
      (await list(other, user)).objects.map((o) => o.handle),
      [publicHandle],
    );
    assert.equal((await tokenInfo(client))['objects'], 1);
  });
});

void test('objects need no initialized token when public; sizes: 65536 bytes per object', async () => {
  await withTestbed({ model: 'zymkey4' }, async (_bed, client) => {
    const big = new Uint8Array(65_536).fill(0x5a);
    const handle = await createObject(client, { attrs: big });
    const listed = await list(client);
    assert.deepEqual(listed.objects[0]?.attrs, big);
    const tooBig = new Uint8Array(65_537);
    expectStatus(
      await client.call(Command.TOKEN_CREATE_OBJECT, {
        ticket: NO_TICKET,
        private: false,
        binding: 0,
        slot: 0,
        attrs: tooBig,
      }),
      'ERR_DATA_TOO_LARGE',
    );
    expectStatus(
      await client.call(Command.TOKEN_SET_OBJECT, {
        ticket: NO_TICKET,
        handle,
        private: false,
        attrs: tooBig,
      }),
      'ERR_DATA_TOO_LARGE',
    );
    // Attrs size is checked before the ticket.
    expectStatus(
      await client.call(Command.TOKEN_CREATE_OBJECT, {
        ticket: NO_TICKET,
        private: true,
        binding: 0,
        slot: 0,
        attrs: tooBig,
      }),
      'ERR_DATA_TOO_LARGE',
    );
    const info = await tokenInfo(client);
    assert.equal(info['objects'], 1);
    assert.equal(info['free_bytes'], 64 * 1024 * 1024 - 65_536);
  });
});

void test('the store is full at its object count and at its attrs bytes', async () => {
  await withTestbed({ model: 'hsm6', tokenObjects: 3, tokenBytes: 1000 }, async (_bed, client) => {
    const a = await createObject(client, { attrs: new Uint8Array(400) });
    await createObject(client, { attrs: new Uint8Array(400) });
    const create = (n: number) =>
      client.call(Command.TOKEN_CREATE_OBJECT, {
        ticket: NO_TICKET,
        private: false,
        binding: 0,
        slot: 0,
        attrs: new Uint8Array(n),
      });
    expectStatus(await create(201), 'ERR_OBJECT_STORE_FULL', 'bytes');
    assert.equal((await tokenInfo(client))['free_bytes'], 200);
    expectStatus(await create(200), 'OK');
    expectStatus(await create(0), 'ERR_OBJECT_STORE_FULL', 'count');
    const set = (n: number) =>
      client.call(Command.TOKEN_SET_OBJECT, {
        ticket: NO_TICKET,
        handle: a,
        private: false,
        attrs: new Uint8Array(n),
      });
    expectStatus(await set(401), 'ERR_OBJECT_STORE_FULL');
    expectStatus(await set(400), 'OK', 'same size fits');
    expectStatus(await set(10), 'OK');
    assert.equal((await tokenInfo(client))['free_bytes'], 390);
    expectStatus(
      await client.call(Command.TOKEN_DESTROY_OBJECT, { ticket: NO_TICKET, handle: a }),
      'OK',
    );
    expectStatus(await create(0), 'OK', 'room again');
    assert.equal((await tokenInfo(client))['objects'], 3);
  });
});

void test('TOKEN_LIST: key records (flags, order, foreign keys), then objects', async () => {
  await withTestbed({ model: 'scm', generatedMax: 20 }, async (_bed, client) => {
    const gen = async (type: number): Promise<number> =>
      (await client.call(Command.GEN_KEY_PAIR, { key_type: type })).out['slot'] as number;
    const ed = await gen(KeyType.ED25519);
    const p256 = await gen(KeyType.P256);
    const x = await gen(KeyType.X25519);
    expectStatus(await client.call(Command.REMOVE_KEY, { slot: ed, foreign: false }), 'OK');
    const k1 = await gen(KeyType.SECP256K1); // reuses the freed slot
    expectStatus(
      await client.call(Command.DISABLE_PUBKEY_EXPORT, { slot: p256, foreign: false }),
      'OK',
    );
    await client.call(Command.GEN_EPHEMERAL_KEY_PAIR, { key_type: KeyType.P256 });
    const pubOf = async (slot: number, foreign = false): Promise<Uint8Array> =>
      (await client.call(Command.EXPORT_PUBKEY, { slot, foreign })).out['public_key'] as Uint8Array;
    const f0 = await client.call(Command.STORE_FOREIGN_PUBKEY, {
      key_type: KeyType.X25519,
      public_key: await pubOf(x),
    });
    const f1 = await client.call(Command.STORE_FOREIGN_PUBKEY, {
      key_type: KeyType.SECP256K1,
      public_key: await pubOf(k1),
    });
    expectStatus(
      await client.call(Command.DISABLE_PUBKEY_EXPORT, {
        slot: f1.out['slot'] as number,
        foreign: true,
      }),
      'OK',
    );
    const handle = await createObject(client, { binding: ObjectBinding.KEY_SLOT, slot: k1 });

    const listed = await list(client);
    assert.equal(listed.generation, (await tokenInfo(client))['generation']);
    // 16 factory slots (SCM: 0-13 P-256, 14-15 Ed25519), then generated, ascending, no -1.
    assert.deepEqual(
      listed.keys.map((k) => [k.slot, k.foreign]),
      [
        ...Array.from({ length: 16 }, (_, slot) => [slot, false]),
        [k1, false],
        [p256, false],
        [x, false],
        [f0.out['slot'], true],
        [f1.out['slot'], true],
      ],
    );
    const bySlot = (slot: number, foreign = false) =>
      listed.keys.find((k) => k.slot === slot && k.foreign === foreign);
    assert.deepEqual(bySlot(0), {
      slot: 0,
      foreign: false,
      keyType: KeyType.P256,
      flags: KeyRecordFlags.FACTORY,
      publicKey: await pubOf(0),
    });
    assert.equal(bySlot(15)?.keyType, KeyType.ED25519);
    assert.deepEqual(bySlot(k1), {
      slot: k1,
      foreign: false,
      keyType: KeyType.SECP256K1,
      flags: 0,
      publicKey: await pubOf(k1),
    });
    assert.deepEqual(bySlot(p256), {
      slot: p256,
      foreign: false,
      keyType: KeyType.P256,
      flags: KeyRecordFlags.EXPORT_DISABLED,
      publicKey: new Uint8Array(0),
    });
    assert.equal(bySlot(x)?.keyType, KeyType.X25519);
    assert.deepEqual(bySlot(f0.out['slot'] as number, true), {
      slot: f0.out['slot'],
      foreign: true,
      keyType: KeyType.X25519,
      flags: KeyRecordFlags.PUBLIC_ONLY,
      publicKey: await pubOf(x),
    });
    assert.deepEqual(
      bySlot(f1.out['slot'] as number, true)?.flags,
      KeyRecordFlags.PUBLIC_ONLY | KeyRecordFlags.EXPORT_DISABLED,
    );
    assert.deepEqual(bySlot(f1.out['slot'] as number, true)?.publicKey, new Uint8Array(0));
    assert.deepEqual(listed.objects, [
      { handle, private: false, binding: 1, slot: k1, attrs: utf8('attrs') },
    ]);
  });
});

void test('bound objects vanish with their key; a reused slot number has no old binding', async () => {
  await withTestbed({ model: 'hsm6', generatedMax: 4 }, async (_bed, client) => {
    const { user } = await provision(client);
    const gen = async (): Promise<number> =>
      (await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out['slot'] as number;
    const a = await gen();
    const b = await gen();
    const pubA = (await client.call(Command.EXPORT_PUBKEY, { slot: a, foreign: false })).out[
      'public_key'
    ] as Uint8Array;
    const foreign = (
      await client.call(Command.STORE_FOREIGN_PUBKEY, { key_type: KeyType.P256, public_key: pubA })
    ).out['slot'] as number;

    // Bindings to slots without a key are refused (also -1 with an ephemeral key present).
    await client.call(Command.GEN_EPHEMERAL_KEY_PAIR, { key_type: KeyType.P256 });
    for (const [binding, slot] of [
      [1, 19],
      [1, -1],
      [1, 5000],
      [2, foreign + 1],
      [2, -1],
    ] as const) {
      expectStatus(
        await client.call(Command.TOKEN_CREATE_OBJECT, {
          ticket: user,
          private: true,
          binding,
          slot,
          attrs: utf8('x'),
        }),
        'ERR_NO_SUCH_SLOT',
        `${binding}/${slot}`,
      );
    }
    const onA = await createObject(client, { ticket: user, private: true, binding: 1, slot: a });
    const onA2 = await createObject(client, { binding: 1, slot: a });
    const onB = await createObject(client, { binding: 1, slot: b });
    const onFactory = await createObject(client, { binding: 1, slot: 3 });
    const onForeign = await createObject(client, { binding: 2, slot: foreign });
    const unbound = await createObject(client, { binding: 0, slot: a });
    const handles = async (): Promise<number[]> =>
      (await list(client, user)).objects.map((o) => o.handle);
    assert.deepEqual(await handles(), [onA, onA2, onB, onFactory, onForeign, unbound]);

    expectStatus(await client.call(Command.REMOVE_KEY, { slot: a, foreign: false }), 'OK');
    assert.deepEqual(await handles(), [onB, onFactory, onForeign, unbound], 'key slot a');
    // SET_OBJECT keeps the binding: the object still goes with b.
    expectStatus(
      await client.call(Command.TOKEN_SET_OBJECT, {
        ticket: NO_TICKET,
        handle: onB,
        private: false,
        attrs: utf8('changed'),
      }),
      'OK',
    );
    expectStatus(await client.call(Command.REMOVE_KEY, { slot: foreign, foreign: true }), 'OK');
    assert.deepEqual(await handles(), [onB, onFactory, unbound], 'foreign slot');

    // A new key in slot a's number starts with no objects.
    assert.equal(await gen(), a);
    assert.deepEqual(await handles(), [onB, onFactory, unbound]);
    expectStatus(await client.call(Command.REMOVE_KEY, { slot: b, foreign: false }), 'OK');
    assert.deepEqual(await handles(), [onFactory, unbound]);
    assert.equal((await tokenInfo(client))['objects'], 2);
  });
});

void test('TOKEN_LIST larger than the connection max_message is ERR_DATA_TOO_LARGE', async () => {
  await withTestbed({ model: 'zymkey4' }, async (bed, client) => {
    for (let i = 0; i < 5; i++) await createObject(client, { attrs: new Uint8Array(60_000) });
    const small = await bed.connect(256 * 1024);
    expectStatus(await small.call(Command.TOKEN_LIST, { ticket: NO_TICKET }), 'ERR_DATA_TOO_LARGE');
    // The default client limit fits it; the listing arrives in fragments.
    const listed = await list(client);
    assert.equal(listed.objects.length, 5);
    assert.equal(listed.keys.length, 3);
  });
});

void test('VERIFY_EDDSA_WITH_PUBKEY: valid, invalid, bad keys, and models without EdDSA', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = new Uint8Array(
      Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'),
    );
    const message = utf8('a message of any length '.repeat(100));
    const signature = new Uint8Array(sign(null, message, privateKey));
    const verify = (public_key: Uint8Array, sig: Uint8Array, msg: Uint8Array) =>
      client.call(Command.VERIFY_EDDSA_WITH_PUBKEY, { public_key, signature: sig, message: msg });
    const ok = await verify(raw, signature, message);
    expectStatus(ok, 'OK');
    assert.equal(ok.out['valid'], true);
    const tampered = message.slice();
    tampered[3] = (tampered[3] ?? 0) ^ 1;
    assert.equal((await verify(raw, signature, tampered)).out['valid'], false);
    assert.equal((await verify(raw, new Uint8Array(64), message)).out['valid'], false);
    // The identity point (small order) and a non-point are not valid keys.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expectStatus(await verify(identity, signature, message), 'ERR_INVALID_PUBKEY');
    expectStatus(
      await verify(new Uint8Array(32).fill(0xff), signature, message),
      'ERR_INVALID_PUBKEY',
    );
    // A device key signs; the by-value check agrees.
    const slot = (await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.ED25519 })).out[
      'slot'
    ] as number;
    const devicePub = (await client.call(Command.EXPORT_PUBKEY, { slot, foreign: false })).out[
      'public_key'
    ] as Uint8Array;
    const deviceSig = (await client.call(Command.SIGN_EDDSA, { slot, message })).out[
      'signature'
    ] as Uint8Array;
    assert.equal((await verify(devicePub, deviceSig, message)).out['valid'], true);
    assert.deepEqual(bed.device.internalErrors, []);
  });
  await withTestbed({ model: 'zymkey4' }, async (_bed, client) => {
    expectStatus(
      await client.call(Command.VERIFY_EDDSA_WITH_PUBKEY, {
        public_key: new Uint8Array(32),
        signature: new Uint8Array(64),
        message: new Uint8Array(0),
      }),
      'ERR_UNSUPPORTED_MODEL',
    );
  });
});
