/**
 * The token in the durable store: PINs, try counters, label and objects survive restarts (login
 * tickets do not), handles are never reused, the generation never repeats, and the token's
 * records go through journal replay, snapshots and compaction like the keys, with the same
 * all-or-nothing crash behaviour (a torn TOKEN_INIT record leaves the token as it was).
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DeviceStore, type KeyRecord, type ObjectRecord } from '../../src/emulator/store/index.ts';
import { Command, KeyType } from '../../src/protocol/constants.generated.ts';
import {
  NO_TICKET,
  SO,
  SO_PIN,
  USER,
  USER_PIN,
  createObject,
  expectStatus,
  list,
  provision,
  tokenInfo,
  utf8,
  withTestbed,
} from './fixtures/token_device.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'zkb-token-store-'));
  dirs.push(d);
  return join(d, 'state');
}

void test('PINs, counters, label and objects survive a restart; tickets do not', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, first) => {
    const { so, user } = await provision(first, 'persistent');
    const slot = (await first.call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out[
      'slot'
    ] as number;
    const bound = await createObject(first, {
      ticket: user,
      private: true,
      binding: 1,
      slot,
      attrs: utf8('private key attrs'),
    });
    const plain = await createObject(first, { attrs: utf8('certificate') });
    const last = await createObject(first, { attrs: utf8('to be destroyed') });
    expectStatus(
      await first.call(Command.TOKEN_DESTROY_OBJECT, { ticket: NO_TICKET, handle: last }),
      'OK',
    );
    // Two wrong user PINs and one wrong SO PIN.
    for (const [who, pin] of [
      [USER, utf8('0000')],
      [USER, utf8('0000')],
      [SO, utf8('0000')],
    ] as const) {
      expectStatus(
        await first.call(Command.TOKEN_LOGIN, { user_type: who, pin }),
        'ERR_PIN_INCORRECT',
      );
    }
    const before = await tokenInfo(first);
    const listedBefore = await list(first, user);

    await bed.restart();
    const client = await bed.connect();
    const info = await tokenInfo(client);
    assert.equal(info['label'], 'persistent');
    assert.equal(info['flags'], before['flags']);
    assert.equal(info['user_tries_left'], 3);
    assert.equal(info['so_tries_left'], 4);
    assert.equal(info['objects'], 2);
    assert.ok((info['generation'] as bigint) > (before['generation'] as bigint) + (1n << 31n));
    // Tickets died with the device.
    for (const ticket of [so, user]) {
      expectStatus(await client.call(Command.TOKEN_LOGOUT, { ticket }), 'ERR_NOT_LOGGED_IN');
    }
    assert.deepEqual(
      (await list(client, user)).objects.map((o) => o.handle),
      [plain],
      'a pre-restart ticket lists public objects only',
    );
    // The PINs are the same; logging in restores the tries.
    const fresh = (await client.call(Command.TOKEN_LOGIN, { user_type: USER, pin: USER_PIN })).out[
      'ticket'
    ] as Uint8Array;
    const listed = await list(client, fresh);
    assert.deepEqual(listed.objects, listedBefore.objects);
    assert.deepEqual(
      listed.objects.map((o) => o.handle),
      [bound, plain],
    );
    expectStatus(await client.call(Command.TOKEN_LOGIN, { user_type: SO, pin: SO_PIN }), 'OK');
    // Handles are never reused, not even the destroyed highest one.
    assert.ok((await createObject(client, {})) > last);
    // The binding still holds after the restart.
    expectStatus(await client.call(Command.REMOVE_KEY, { slot, foreign: false }), 'OK');
    assert.deepEqual(
      (await list(client, fresh)).objects.map((o) => o.handle).includes(bound),
      false,
    );
  });
});

void test('the generation base never repeats, even for restarts within one second', async () => {
  await withTestbed({ model: 'zymkey4' }, async (bed, client) => {
    let previous = (await tokenInfo(client))['generation'] as bigint;
    for (let i = 0; i < 3; i++) {
      await createObject(await bed.connect(), {});
      const reached = (await tokenInfo(client))['generation'] as bigint;
      assert.equal(reached, previous + 1n);
      await bed.restart();
      client = await bed.connect();
      const base = (await tokenInfo(client))['generation'] as bigint;
      assert.ok(base > reached, `${base} > ${reached}`);
      previous = base;
    }
  });
});

function key(slot: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    slot,
    type: 0,
    privateKey: new Uint8Array(32).fill(slot & 0xff),
    publicKey: new Uint8Array(64).fill((slot + 1) & 0xff),
    exportDisabled: false,
    origin: 'generated',
    ...extra,
  };
}

function object(handle: number, extra: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    handle,
    private: handle % 2 === 0,
    binding: 0,
    slot: 0,
    attrs: new Uint8Array(handle * 3).fill(handle & 0xff),
    ...extra,
  };
}

/** A comparable picture of the token in a store. */
function tokenDump(s: DeviceStore): unknown {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const t = s.token;
  return {
    token:
      t === undefined
        ? undefined
        : { ...t, soVerifier: hex(t.soVerifier), userVerifier: hex(t.userVerifier) },
    objects: [...s.objects()].map((o) => ({ ...o, attrs: hex(o.attrs) })),
    highHandle: s.highHandle,
    objectBytes: s.objectBytes,
    keys: [...s.keys()].map((k) => k.slot).sort((a, b) => a - b),
  };
}

