/**
 * The emulator's durable state store: round trips, compaction and its crash windows, corruption
 * detection (and the one tolerated torn tail), the directory lock, permissions, and a SIGKILL
 * crash test (200+ kills of a child generating keys; no acknowledged key may be lost).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32c } from '../../src/native/index.ts';
import { DeviceStore, StoreError, type KeyRecord } from '../../src/emulator/store/index.ts';
import { childRunner, crashLane, type LaneResult } from './fixtures/store_writer.runner.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'zkb-store-'));
  dirs.push(d);
  return join(d, 'state');
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);
}

function key(slot: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    slot,
    type: slot % 4,
    privateKey: bytes(32, slot),
    publicKey: bytes(64, slot + 1000),
    exportDisabled: false,
    origin: 'generated',
    ...extra,
  };
}

/** A comparable picture of everything in the store. */
function dump(s: DeviceStore): unknown {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const sortBy = <T extends { slot: number }>(it: Iterable<T>): T[] =>
    [...it].sort((a, b) => a.slot - b.slot);
  return {
    keys: sortBy(s.keys()).map((k) => ({
      ...k,
      privateKey: hex(k.privateKey),
      publicKey: hex(k.publicKey),
      extra: k.extra === undefined ? undefined : hex(k.extra),
    })),
    foreign: sortBy(s.foreignKeys()).map((k) => ({ ...k, publicKey: hex(k.publicKey) })),
    settings: [...s.settingNames()]
      .sort()
      .map((n) => [n, hex(s.getSetting(n) ?? new Uint8Array())]),
  };
}

/** Fills a store with every record kind. */
async function populate(s: DeviceStore): Promise<void> {
  await s.putKey(key(0, { origin: 'factory', type: 0 }));
  await s.putKey(key(16));
  await s.putKey(key(17, { exportDisabled: true }));
  await s.putKey(key(100, { origin: 'wallet', extra: bytes(77, 9) }));
  await s.putKey(key(101, { origin: 'wallet', parent: 100, extra: bytes(40, 3) }));
  await s.putKey(key(102, { origin: 'wallet', parent: 101 }));
  await s.putKey(key(200, { origin: 'wallet' }));
  await s.putKey(key(201, { origin: 'wallet', parent: 200 }));
  await s.putKey(key(-2_000_000_000, { privateKey: new Uint8Array(0) }));
  await s.setExportDisabled(16, false);
  await s.putForeign({ slot: 0, type: 1, publicKey: bytes(64, 5), exportDisabled: false });
  await s.putForeign({ slot: 1, type: 2, publicKey: bytes(32, 6), exportDisabled: false });
  await s.putForeign({ slot: 2, type: 0, publicKey: bytes(64, 7), exportDisabled: false });
  await s.setExportDisabled(1, true);
  await s.removeForeign(2);
  await s.putSetting('binding', bytes(16, 1));
  await s.putSetting('π-unicode', new Uint8Array(0));
  await s.putSetting('gone', bytes(3, 2));
  await s.deleteSetting('gone');
  assert.deepEqual((await s.removeKeys([200])).sort(), [200, 201]);
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern !== undefined) assert.match(e.message, pattern);
    return true;
  });
}

