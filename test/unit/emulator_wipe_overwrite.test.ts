/**
 * Self-destruct destroys key material on disk, not just its directory entry: compaction
 * overwrites the old journal and snapshot in place (the same inodes, read here through handles
 * opened before) before dropping them, no file of the state directory keeps a removed key, a
 * crash at any step of it leaves a store that loads and finishes the erase, and the store zeroes
 * the bytes of removed records in memory. End to end: a production HSM6 breached with a
 * SELF_DESTRUCT perimeter action leaves none of its private keys or lock secrets anywhere.
 */
import * as assert from 'node:assert/strict';
import {
  copyFile,
  link,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readdir,
  rm,
  stat,
} from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import { simulateBreach, simulateReboot } from '../../src/emulator/policy_runtime/simulation.ts';
import { DeviceServer } from '../../src/emulator/server.ts';
import {
  DeviceStore,
  type CompactionStep,
  type KeyRecord,
  type StoreOptions,
} from '../../src/emulator/store/index.ts';
import { Command, KeyType, PerimeterAction } from '../../src/protocol/constants.generated.ts';
import { RawClient, expectStatus } from './fixtures/token_device.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'zkb-wipe-'));
  dirs.push(d);
  return d;
}

/** A recognizable 32-byte secret: `SECRET-<tag>-` padded with '#'. */
function secret(tag: string | number): Uint8Array {
  return new Uint8Array(Buffer.from(`SECRET-${tag}-`.padEnd(32, '#'), 'latin1'));
}

function key(slot: number, privateKey: Uint8Array): KeyRecord {
  return {
    slot,
    type: 0,
    privateKey,
    publicKey: new Uint8Array(64).fill(slot),
    exportDisabled: false,
    origin: 'generated',
  };
}