void test('store: token records replay, compact and reload; bound objects follow their keys', async () => {
  const dir = await tmp();
  let store = await DeviceStore.open(dir, { compactEvery: 1_000_000 });
  const settings = {
    initialized: true,
    label: 'ünïcode label',
    soVerifier: new Uint8Array(49).fill(1),
    userVerifier: new Uint8Array(0),
    soTries: 5,
    userTries: 5,
  };
  await store.putToken(settings);
  await store.putToken({ ...settings, userVerifier: new Uint8Array(49).fill(2) });
  await store.setPinTries('user', 2);
  await store.setPinTries('so', 0);
  // A wallet-like tree 100 <- 101 <- 102, and foreign slot 3.
  await store.putKey(key(100, { origin: 'wallet' }));
  await store.putKey(key(101, { origin: 'wallet', parent: 100 }));
  await store.putKey(key(102, { origin: 'wallet', parent: 101 }));
  await store.putKey(key(16));
  await store.putForeign({
    slot: 3,
    type: 2,
    publicKey: new Uint8Array(32).fill(3),
    exportDisabled: false,
  });
  await Promise.all([
    store.putObject(object(1, { binding: 1, slot: 101 })),
    store.putObject(object(2, { binding: 1, slot: 102 })),
    store.putObject(object(3, { binding: 1, slot: 16 })),
    store.putObject(object(4, { binding: 2, slot: 3 })),
    store.putObject(object(5, { binding: 0, slot: 101 })),
    store.putObject(object(6, { binding: 1, slot: 100 })),
    store.putObject(object(7)),
  ]);
  await store.putObject(object(7, { attrs: utf8('replaced'), private: true }));
  await store.removeObject(7); // the highest handle: it must stay used
  assert.equal(store.highHandle, 7);
  assert.equal(store.objectCount, 6);

  // Removing 101 removes 102 too, and the objects bound to either; 100's and unbound stay.
  assert.deepEqual((await store.removeKeys([101])).sort(), [101, 102]);
  assert.deepEqual(
    [...store.objects()].map((o) => o.handle),
    [3, 4, 5, 6],
  );
  // A different key in slot 16 drops its binding; the same key again would not.
  await store.putKey(key(16, { exportDisabled: true }));
  assert.deepEqual(
    [...store.objects()].map((o) => o.handle),
    [3, 4, 5, 6],
    'same key',
  );
  await store.putKey(key(16, { publicKey: new Uint8Array(64).fill(0xee) }));
  assert.deepEqual(
    [...store.objects()].map((o) => o.handle),
    [4, 5, 6],
    'new key',
  );
  await store.removeForeign(3);
  assert.deepEqual(
    [...store.objects()].map((o) => o.handle),
    [5, 6],
  );
  const picture = tokenDump(store);
  assert.equal(store.objectBytes, 5 * 3 + 6 * 3);
  await store.close();

  // Journal replay.
  store = await DeviceStore.open(dir);
  assert.deepEqual(tokenDump(store), picture);
  assert.equal(store.token?.userTries, 2);
  assert.equal(store.token?.soTries, 0);
  assert.equal(store.token?.label, 'ünïcode label');
  // Snapshot (compaction) and reload from the snapshot alone.
  await store.compact();
  assert.equal(store.stats.records, 0);
  await store.close();
  store = await DeviceStore.open(dir);
  assert.deepEqual(tokenDump(store), picture);
  assert.equal(store.highHandle, 7, 'the handle floor is in the snapshot');
  assert.equal(store.stats.objects, 2);

  // A wipe (TOKEN_INIT) is one record: objects go, the handle floor stays.
  await store.putToken({ ...settings, label: 'wiped' }, true);
  assert.equal(store.objectCount, 0);
  assert.equal(store.highHandle, 7);
  await store.close();
  store = await DeviceStore.open(dir);
  assert.equal(store.objectCount, 0);
  assert.equal(store.token?.label, 'wiped');
  assert.equal(store.highHandle, 7);
  await store.close();
});