void describe('DeviceStore basics', () => {
  void test('every record kind survives close/open, compaction and open again', async () => {
    const dir = await tmp();
    const s = await DeviceStore.open(dir);
    await populate(s);
    const before = dump(s);
    assert.equal(s.getKey(16)?.exportDisabled, true);
    assert.equal(s.getForeign(1)?.exportDisabled, true);
    assert.deepEqual(s.descendantsOf(100).sort(), [101, 102]);
    await s.close();
    const s2 = await DeviceStore.open(dir);
    assert.deepEqual(dump(s2), before);
    assert.equal(s2.stats.lastSeq, 20);
    await s2.compact();
    assert.equal(s2.stats.records, 0);
    await s2.putSetting('after', bytes(4, 4));
    await s2.close();
    const s3 = await DeviceStore.open(dir);
    assert.equal(s3.stats.lastSeq, 21);
    assert.equal(s3.stats.records, 1);
    await s3.deleteSetting('after');
    assert.deepEqual(dump(s3), before);
    assert.deepEqual(s3.childrenOf(101), [102]);
    await s3.close();
  });

  void test('concurrent mutations apply in call order, several per sync', async () => {
    const s = await DeviceStore.open(await tmp());
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) all.push(s.putSetting('n', Uint8Array.of(i & 0xff, i >> 8)));
    all.push(s.putKey(key(16)), s.removeKeys([16]), s.putKey(key(17)));
    await Promise.all(all);
    assert.deepEqual([...(s.getSetting('n') ?? [])], [499 & 0xff, 499 >> 8]);
    assert.equal(s.getKey(16), undefined);
    assert.ok(s.getKey(17));
    assert.equal(s.stats.lastSeq, 503);
    await s.close();
  });

  void test('removing a key with 50,000 descendants is fast and durable', async () => {
    const dir = await tmp();
    const s = await DeviceStore.open(dir);
    const puts = [s.putKey(key(16, { origin: 'wallet' }))];
    for (let i = 1; i <= 50_000; i++) {
      const parent = i <= 100 ? 16 : 16 + (i % 100) + 1;
      puts.push(s.putKey(key(16 + i, { origin: 'wallet', parent, privateKey: new Uint8Array(0) })));
    }
    puts.push(s.putKey(key(1_000_000)));
    await Promise.all(puts);
    const t0 = performance.now();
    const removed = await s.removeKeys([16]);
    const ms = performance.now() - t0;
    assert.equal(removed.length, 50_001);
    assert.equal(s.stats.keys, 1);
    console.log(`# removed 50,001 keys (one root) in ${ms.toFixed(1)} ms`);
    await s.close();
    const s2 = await DeviceStore.open(dir);
    assert.deepEqual(
      [...s2.keys()].map((k) => k.slot),
      [1_000_000],
    );
    await s2.close();
  });

  void test('bad arguments reject without harming the store; a closed store refuses', async () => {
    const s = await DeviceStore.open(await tmp());
    await assert.rejects(s.putKey(key(2 ** 31)), RangeError);
    await assert.rejects(s.putKey(key(16, { parent: 16 })), RangeError);
    await assert.rejects(s.putKey(key(16, { type: 256 })), RangeError);
    await assert.rejects(s.putSetting('', new Uint8Array(1)), TypeError);
    await s.putKey(key(16));
    await s.close();
    await rejectsWith(s.putKey(key(17)), 'ERR_STORAGE_CLOSED');
    assert.equal(new StoreError('ERR_STORAGE_VERSION', 'x').status, 'ERR_STORAGE_CORRUPTED');
    assert.equal(new StoreError('ERR_STORAGE_LOCKED', 'x').status, 'ERR_STORAGE_IO');
  });

  void test('files are owner-only: directory 0700, files 0600', async () => {
    const dir = await tmp();
    const s = await DeviceStore.open(dir);
    await s.putKey(key(16));
    await s.compact();
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    for (const f of ['journal.bin', 'snapshot.bin', 'lock']) {
      assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
    }
    await s.close();
  });
});

void describe('DeviceStore lock', () => {
  void test('a second open of the same directory fails while the first is open', async () => {
    const dir = await tmp();
    const s = await DeviceStore.open(dir);
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_LOCKED', /in use by process \d+/);
    await s.close();
    const again = await DeviceStore.open(dir);
    await again.close();
  });

  void test('a lock left by a dead process is taken over', async () => {
    const dir = await tmp();
    await (await DeviceStore.open(dir)).close();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid ?? 0;
    assert.ok(dead > 0);
    await writeFile(join(dir, 'lock'), `${dead}\n`);
    await writeFile(join(dir, `lock.${dead}.tmp`), `${dead}\n`);
    const s = await DeviceStore.open(dir);
    assert.equal(await readFile(join(dir, 'lock'), 'utf8'), `${process.pid}\n`);
    assert.equal(existsSync(join(dir, `lock.${dead}.tmp`)), false);
    await s.close();
    assert.equal(existsSync(join(dir, 'lock')), false);
  });
});

