/**
 * `npm run bench -- store [--json]`: the emulator's durable state store (src/emulator/store).
 *
 * - Load: open() of a state directory holding 100,000 generated keys, once compacted into a
 *   snapshot (the normal case) and once as 100,000 journal records (worst case before compaction).
 * - Puts: acknowledged (fdatasync'ed) key generations per second on that state, with 1 caller
 *   and with 64 concurrent callers (group commit), next to the raw write + fdatasync rate.
 * - Removing a wallet-like tree of 50,000 keys through its root.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DeviceStore, type KeyRecord } from '../src/emulator/store/index.ts';
import { Report } from './harness.ts';

const report = new Report();
const KEYS = 100_000;
const base = await mkdtemp(join(tmpdir(), 'zkb-bench-store-'));

function key(slot: number, extra: Partial<KeyRecord> = {}): KeyRecord {
  return {
    slot,
    type: 0,
    privateKey: randomBytes(32),
    publicKey: randomBytes(64),
    exportDisabled: false,
    origin: 'generated',
    ...extra,
  };
}

/** Puts keys for slots [from, to) with up to 4096 in flight (group commit). */
async function fill(store: DeviceStore, from: number, to: number): Promise<void> {
  for (let s = from; s < to; s += 4096) {
    const puts: Promise<void>[] = [];
    for (let i = s; i < Math.min(to, s + 4096); i++) puts.push(store.putKey(key(i)));
    await Promise.all(puts);
  }
}

/** open() times over `runs` runs (ms), sorted. */
async function loadTimes(dir: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const store = await DeviceStore.open(dir, { compactEvery: Number.MAX_SAFE_INTEGER });
    times.push(performance.now() - t0);
    if (store.stats.keys !== KEYS) throw new Error(`loaded ${store.stats.keys} keys`);
    await store.close();
  }
  return times.sort((a, b) => a - b);
}

/** Acknowledged puts per second with `callers` concurrent callers, over about `ms`. */
async function putRate(store: DeviceStore, callers: number, ms: number, first: number) {
  let next = first;
  let done = 0;
  const t0 = performance.now();
  const caller = async (): Promise<void> => {
    while (performance.now() - t0 < ms) {
      await store.putKey(key(next++));
      done++;
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { rate: done / ((performance.now() - t0) / 1000), next };
}

/** Raw 150-byte write + fdatasync per second, the floor under one caller's put latency. */
async function fsyncRate(ms: number): Promise<number> {
  const fh = await open(join(base, 'fsync-probe'), 'w');
  const data = new Uint8Array(150);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await fh.write(data, 0, data.length, n * data.length);
    await fh.datasync();
    n++;
  }
  await fh.close();
  return n / ((performance.now() - t0) / 1000);
}

try {
  report.line(`Building a state with ${KEYS.toLocaleString('en')} generated keys`);
  const dir = join(base, 'state');
  const journalDir = join(base, 'journal-only');
  let t0 = performance.now();
  const noCompaction = { compactEvery: Number.MAX_SAFE_INTEGER };
  let store = await DeviceStore.open(journalDir, noCompaction);
  await fill(store, 16, 16 + KEYS);
  report.set('store_fill_100k_ms', performance.now() - t0, 'put 100k keys, 4096 in flight (ms)');
  await store.close();
  store = await DeviceStore.open(dir, noCompaction);
  await fill(store, 16, 16 + KEYS);
  t0 = performance.now();
  await store.compact();
  report.set('store_compact_100k_ms', performance.now() - t0, 'compact 100k keys (ms)');
  report.set('store_snapshot_100k_mb', store.stats.snapshotBytes / 1e6, 'snapshot size (MB)');
  await store.close();

  report.line('Load (open) time, best / median of 7 runs');
  const snap = await loadTimes(dir, 7);
  report.set('store_load_100k_ms', snap[0] ?? NaN, 'snapshot: best (ms)');
  report.set('store_load_100k_median_ms', snap[3] ?? NaN, 'snapshot: median (ms)');
  const journal = await loadTimes(journalDir, 7);
  report.set('store_load_100k_journal_ms', journal[0] ?? NaN, 'journal only: best (ms)');
  report.set('store_load_100k_journal_median_ms', journal[3] ?? NaN, 'journal only: median (ms)');

  report.line('Acknowledged puts/s on the 100k state (each fdatasync-ed before it resolves)');
  report.set('store_fsync_ops', await fsyncRate(1000), 'raw write + fdatasync, one at a time');
  store = await DeviceStore.open(dir);
  let next = 16 + KEYS;
  for (const callers of [1, 64]) {
    let best = 0;
    for (let round = 0; round < 3; round++) {
      const r = await putRate(store, callers, 1000, next);
      next = r.next;
      best = Math.max(best, r.rate);
    }
    report.set(`store_put_ops_c${callers}`, best, `${callers} caller(s), best of 3 x 1 s`);
  }
  report.set('store_compactions_during_puts', store.stats.compactions, 'compactions during puts');

  report.line('Removing one key with 50,000 descendants (a wallet-like tree)');
  const root = 10_000_000;
  await store.putKey(key(root, { origin: 'wallet' }));
  const tree: Promise<void>[] = [];
  for (let i = 1; i <= 50_000; i++) {
    const parent = i <= 100 ? root : root + 1 + (i % 100);
    tree.push(store.putKey(key(root + i, { origin: 'wallet', parent })));
  }
  await Promise.all(tree);
  t0 = performance.now();
  const removed = await store.removeKeys([root]);
  if (removed.length !== 50_001) throw new Error(`removed ${removed.length}`);
  report.set('store_remove_50k_tree_ms', performance.now() - t0, 'remove root + 50k nodes (ms)');
  await store.close();
} finally {
  await rm(base, { recursive: true, force: true });
}
report.finish();
