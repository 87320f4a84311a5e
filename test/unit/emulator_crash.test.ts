/**
 * The emulator's crash test: `zkbridge emulator run` is killed with SIGKILL 200+ times at random
 * moments while clients generate keys (P-256, secp256k1, Ed25519), remove acknowledged ones and
 * store and remove foreign public keys, all on one state directory. After every kill the next
 * start must succeed (the state always loads, the dead owner's lock is taken over), every
 * acknowledged key must be there with the same public key, every acknowledged removal must have
 * stuck, and whatever else is there must be explained by a request that was in flight at the
 * kill. Some kills also land while the emulator starts (provisioning a new device, loading the
 * state, taking over the dead owner's lock).
 *
 * Starting 200+ emulators quickly: each is pre-started (fixtures/emulator_child.mjs) so that Node
 * and the modules load while the previous one still runs; most run the CLI's `emulator`
 * subcommand directly, one in BIN_EVERY (and the first) the whole CLI entry. Three in four get a
 * small store compaction threshold, so that kills also land inside compactions.
 *
 * Cost control: a round lists all slots but reads back only the public keys acknowledged since
 * the previous check, those touched by requests in flight at the kill, and a random sample of
 * older keys and factory keys; the end checks everything, through the emulator and by opening
 * the store directly. `ZKBRIDGE_EMULATOR_KILLS` changes the number of kills (default 200).
 */
import * as assert from 'node:assert/strict';
import { createECDH, generateKeyPairSync, randomInt } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DeviceStore } from '../../src/emulator/store/index.ts';
import { Device } from '../../src/provider/device.ts';
import { DeviceError } from '../../src/provider/errors.ts';
import type { KeyTypeInput } from '../../src/provider/key_types.ts';
import { EmulatorProcess, launcher, type Launcher } from './fixtures/emulator_crash.runner.ts';

const KILLS = Number(process.env['ZKBRIDGE_EMULATOR_KILLS'] ?? 200);
/** A kill lands 0..MAX_DELAY_MS after the round's generations are under way... */
const MAX_DELAY_MS = 70;
/** ...or, every EARLY_KILL_EVERY rounds, after the stream starts. */
const EARLY_KILL_EVERY = 8;
/** Emulators pre-started ahead. */
const WARM_AHEAD = 2;
/** One start in BIN_EVERY goes through the CLI entry, the others straight to `emulator run`. */
const BIN_EVERY = 20;
/** Every STARTUP_KILL_EVERY rounds, one extra kill 0..STARTUP_KILL_MS after a start begins. */
const STARTUP_KILL_EVERY = 20;
const STARTUP_KILL_MS = 40;
/** Concurrent callers, each with one operation in flight. */
const CALLERS = 8;
/** Above this many generated keys, removals become frequent. */
const LIVE_TARGET = 400;
/** Foreign keys kept at most (the HSM6 has 128 foreign slots). */
const FOREIGN_TARGET = 48;
/** Older keys, and factory keys, whose public keys a round reads back. */
const SAMPLE = 16;
const FACTORY_SAMPLE = 2;
const FACTORY_SLOTS = 16;
const GENERATED_FIRST = 16;
const KEY_SLOTS = 100_000;

/**
 * Key types generated in a round, by round number. After a start, the emulator's first
 * generation of each type waits for its lazy curve set-up (80-100 ms of CPU each, with every
 * change queued behind it), so a round generates one or two types: Ed25519 (32-byte public
 * keys) mixed with P-256 or secp256k1 (64 bytes), or one of them alone.
 */