/** Everything a handle's inode holds now. */
async function readHandle(fh: FileHandle): Promise<Buffer> {
  const { size } = await fh.stat();
  const buf = Buffer.alloc(size);
  let done = 0;
  while (done < size) {
    const { bytesRead } = await fh.read(buf, done, size - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** Paths (relative) of the files under `dir` in which any of `needles` occurs. */
async function filesHolding(dir: string, needles: readonly Uint8Array[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    if (!(await stat(join(dir, name))).isFile()) continue;
    const data = await readFile(join(dir, name));
    if (needles.some((n) => data.indexOf(n) >= 0)) out.push(name);
  }
  return out;
}

/** Handles (read-only) on the journal and snapshot as they are now, and their sizes. */
async function holdOldFiles(
  dir: string,
): Promise<{ name: string; fh: FileHandle; size: number }[]> {
  const held = [];
  for (const name of ['journal.bin', 'snapshot.bin']) {
    const fh = await open(join(dir, name), 'r');
    held.push({ name, fh, size: (await fh.stat()).size });
  }
  return held;
}

/**
 * Asserts that each held old inode is all zeros, and at least as long as when it was opened
 * (overwritten, not truncated); closes the handles.
 */
async function assertZeroed(held: { name: string; fh: FileHandle; size: number }[]): Promise<void> {
  try {
    for (const { name, fh, size } of held) {
      const data = await readHandle(fh);
      assert.ok(data.length >= size, `the old ${name} keeps its length: ${data.length} < ${size}`);
      assert.ok(
        data.every((b) => b === 0),
        `the old ${name} inode is all zeros (first non-zero at ${data.findIndex((b) => b !== 0)})`,
      );
    }
  } finally {
    for (const { fh } of held) await fh.close().catch(() => undefined);
  }
}

const KEPT = [20, 21];
const DOOMED = [16, 17, 18, 19, 22, 23];

/**
 * A store whose snapshot and journal both hold the doomed keys' secrets: keys 16-21 are
 * compacted into the snapshot, 22 and 23 are in the journal (with a setting and token verifiers
 * that are replaced or deleted later).
 */
async function preparedStore(dir: string, options: StoreOptions = {}): Promise<DeviceStore> {
  const s = await DeviceStore.open(dir, options);
  for (const slot of [16, 17, 18, 19, ...KEPT]) await s.putKey(key(slot, secret(slot)));
  await s.putSetting('lock.device_secret', secret('setting'));
  await s.compact();
  for (const slot of [22, 23]) await s.putKey(key(slot, secret(slot)));
  await s.putToken({
    initialized: true,
    label: 'x',
    soVerifier: secret('so'),
    userVerifier: secret('user'),
    soTries: 3,
    userTries: 3,
  });
  const snapshot = await readFile(join(dir, 'snapshot.bin'));
  const journal = await readFile(join(dir, 'journal.bin'));
  for (const slot of [16, 17]) assert.ok(snapshot.indexOf(secret(slot)) >= 0, 'in the snapshot');
  for (const slot of [22, 23]) assert.ok(journal.indexOf(secret(slot)) >= 0, 'in the journal');
  return s;
}

/** The secrets the wipe below destroys. */
const WIPED = [...DOOMED.map(secret), secret('setting'), secret('so'), secret('user')];

/** Removes the doomed records (what a self-destruct does), without compacting. */
async function removeDoomed(s: DeviceStore): Promise<void> {
  await s.removeKeys(DOOMED);
  await s.deleteSetting('lock.device_secret');
  const token = s.token;
  assert.ok(token);
  await s.putToken(
    {
      ...token,
      initialized: false,
      soVerifier: new Uint8Array(0),
      userVerifier: new Uint8Array(0),
    },
    true,
  );
}

/** Reopens `dir` and checks the kept keys are intact, the doomed ones gone, no file holds one. */
async function assertWipedStore(dir: string): Promise<void> {
  const s = await DeviceStore.open(dir);
  try {
    for (const slot of KEPT) {
      assert.deepEqual(s.getKey(slot)?.privateKey, secret(slot), `kept key ${slot} intact`);
    }
    for (const slot of DOOMED) assert.equal(s.getKey(slot), undefined, `key ${slot} removed`);
    assert.equal(s.getSetting('lock.device_secret'), undefined);
    assert.equal(s.token?.soVerifier.length, 0);
  } finally {
    await s.close();
  }
  assert.deepEqual(await filesHolding(dir, WIPED), [], 'no file holds a wiped secret');
  const names = await readdir(dir);
  assert.deepEqual(
    names.filter((n) => n.endsWith('.erase') || n.endsWith('.tmp')),
    [],
    'no held or temporary file is left',
  );
}

void describe('compaction erases the replaced files', () => {
  void test('the old journal and snapshot inodes are zeroed; no file keeps a removed key', async () => {
    const dir = join(await tmp(), 'state');
    const s = await preparedStore(dir);
    await removeDoomed(s);
    const before = await filesHolding(dir, WIPED);
    assert.deepEqual(before.sort(), ['journal.bin', 'snapshot.bin'], 'the test can fail');
    const held = await holdOldFiles(dir);
    await s.compact();
    await assertZeroed(held);
    assert.deepEqual(await filesHolding(dir, WIPED), []);
    assert.deepEqual(await filesHolding(dir, KEPT.map(secret)), ['snapshot.bin'], 'kept keys live');
    await s.close();
    await assertWipedStore(dir);
  });

  void test('automatic compactions erase too (a key removed long before a wipe)', async () => {
    const dir = join(await tmp(), 'state');
    const s = await DeviceStore.open(dir, { compactEvery: 8, compactRatio: 0 });
    await s.putKey(key(16, secret(16)));
    await s.removeKeys([16]);
    const journal = await open(join(dir, 'journal.bin'), 'r');
    assert.ok((await readHandle(journal)).indexOf(secret(16)) >= 0, 'the test can fail');
    for (let slot = 100; s.stats.compactions === 0; slot++) await s.putKey(key(slot, secret('x')));
    await s.putSetting('after', new Uint8Array(1)); // queued behind the compaction's last step
    await assertZeroed([{ name: 'journal.bin', fh: journal, size: (await journal.stat()).size }]);
    assert.deepEqual(await filesHolding(dir, [secret(16)]), []);
    await s.close();
  });

  void test('the store zeroes the bytes of records it drops, once the change is durable', async () => {
    const dir = join(await tmp(), 'state');
    let s = await DeviceStore.open(dir);
    await s.putKey(key(16, secret(16)));
    await s.putKey({ ...key(17, secret(17)), origin: 'wallet', extra: secret('chain') });
    await s.putKey({ ...key(18, secret(18)), origin: 'wallet', parent: 17 });
    await s.putSetting('gone', secret('setting'));
    await s.putToken({
      initialized: true,
      label: 'x',
      soVerifier: secret('so'),
      userVerifier: secret('user'),
      soTries: 3,
      userTries: 3,
    });
    await s.putObject({ handle: 1, private: true, binding: 1, slot: 16, attrs: secret('attrs') });
    await s.close();
    s = await DeviceStore.open(dir); // records decoded from the files this time
    await s.setExportDisabled(16, false); // a copy of the record sharing its bytes: not dropped
    const k16 = s.getKey(16);
    const k17 = s.getKey(17);
    const k18 = s.getKey(18);
    const setting = s.getSetting('gone');
    const token = s.token;
    const object = s.getObject(1);
    assert.ok(k16 && k17 && k18 && setting && token && object);
    assert.deepEqual(k16.privateKey, secret(16), 'DISABLE_EXPORT keeps the bytes');
    const removal = s.removeKeys([16, 17]);
    assert.deepEqual(k16.privateKey, secret(16), 'not zeroed before the removal is durable');
    await removal;
    await s.deleteSetting('gone');
    await s.putToken({ ...token, soVerifier: secret('so2'), userVerifier: new Uint8Array(0) });
    for (const b of [k16.privateKey, k17.privateKey, k17.extra, k18.privateKey, setting]) {
      assert.ok(
        b?.every((x) => x === 0),
        'zeroed',
      );
    }
    assert.ok(token.soVerifier.every((x) => x === 0) && token.userVerifier.every((x) => x === 0));
    assert.ok(
      object.attrs.every((x) => x === 0),
      'the object bound to slot 16 went with it',
    );
    assert.deepEqual(s.token?.soVerifier, secret('so2'), 'the new token is intact');
    await s.putKey(key(16, secret('16b')));
    await s.close();
    s = await DeviceStore.open(dir);
    assert.deepEqual(s.getKey(16)?.privateKey, secret('16b'));
    assert.deepEqual(s.token?.soVerifier, secret('so2'));
    await s.close();
  });
});

/**
 * Copies a state directory as a crash would leave it on disk, hard links included (a held
 * `.erase` name and the live file it still is stay one inode); the lock file is left out.
 */
async function crashImage(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const copied = new Map<string, string>();
  for (const name of (await readdir(from)).sort()) {
    if (name === 'lock' || name.startsWith('lock.')) continue;
    const st = await stat(join(from, name));
    const id = `${st.dev}:${st.ino}`;
    const first = copied.get(id);
    if (first === undefined) {
      await copyFile(join(from, name), join(to, name));
      copied.set(id, name);
    } else {
      await link(join(to, first), join(to, name));
    }
  }
}

const STEPS: CompactionStep[] = ['held', 'snapshot', 'journal', 'overwritten'];

void describe('a crash during the erasing compaction', () => {
  for (const step of STEPS) {
    void test(`after step "${step}": the disk image loads, keeps its keys and is erased at open`, async () => {
      const base = await tmp();
      const dir = join(base, 'state');
      const image = join(base, 'crash');
      let armed = false;
      let seen = false;
      const s = await preparedStore(dir, {
        onCompactionStep: async (at) => {
          if (!armed || at !== step) return;
          seen = true;
          await crashImage(dir, image);
        },
      });
      await removeDoomed(s);
      armed = true;
      await s.compact();
      assert.ok(seen, `the compaction reached step ${step}`);
      await s.close();
      await assertWipedStore(dir);
      await assertWipedStore(image);
    });

    void test(`an exception at step "${step}": close, reopen, the erase is finished`, async () => {
      const dir = join(await tmp(), 'state');
      let armed = false;
      const s = await preparedStore(dir, {
        onCompactionStep: (at) => {
          if (armed && at === step) throw new Error(`injected failure at ${at}`);
        },
      });
      await removeDoomed(s);
      const held = await holdOldFiles(dir);
      armed = true;
      await assert.rejects(s.compact(), /injected failure/);
      await s.close();
      await assertWipedStore(dir);
      await assertZeroed(held);
    });
  }
});

/** Runs `fn` with an emulated HSM6 served on a socket and a raw client; stops it afterwards. */
async function withDevice(
  stateDir: string,
  fn: (device: EmulatedDevice, client: RawClient) => Promise<void>,
): Promise<void> {
  const device = await EmulatedDevice.open({ model: 'hsm6', stateDir });
  try {
    const server = await DeviceServer.start({
      engine: device,
      socketPath: join(stateDir, '..', 'device.sock'),
    });
    try {
      const client = await RawClient.connect(join(stateDir, '..', 'device.sock'));
      try {
        await fn(device, client);
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
    }
  } finally {
    await device.close();
  }
  assert.deepEqual(device.internalErrors, []);
}

/** Every private key and lock secret in the (closed) device store at `stateDir`. */
async function storeSecrets(stateDir: string, compact: boolean): Promise<Uint8Array[]> {
  const store = await DeviceStore.open(stateDir);
  try {
    const out = [...store.keys()].map((k) => k.privateKey.slice());
    for (const name of ['lock.device_secret', 'lock.signing_key']) {
      const value = store.getSetting(name);
      assert.ok(value, name);
      out.push(value.slice());
    }
    if (compact) await store.compact();
    return out;
  } finally {
    await store.close();
  }
}

/** Generates a key pair of each type through the protocol. */
async function generate(client: RawClient, types: KeyType[]): Promise<void> {
  for (const key_type of types) {
    expectStatus(await client.call(Command.GEN_KEY_PAIR, { key_type }), 'OK');
  }
}

void test('HSM6 self-destruct: no private key or lock secret survives in any state file', async () => {
  const stateDir = join(await tmp(), 'state');
  await withDevice(stateDir, (_d, client) => generate(client, [KeyType.P256, KeyType.SECP256K1]));
  await storeSecrets(stateDir, true); // these keys (and the factory keys) are in snapshot.bin...
  await withDevice(stateDir, (_d, client) => generate(client, [KeyType.ED25519, KeyType.P256]));
  const secrets = await storeSecrets(stateDir, false); // ...these in journal.bin
  assert.ok(secrets.length >= 8, `factory and generated keys, lock secrets: ${secrets.length}`);
  for (const s of secrets) assert.equal(s.length, 32);
  assert.deepEqual(
    (await filesHolding(stateDir, secrets)).sort(),
    ['journal.bin', 'snapshot.bin'],
    'the test can fail',
  );

  await withDevice(stateDir, async (device, client) => {
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, {
        channel: 0,
        actions: PerimeterAction.NOTIFY | PerimeterAction.SELF_DESTRUCT,
      }),
      'OK',
    );
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    await simulateReboot(device.policy);
    const held = await holdOldFiles(stateDir);
    try {
      await simulateBreach(device.policy, 0);
      expectStatus(
        await client.call(Command.SIGN_DIGEST, { slot: 0, digest: new Uint8Array(32) }),
        'ERR_SELF_DESTRUCTED',
      );
      for (const { name, fh } of held) {
        const data = await readHandle(fh);
        const found = secrets.findIndex((s) => data.indexOf(s) >= 0);
        assert.equal(found, -1, `the old ${name} inode holds no secret`);
      }
    } finally {
      await assertZeroed(held);
    }
    assert.deepEqual(await filesHolding(stateDir, secrets), [], 'no state file holds a secret');
  });
  assert.deepEqual(await filesHolding(stateDir, secrets), [], 'nor after closing');
  // A restart does not provision new factory keys or lock secrets on a destroyed device.
  await withDevice(stateDir, async (_d, client) => {
    expectStatus(
      await client.call(Command.SIGN_DIGEST, { slot: 0, digest: new Uint8Array(32) }),
      'ERR_SELF_DESTRUCTED',
    );
  });
  const store = await DeviceStore.open(stateDir);
  try {
    assert.deepEqual([...store.keys()], [], 'no key record after a restart');
    assert.equal(store.getSetting('lock.device_secret'), undefined);
  } finally {
    await store.close();
  }
});