/** A store directory with 40 keys in the journal (no snapshot); returns its journal path. */
async function journalOnly(): Promise<{ dir: string; journal: string; size: number }> {
  const dir = await tmp();
  const s = await DeviceStore.open(dir);
  for (let i = 0; i < 40; i++) await s.putKey(key(16 + i));
  await s.close();
  const journal = join(dir, 'journal.bin');
  return { dir, journal, size: (await stat(journal)).size };
}

async function flip(file: string, offset: number): Promise<void> {
  const b = await readFile(file);
  b[offset] = (b[offset] ?? 0) ^ 0x10;
  await writeFile(file, b);
}

const RECORD = 12 + 9 + 4 + 1 + 1 + 2 + 32 + 2 + 64; // one putKey record of key()

void describe('DeviceStore corruption and torn tails', () => {
  void test('a flipped byte inside the journal fails open, naming file and offset', async () => {
    const { dir, journal } = await journalOnly();
    for (const at of [24 + RECORD * 10 + 40, 24 + RECORD * 5 + 1, 24 + RECORD * 39 + 5]) {
      await flip(journal, at);
      await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /journal\.bin.*offset \d+/);
      await flip(journal, at);
    }
    await (await DeviceStore.open(dir)).close();
  });

  void test('a record cut short at the tail is dropped, and only that record', async () => {
    const { dir, journal, size } = await journalOnly();
    await truncate(journal, size - 50);
    const s = await DeviceStore.open(dir);
    assert.equal(s.stats.keys, 39);
    assert.equal(s.stats.tornBytesDropped, RECORD - 50);
    assert.equal(s.getKey(16 + 38)?.publicKey.length, 64);
    await s.putKey(key(16 + 39));
    await s.close();
    const s2 = await DeviceStore.open(dir);
    assert.equal(s2.stats.keys, 40);
    assert.equal(s2.stats.tornBytesDropped, 0);
    await s2.close();
  });

  void test('tails of under one header, and a bad CRC ending exactly at EOF, are torn tails', async () => {
    const { dir, journal, size } = await journalOnly();
    await writeFile(journal, new Uint8Array(7), { flag: 'a' });
    let s = await DeviceStore.open(dir);
    assert.equal(s.stats.keys, 40);
    await s.close();
    await flip(journal, size - 3);
    s = await DeviceStore.open(dir);
    assert.equal(s.stats.keys, 39);
    await s.close();
  });

  void test('a bad record followed by more data, or a sequence gap, is corruption', async () => {
    const { dir, journal, size } = await journalOnly();
    await flip(journal, size - RECORD - 3);
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /more records follow/);
    await flip(journal, size - RECORD - 3);
    const b = await readFile(journal);
    await writeFile(
      journal,
      Buffer.concat([b.subarray(0, 24 + RECORD), b.subarray(24 + 2 * RECORD)]),
    );
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /sequence 3, expected 2/);
  });

  void test('snapshot damage and garbage files fail open; unknown versions too', async () => {
    const { dir, journal } = await journalOnly();
    const s = await DeviceStore.open(dir);
    await s.compact();
    await s.close();
    const snap = join(dir, 'snapshot.bin');
    const good = await readFile(snap);
    for (const at of [2, 10, 30, good.length >> 1, good.length - 1]) {
      await flip(snap, at);
      await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /snapshot\.bin/);
      await writeFile(snap, good);
    }
    await writeFile(snap, 'this is not a snapshot at all, just text');
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /bad magic/);
    await writeFile(snap, good);
    await writeFile(journal, 'garbage');
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /too short/);
    const future = Buffer.from(good.subarray(0, 24));
    future.writeUInt16LE(2, 4);
    future.writeUInt32LE(crc32c(future.subarray(0, 20)), 20);
    await writeFile(journal, future);
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /bad magic/);
    future.write('ZKSJ', 0, 'latin1');
    future.writeUInt32LE(crc32c(future.subarray(0, 20)), 20);
    await writeFile(journal, future);
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_VERSION', /version 2/);
  });
});