const CURVE_MIXES: readonly (readonly KeyTypeInput[])[] = [
  ['nistp256', 'ed25519'],
  ['secp256k1'],
  ['ed25519'],
  ['nistp256'],
  ['secp256k1', 'ed25519'],
  ['ed25519'],
];

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `p`, or `ms` at most. */
async function upTo(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function lost(e: unknown): boolean {
  return (
    e instanceof DeviceError &&
    (e.code === 'ERR_DEVICE_DISCONNECTED' || e.code === 'ERR_DEVICE_CLOSED')
  );
}

/** A fresh valid public key for STORE_FOREIGN_PUBKEY. */
function foreignPublicKey(): { type: KeyTypeInput; publicKey: Uint8Array } {
  const pick = randomInt(3);
  if (pick === 2) {
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    return { type: 'ed25519', publicKey: Buffer.from(jwk.x ?? '', 'base64url') };
  }
  const ecdh = createECDH(pick === 0 ? 'prime256v1' : 'secp256k1');
  return {
    type: pick === 0 ? 'nistp256' : 'secp256k1',
    publicKey: ecdh.generateKeys().subarray(1), // X||Y
  };
}

/** Takes a random element out of `list` (order is not kept). */
function takeRandom(list: number[]): number | undefined {
  if (list.length === 0) return undefined;
  const i = randomInt(list.length);
  const v = list[i];
  list[i] = list[list.length - 1] ?? 0;
  list.pop();
  return v;
}

/** Totals over the whole test. */
interface Tally {
  kills: number;
  startupKills: number;
  ackedGens: number;
  ackedRemoves: number;
  ackedForeign: number;
  ackedForeignRemoves: number;
  unackedGensDurable: number;
  unackedRemovesDurable: number;
  unackedForeignDurable: number;
  unackedForeignRemovesDurable: number;
  inFlightAtKill: number;
  keyChecks: number;
  tornTails: number;
  midCompaction: number;
  compactions: number;
}

/**
 * What the device must hold: every acknowledged (or, after a restart, observed) key, and what
 * was in flight when the emulator was killed.
 */
class Model {
  /** Generated slot -> public key hex (undefined: acknowledged, public key not read yet). */
  readonly keys = new Map<number, string | undefined>();
  /** Generated slots with a known key and no removal in flight (candidates for removal). */
  readonly removable: number[] = [];
  /** Public keys of removed keys: none may come back. */
  readonly removedPubs = new Set<string>();
  readonly factory = new Map<number, string>();
  readonly foreign = new Map<number, string>();
  readonly foreignRemovable: number[] = [];
  readonly foreignRemovedPubs = new Set<string>();
  /** Acknowledged since the last check. */
  readonly fresh = new Set<number>();
  // In flight since the last start:
  pendingGens = 0;
  readonly pendingRemoves = new Map<number, string>();
  readonly pendingForeign = new Set<string>();
  readonly pendingForeignRemoves = new Map<number, string>();
  /** Errors other than the connection being lost: failures of the test. */
  readonly failures: unknown[] = [];
  /** Called on every acknowledged change (with the key type of a generation). */
  onAck: (curve?: KeyTypeInput) => void = () => undefined;
  /** Key types generated now. */
  curves: readonly KeyTypeInput[] = ['nistp256'];
  /** While a check runs, callers only generate. */
  checking = false;

  constructor(readonly tally: Tally) {}

  inFlight(): number {
    return (
      this.pendingGens +
      this.pendingRemoves.size +
      this.pendingForeign.size +
      this.pendingForeignRemoves.size
    );
  }

  async generate(dev: Device): Promise<void> {
    const curve = this.curves[randomInt(this.curves.length)] ?? 'nistp256';
    this.pendingGens++;
    const slot = await dev.genKeyPair(curve);
    this.pendingGens--;
    this.tally.ackedGens++;
    this.onAck(curve);
    const held = this.keys.get(slot);
    if (this.keys.has(slot)) {
      // Only possible when this slot's removal finished and its answer is still on its way.
      assert.ok(
        this.pendingRemoves.has(slot),
        `GEN_KEY_PAIR returned slot ${slot}, which holds an acknowledged key`,
      );
      if (held !== undefined) this.removedPubs.add(held);
    }
    this.keys.set(slot, undefined);
    this.fresh.add(slot);
    const pub = hex(await dev.exportPubKey(slot));
    assert.ok(!this.removedPubs.has(pub), `slot ${slot}: a new key equals a removed one`);
    if (this.keys.get(slot) === undefined && this.keys.has(slot)) {
      this.keys.set(slot, pub);
      this.removable.push(slot);
    }
  }

  async remove(dev: Device): Promise<void> {
    const slot = takeRandom(this.removable);
    if (slot === undefined) return this.generate(dev);
    const pub = this.keys.get(slot);
    assert.ok(pub !== undefined);
    this.pendingRemoves.set(slot, pub);
    const removed = await dev.removeKey(slot);
    this.pendingRemoves.delete(slot);
    this.onAck();
    assert.deepEqual(removed, [slot], `REMOVE_KEY ${slot}`);
    this.tally.ackedRemoves++;
    this.removedPubs.add(pub);
    if (this.keys.get(slot) === pub) this.keys.delete(slot);
    this.fresh.delete(slot);
  }

  async storeForeign(dev: Device): Promise<void> {
    const { type, publicKey } = foreignPublicKey();
    const pub = hex(publicKey);
    this.pendingForeign.add(pub);
    const slot = await dev.storeForeignPubKey(type, publicKey);
    this.pendingForeign.delete(pub);
    this.onAck();
    this.tally.ackedForeign++;
    const held = this.foreign.get(slot);
    if (held !== undefined) {
      assert.ok(
        this.pendingForeignRemoves.has(slot),
        `STORE_FOREIGN_PUBKEY returned foreign slot ${slot}, which holds an acknowledged key`,
      );
      this.foreignRemovedPubs.add(held);
    }
    this.foreign.set(slot, pub);
    this.foreignRemovable.push(slot);
  }

  async removeForeign(dev: Device): Promise<void> {
    const slot = takeRandom(this.foreignRemovable);
    if (slot === undefined) return this.storeForeign(dev);
    const pub = this.foreign.get(slot);
    assert.ok(pub !== undefined);
    this.pendingForeignRemoves.set(slot, pub);
    const removed = await dev.removeKey(slot, true);
    this.pendingForeignRemoves.delete(slot);
    this.onAck();
    assert.deepEqual(removed, [slot], `REMOVE_KEY foreign ${slot}`);
    this.tally.ackedForeignRemoves++;
    this.foreignRemovedPubs.add(pub);
    if (this.foreign.get(slot) === pub) this.foreign.delete(slot);
  }

  /** One caller: random operations until the connection is lost. */
  async caller(dev: Device): Promise<void> {
    for (;;) {
      const r = Math.random();
      const foreignCount = this.foreign.size + this.pendingForeign.size;
      try {
        if (this.checking) await this.generate(dev);
        else if (r < 0.04 && foreignCount < FOREIGN_TARGET) await this.storeForeign(dev);
        else if (r < 0.07) await this.removeForeign(dev);
        else if (r < (this.keys.size > LIVE_TARGET ? 0.85 : 0.15)) await this.remove(dev);
        else await this.generate(dev);
      } catch (e) {
        if (!lost(e)) this.failures.push(e);
        return;
      }
    }
  }

  /**
   * Checks a freshly started emulator against the model (every public key when `full`), and
   * makes the model what the device holds: requests in flight at the kill are settled either
   * way. Once the slot list is read, `listed` is called (to start the next stream: while the
   * check runs, callers only generate, which takes slots that were free, leaving the slots being
   * checked alone).
   */
  async check(
    dev: Device,
    full: boolean,
    where: string,
    listed = (): void => undefined,
  ): Promise<void> {
    const t = this.tally;
    const { slots, maxNumKeys } = await dev.getAllocSlotsList();
    assert.equal(maxNumKeys, FACTORY_SLOTS + KEY_SLOTS, `${where}: capacity`);
    const present = new Set(slots);
    assert.equal(present.size, slots.length, `${where}: GET_ALLOC_SLOTS lists a slot twice`);
    for (const s of slots) {
      assert.ok(
        (s >= 0 && s < FACTORY_SLOTS) || (s >= GENERATED_FIRST && s < GENERATED_FIRST + KEY_SLOTS),
        `${where}: slot ${s} is out of range`,
      );
    }
    // What was in flight at the kill; from now on, requests belong to the new emulator.
    const pendingGens = this.pendingGens;
    const pendingRemoves = new Map(this.pendingRemoves);
    this.pendingGens = 0;
    this.pendingRemoves.clear();

    // Which public keys to read back.
    const read = new Set<number>();
    for (let s = 0; s < FACTORY_SLOTS; s++) {
      assert.ok(present.has(s), `${where}: factory slot ${s} is missing`);
      if (full || this.factory.size === 0) read.add(s);
    }
    for (let i = 0; i < FACTORY_SAMPLE; i++) read.add(randomInt(FACTORY_SLOTS));
    for (const [slot, pub] of this.keys) {
      if (!present.has(slot)) {
        const removing = pendingRemoves.get(slot);
        assert.ok(
          removing !== undefined && removing === pub,
          `${where}: acknowledged key in slot ${slot} is missing after the restart`,
        );
        this.keys.delete(slot); // the removal in flight was carried out
        this.removedPubs.add(removing);
        t.unackedRemovesDurable++;
        continue;
      }
      if (full || pub === undefined || this.fresh.has(slot) || pendingRemoves.has(slot)) {
        read.add(slot);
      }
    }
    for (let i = 0; i < SAMPLE && this.removable.length > 0; i++) {
      read.add(this.removable[randomInt(this.removable.length)] ?? 0);
    }
    const unknown = slots.filter((s) => s >= GENERATED_FIRST && !this.keys.has(s));
    for (const s of unknown) read.add(s);
    const checked = [...this.keys.keys(), ...unknown];
    this.fresh.clear();
    this.removable.length = 0; // nothing is removed while checking
    this.checking = true;
    listed();

    const order = [...read];
    const [pubs] = await Promise.all([
      Promise.all(order.map(async (s) => hex(await dev.exportPubKey(s)))),
      this.#checkForeign(dev, where),
    ]);
    t.keyChecks += order.length;
    let newKeys = 0;
    for (const [i, slot] of order.entries()) {
      const got = pubs[i] ?? '';
      if (slot < FACTORY_SLOTS) {
        const was = this.factory.get(slot);
        if (was === undefined) this.factory.set(slot, got);
        else assert.equal(got, was, `${where}: factory key ${slot} changed`);
        continue;
      }
      assert.ok(!this.removedPubs.has(got), `${where}: removed key came back in slot ${slot}`);
      if (!this.keys.has(slot)) {
        newKeys++; // generated by a request in flight at the kill
        this.keys.set(slot, got);
        continue;
      }
      const want = this.keys.get(slot);
      if (want === undefined) {
        this.keys.set(slot, got); // acknowledged, public key first seen now
      } else if (want !== got) {
        assert.ok(
          pendingRemoves.get(slot) === want,
          `${where}: acknowledged key in slot ${slot} changed (public key ${want} -> ${got})`,
        );
        // The removal in flight was carried out and a generation in flight reused the slot.
        this.removedPubs.add(want);
        t.unackedRemovesDurable++;
        newKeys++;
        this.keys.set(slot, got);
      }
    }
    assert.ok(
      newKeys <= pendingGens,
      `${where}: ${newKeys} unknown keys appeared, but only ${pendingGens} generations were in flight`,
    );
    t.unackedGensDurable += newKeys;
    // Every checked key's public key is known now: all may be removed again. (Keys generated
    // during the check add themselves.)
    this.removable.push(...checked);
    this.checking = false;
  }

  /** Foreign keys are few: all are read back every time. */
  async #checkForeign(dev: Device, where: string): Promise<void> {
    const t = this.tally;
    const pendingForeign = new Set(this.pendingForeign);
    const pendingForeignRemoves = new Map(this.pendingForeignRemoves);
    this.pendingForeign.clear();
    this.pendingForeignRemoves.clear();
    const { slots, maxNumKeys } = await dev.getAllocSlotsList(true);
    assert.equal(maxNumKeys, 128, `${where}: foreign capacity`);
    const pubs = await Promise.all(slots.map(async (s) => hex(await dev.exportPubKey(s, true))));
    t.keyChecks += slots.length;
    const now = new Map(slots.map((s, i) => [s, pubs[i] ?? '']));
    for (const [slot, pub] of this.foreign) {
      const got = now.get(slot);
      if (got === pub) continue;
      const removing = pendingForeignRemoves.get(slot);
      assert.ok(
        removing === pub,
        got === undefined
          ? `${where}: acknowledged foreign key ${slot} is missing after the restart`
          : `${where}: acknowledged foreign key ${slot} changed`,
      );
      t.unackedForeignRemovesDurable++;
      this.foreignRemovedPubs.add(pub);
      this.foreign.delete(slot);
    }
    for (const [slot, got] of now) {
      assert.ok(!this.foreignRemovedPubs.has(got), `${where}: removed foreign key came back`);
      if (this.foreign.get(slot) === got) continue;
      assert.ok(
        pendingForeign.delete(got),
        `${where}: foreign slot ${slot} holds a key nobody stored`,
      );
      t.unackedForeignDurable++;
      this.foreign.set(slot, got);
    }
    this.foreignRemovable.length = 0;
    this.foreignRemovable.push(...this.foreign.keys());
  }
}