void test('store: a torn TOKEN_INIT record leaves the token and its objects as they were', async () => {
  const dir = await tmp();
  let store = await DeviceStore.open(dir);
  const settings = {
    initialized: true,
    label: 'before',
    soVerifier: new Uint8Array(49).fill(1),
    userVerifier: new Uint8Array(49).fill(2),
    soTries: 5,
    userTries: 4,
  };
  await store.putToken(settings);
  for (let h = 1; h <= 5; h++) await store.putObject(object(h));
  const picture = tokenDump(store);
  const journal = join(dir, 'journal.bin');
  const size = (await stat(journal)).size;
  await store.putToken({ ...settings, label: 'after', userVerifier: new Uint8Array(0) }, true);
  await store.close();
  const bytes = await readFile(journal);

  // Cut the wipe record short anywhere: it is dropped as a torn tail, all of it.
  for (const cut of [size + 1, size + 12, size + 20, bytes.length - 1]) {
    await writeFile(journal, bytes.subarray(0, cut));
    store = await DeviceStore.open(dir);
    assert.deepEqual(tokenDump(store), picture, `cut at ${cut - size} bytes of the record`);
    assert.ok(store.stats.tornBytesDropped > 0);
    await store.close();
  }
});

void test('store: token records are validated before they are written', async () => {
  const dir = await tmp();
  const store = await DeviceStore.open(dir);
  try {
    await assert.rejects(store.putObject(object(0)), RangeError);
    await assert.rejects(store.putObject(object(1, { binding: 3 as 0 })), RangeError);
    await assert.rejects(store.putObject(object(1, { slot: 2 ** 31 })), RangeError);
    await assert.rejects(store.setPinTries('user', 256), RangeError);
    await assert.rejects(store.removeObject(-1), RangeError);
    assert.equal(store.stats.lastSeq, 0, 'nothing was written');
  } finally {
    await store.close();
  }
});

void test('pipelined changes share syncs, keep their order and are all durable', async () => {
  await withTestbed({ model: 'hsm6', generatedMax: 2000 }, async (bed, keys) => {
    const objects = await bed.connect();
    const before = bed.device.storeStats;
    const N = 250; // within max_in_flight (256): the raw client does not queue

    const [generated, created] = await Promise.all([
      Promise.all(
        Array.from({ length: N }, (_, i) =>
          keys.call(Command.GEN_KEY_PAIR, { key_type: i % 2 ? KeyType.P256 : KeyType.ED25519 }),
        ),
      ),
      Promise.all(
        Array.from({ length: N }, (_, i) =>
          objects.call(Command.TOKEN_CREATE_OBJECT, {
            ticket: NO_TICKET,
            private: false,
            binding: 0,
            slot: i,
            attrs: utf8(`object ${i}`),
          }),
        ),
      ),
    ]);
    for (const a of [...generated, ...created]) expectStatus(a, 'OK');
    const slots = generated.map((a) => a.out['slot'] as number);
    assert.equal(new Set(slots).size, N, 'every key got its own slot');
    const handles = created.map((a) => a.out['handle'] as number);
    const generations = created.map((a) => a.out['generation'] as bigint);
    for (let i = 1; i < N; i++) {
      assert.ok((handles[i] ?? 0) > (handles[i - 1] ?? 0), 'handles in request order');
      assert.ok((generations[i] ?? 0n) > (generations[i - 1] ?? 0n), 'generations in order');
    }
    const stats = bed.device.storeStats;
    const records = stats.lastSeq - before.lastSeq;
    const commits = stats.commits - before.commits;
    assert.equal(records, 2 * N);
    assert.ok(commits < records / 4, `${records} records in ${commits} syncs`);
    // Every STORE_CHANGED reached the other connection, in generation order.
    await keys.until(() => keys.events().length >= 2 * N);
    const announced = keys.events().map((e) => e['generation'] as bigint);
    for (let i = 1; i < announced.length; i++) {
      assert.ok((announced[i] ?? 0n) > (announced[i - 1] ?? 0n));
    }
    const listed = await list(keys);

    await bed.restart();
    const after = await list(await bed.connect());
    assert.deepEqual(after.keys, listed.keys, 'every acknowledged key, byte for byte');
    assert.deepEqual(after.objects, listed.objects);
    assert.deepEqual(
      after.objects.map((o) => o.handle),
      handles,
    );
  });
});