void describe('DeviceStore compaction crash windows', () => {
  void test('new snapshot + old journal: nothing lost, nothing applied twice', async () => {
    const dir = await tmp();
    const s = await DeviceStore.open(dir);
    await populate(s);
    await s.close();
    const journal = join(dir, 'journal.bin');
    await copyFile(journal, `${dir}/../old-journal`);
    const s1 = await DeviceStore.open(dir);
    const want = dump(s1);
    await s1.compact();
    await s1.close();
    await copyFile(`${dir}/../old-journal`, journal); // crash before the journal reset
    await writeFile(join(dir, 'snapshot.bin.tmp'), 'half-written');
    await writeFile(join(dir, 'journal.bin.tmp'), 'half-written');
    const s2 = await DeviceStore.open(dir);
    assert.deepEqual(dump(s2), want);
    assert.equal(s2.stats.lastSeq, 20);
    assert.equal(s2.stats.records, 0);
    assert.equal(existsSync(join(dir, 'snapshot.bin.tmp')), false);
    await s2.putSetting('next', bytes(2, 2));
    await s2.close();
    const s3 = await DeviceStore.open(dir);
    assert.equal(s3.stats.lastSeq, 21);
    assert.equal(s3.stats.records, 1);
    await s3.close();
  });

  void test('a missing journal next to a snapshot is fine; a missing snapshot is not', async () => {
    const dir = await tmp();
    const s = await DeviceStore.open(dir);
    await populate(s);
    const want = dump(s);
    await s.compact();
    await s.close();
    await rm(join(dir, 'journal.bin'));
    const s2 = await DeviceStore.open(dir);
    assert.deepEqual(dump(s2), want);
    await s2.close();
    await copyFile(join(dir, 'snapshot.bin'), `${dir}/../old-snapshot`);
    const s3 = await DeviceStore.open(dir);
    await s3.putKey(key(300));
    await s3.compact();
    await s3.close();
    await rm(join(dir, 'snapshot.bin'));
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /snapshot\.bin is missing/);
    await copyFile(`${dir}/../old-snapshot`, join(dir, 'snapshot.bin'));
    await rejectsWith(DeviceStore.open(dir), 'ERR_STORAGE_CORRUPTED', /records missing/);
  });
});

void test(
  'SIGKILL crash test: no acknowledged key is lost, the state always loads',
  { timeout: 300_000 },
  async () => {
    const kills = Number(process.env['ZKBRIDGE_STORE_KILLS'] ?? 200);
    const runner = await childRunner();
    if (runner.temp !== undefined) dirs.push(runner.temp);
    const started = performance.now();
    // Two lanes (own state directories) at once: most of a round is process start-up.
    const lanes = await Promise.all([
      crashLane(runner, await tmp(), Math.ceil(kills / 2)),
      crashLane(runner, await tmp(), Math.floor(kills / 2)),
    ]);
    const sum = (k: keyof LaneResult): number => lanes.reduce((a, l) => a + l[k], 0);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `# crash test (writer run from ${runner.how} JS): ${kills} SIGKILLs in ${seconds.toFixed(1)} s; ` +
        `${sum('ackedPuts')} acked puts and ${sum('ackedRemoves')} acked removes, ` +
        `${sum('verified')} acked-key checks passed, ${sum('unackedSeen')} unacked puts found ` +
        `durable, ${sum('torn')} torn tails dropped, ${sum('inCompaction')} kills mid-compaction, ` +
        `${sum('keysAtEnd')} keys at the end`,
    );
    assert.ok(sum('ackedPuts') > kills, 'the writer acknowledged too few keys to mean anything');
  },
);