/** Sequence in a data file's header (0 when the file is missing). */
async function headerSeq(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(24);
    await fh.read(b, 0, 24, 0);
    return Number(b.readBigUInt64LE(8));
  } finally {
    await fh.close();
  }
}

/** What a kill left on disk. */
async function diskPicture(
  dir: string,
): Promise<{ journal: number; snapSeq: number; mid: boolean }> {
  const journal = existsSync(join(dir, 'journal.bin'))
    ? (await stat(join(dir, 'journal.bin'))).size
    : 0;
  const snapSeq = await headerSeq(join(dir, 'snapshot.bin'));
  const tmp = readdirSync(dir).some((f) => f.endsWith('.tmp') && !f.startsWith('lock'));
  const mid = tmp || snapSeq !== (await headerSeq(join(dir, 'journal.bin')));
  return { journal, snapSeq, mid };
}

async function connect(socket: string): Promise<Device> {
  return Device.connect({ address: `unix:${socket}`, timeoutMs: 20_000, clientName: 'crash-test' });
}

void test(
  'emulator SIGKILL crash test: no acknowledged key is lost, the state always loads',
  { timeout: 600_000 },
  async () => {
    const started = performance.now();
    const run: Launcher = await launcher();
    if (run.temp !== undefined) {
      const temp = run.temp;
      cleanups.push(() => rm(temp, { recursive: true, force: true }));
    }
    const base = await mkdtemp(join(tmpdir(), 'zkb-crash-'));
    cleanups.push(() => rm(base, { recursive: true, force: true }));
    const state = join(base, 'state');
    const socket = join(base, 'd.sock');
    const args = [
      'emulator',
      'run',
      '--model',
      'hsm6',
      '--key-slots',
      String(KEY_SLOTS),
      '--state',
      state,
      '--socket',
      socket,
    ];
    const procs = new Set<EmulatorProcess>();
    cleanups.push(async () => {
      for (const p of procs) await p.kill();
    });
    // Three of four emulators compact often (so that kills land inside compactions too), the
    // fourth keeps the store's defaults. One in BIN_EVERY runs through the whole CLI entry, the
    // others through its `emulator` subcommand only (see emulator_child.mjs: loading the CLI's
    // other subcommands is most of a start's cost).
    let spawned = 0;
    const spawnWarm = (): EmulatorProcess => {
      const compactEvery = randomInt(4) === 0 ? undefined : 16 + randomInt(112);
      const entry = spawned++ % BIN_EVERY === 0 ? 'bin' : 'command';
      const p = EmulatorProcess.warm(run, args, { entry, compactEvery });
      procs.add(p);
      void p.exited.then(() => procs.delete(p));
      return p;
    };

    const t: Tally = {
      kills: 0,
      startupKills: 0,
      ackedGens: 0,
      ackedRemoves: 0,
      ackedForeign: 0,
      ackedForeignRemoves: 0,
      unackedGensDurable: 0,
      unackedRemovesDurable: 0,
      unackedForeignDurable: 0,
      unackedForeignRemovesDurable: 0,
      inFlightAtKill: 0,
      keyChecks: 0,
      tornTails: 0,
      midCompaction: 0,
      compactions: 0,
    };
    const model = new Model(t);

    // The very first start provisions the device (factory keys, serial number, secrets, each a
    // durable write): killed in the middle of that, the next start must finish the job.
    const first = EmulatorProcess.warm(run, args, { entry: 'command' });
    procs.add(first);
    await first.go();
    await sleep(Math.random() * 60);
    await first.kill();
    t.startupKills++;

    // Then the plain command line; later starts are pre-started (see the runner), WARM_AHEAD at
    // a time, loading while the emulator before them runs.
    let current = EmulatorProcess.plain(run, args);
    procs.add(current);
    await current.start();
    const warm = Array.from({ length: WARM_AHEAD }, spawnWarm);
    const takeWarm = (): EmulatorProcess => {
      warm.push(spawnWarm());
      return warm.shift() ?? spawnWarm();
    };
    let snapSeq = 0;
    for (let round = 0; round < KILLS; round++) {
      const where = `round ${round}`;
      const dev = await connect(socket);

      // The stream starts as soon as the check has the slot lists. The SIGKILL comes at a
      // random moment after the check, counted from when every key type of the round has had a
      // generation acknowledged (see CURVE_MIXES), or, every EARLY_KILL_EVERY-th round, from the
      // start of the stream.
      const mix = CURVE_MIXES[round % CURVE_MIXES.length] ?? ['nistp256'];
      model.curves = mix;
      const waiting = new Set(mix);
      const warmed = new Promise<void>((resolve) => {
        model.onAck = (curve) => {
          if (curve !== undefined) waiting.delete(curve);
          if (waiting.size === 0) resolve();
        };
      });
      const delay = Math.random() * MAX_DELAY_MS;
      let streamStart = 0;
      let callers: Promise<void>[] = [];
      await model.check(dev, false, where, () => {
        streamStart = performance.now();
        callers = Array.from({ length: CALLERS }, () => model.caller(dev));
      });
      if (round % EARLY_KILL_EVERY === 0) {
        await sleep(streamStart + delay - performance.now());
      } else {
        await upTo(warmed, 5000);
        await sleep(delay);
      }
      const exit = await current.kill();
      assert.equal(
        exit.signal,
        'SIGKILL',
        `${where}: the emulator ended by itself: ${current.stderr}`,
      );
      t.kills++;
      await Promise.all(callers);
      await dev.close();
      if (model.failures.length > 0) throw model.failures[0];
      t.inFlightAtKill += model.inFlight();

      const disk = await diskPicture(state);
      if (disk.mid) t.midCompaction++;
      if (disk.snapSeq !== snapSeq) t.compactions++;
      snapSeq = disk.snapSeq;

      if (round % STARTUP_KILL_EVERY === STARTUP_KILL_EVERY - 1) {
        // A kill while the emulator starts: loading, taking over the lock, dropping a torn tail.
        const doomed = takeWarm();
        await doomed.go();
        await sleep(Math.random() * STARTUP_KILL_MS);
        await doomed.kill();
        t.startupKills++;
      }

      current = takeWarm();
      await current.start().catch((e: unknown) => {
        throw new Error(`${where}: the emulator did not start after the kill: ${String(e)}`);
      });
      const loaded = await diskPicture(state);
      if (!disk.mid && loaded.journal < disk.journal) t.tornTails++;
    }

    // The last state, in full: through the emulator, then a clean stop, then the store itself.
    const dev = await connect(socket);
    await model.check(dev, true, 'final check');
    assert.equal(model.inFlight(), 0);
    await dev.close();
    const stop = await current.stop();
    assert.equal(stop.code, 0, `the emulator did not stop cleanly: ${current.stderr}`);
    for (const p of warm) await p.kill();
    assert.equal(existsSync(join(state, 'lock')), false, 'a clean stop leaves no lock');
    const store = await DeviceStore.open(state);
    try {
      const onDisk = new Map<number, string>();
      for (const k of store.keys()) {
        if (k.slot >= GENERATED_FIRST) onDisk.set(k.slot, hex(k.publicKey));
      }
      assert.deepEqual(onDisk, model.keys, 'the store holds exactly the keys the model has');
      const foreign = new Map([...store.foreignKeys()].map((k) => [k.slot, hex(k.publicKey)]));
      assert.deepEqual(foreign, model.foreign, 'the store holds exactly the foreign keys');
    } finally {
      await store.close();
    }

    const seconds = (performance.now() - started) / 1000;
    console.log(
      `# emulator crash test (zkbridge run from ${run.how}): ${t.kills} SIGKILLs during requests ` +
        `+ ${t.startupKills} during start-up in ${seconds.toFixed(1)} s; acked: ${t.ackedGens} ` +
        `generations, ${t.ackedRemoves} removals, ${t.ackedForeign} foreign stores, ` +
        `${t.ackedForeignRemoves} foreign removals; ${t.inFlightAtKill} requests in flight at ` +
        `kills, of which found durable: ${t.unackedGensDurable} generations, ` +
        `${t.unackedRemovesDurable} removals, ${t.unackedForeignDurable} foreign stores, ` +
        `${t.unackedForeignRemovesDurable} foreign removals; ${t.keyChecks} public keys ` +
        `compared; ${t.tornTails} torn tails dropped, ${t.compactions} rounds compacted, ` +
        `${t.midCompaction} kills mid-compaction; ${model.keys.size} keys at the end`,
    );
    assert.ok(t.ackedGens > KILLS, 'too few keys were acknowledged for the test to mean anything');
  },
);
