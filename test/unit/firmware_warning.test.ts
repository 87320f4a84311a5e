/**
 * The client's firmware warning end to end: emulated devices on Unix sockets, the real client.
 * An SCM on 01.02.02release gives exactly one process warning per (serial, firmware), however
 * many connections and reconnects; a handler takes the issues instead; `firmwareWarning: false`
 * silences it; a clean firmware gives none; a device with a strange firmware string gives
 * neither an error nor a warning.
 *
 * Warnings are process-wide: each test uses a fresh device (a fresh serial) and counts only the
 * warnings that name its serial.
 */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatedDevice, type EmulatorOptions } from '../../src/emulator/device.ts';
import type { DeviceEngine } from '../../src/emulator/engine.ts';
import { DeviceServer } from '../../src/emulator/server.ts';
import { Status } from '../../src/protocol/constants.generated.ts';
import {
  Device,
  FIRMWARE_HANDLER_WARNING_CODE,
  FIRMWARE_WARNING_CODE,
  type FirmwareFacts,
  type KnownIssue,
} from '../../src/provider/index.ts';

const root = await mkdtemp(join(tmpdir(), 'zkb-fw-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;

/** Every process warning of this file, in order. */
const warnings: (Error & { code?: string })[] = [];
process.on('warning', (warning) => warnings.push(warning));

/** Warnings with `code` whose message names `serial`, after pending ones are delivered. */
async function warningsFor(serial: string, code = FIRMWARE_WARNING_CODE): Promise<Error[]> {
  await sleep(20); // process.emitWarning delivers on a later tick
  return warnings.filter((w) => w.code === code && w.message.includes(serial));
}

interface Service {
  address: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** An emulated device served on a socket; `stop` then `start` is a restart on the same state. */
async function service(options: Omit<EmulatorOptions, 'stateDir'>): Promise<Service> {
  const dir = join(root, String(counter++));
  const socketPath = join(dir, 'd.sock');
  let running: { server: DeviceServer; device: EmulatedDevice } | undefined;
  const start = async (): Promise<void> => {
    const device = await EmulatedDevice.open({ ...options, stateDir: join(dir, 'state') });
    const server = await DeviceServer.start({ engine: device, socketPath });
    running = { server, device };
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    const { server, device } = running;
    running = undefined;
    await server.close();
    await device.close();
  };
  await start();
  return { address: `unix:${socketPath}`, start, stop };
}

/** Restarts the device and waits until `device` is connected again. */
async function restart(svc: Service, device: Device): Promise<void> {
  await svc.stop();
  for (let i = 0; i < 200 && device.connected; i++) await sleep(5);
  assert.equal(device.connected, false, 'the client saw the device go');
  await svc.start();
  await device.getRandBytes(4); // waits for the new link
  assert.equal(device.connected, true);
}

const FAST = { reconnect: { initialDelayMs: 5, maxDelayMs: 20 } } as const;

void test('SCM 01.02.02release: one warning with the code across connections and a reconnect', async () => {
  const svc = await service({ model: 'scm', firmware: '01.02.02release' });
  const first = await Device.connect({ address: svc.address, ...FAST });
  const second = await Device.connect({ address: svc.address, ...FAST });
  try {
    const serial = first.info.serial;
    assert.equal(first.info.firmware, '01.02.02release');
    assert.deepEqual(
      first.knownIssues.map((i) => i.id),
      ['zymbit#159'],
    );
    assert.deepEqual(second.knownIssues, first.knownIssues);
    await restart(svc, first);
    assert.equal((await second.getRandBytes(4)).length, 4, 'the second client is back too');
    assert.deepEqual(
      first.knownIssues.map((i) => i.id),
      ['zymbit#159'],
      'still listed after the reconnect',
    );
    const found = await warningsFor(serial);
    assert.equal(found.length, 1, 'one warning per process per (serial, firmware)');
    const [warning] = found as [Error];
    assert.equal(warning.name, 'ZkbridgeWarning');
    assert.match(warning.message, /^SCM serial \S+ runs firmware 01\.02\.02release/);
    assert.match(warning.message, /zymbit#159 \(hardware rev B1\): keys made by gen_key_pair/);
    assert.match(warning.message, /Workaround: use a one-key BIP32 wallet/);
    assert.match((warning as Error & { detail?: string }).detail ?? '', /docs\/firmware\.md/);
  } finally {
    await first.close();
    await second.close();
    await svc.stop();
  }
});

void test('onFirmwareIssues takes the issues instead of the warning, once per device', async () => {
  const svc = await service({ model: 'scm', firmware: '01.02.02release' });
  const calls: [readonly KnownIssue[], FirmwareFacts][] = [];
  const device = await Device.connect({
    address: svc.address,
    ...FAST,
    onFirmwareIssues: (issues, facts) => calls.push([issues, facts]),
  });
  try {
    assert.equal(calls.length, 1, 'called before connect resolves');
    const [[issues, facts]] = calls as [[readonly KnownIssue[], FirmwareFacts]];
    assert.deepEqual(
      issues.map((i) => i.id),
      ['zymbit#159'],
    );
    assert.equal(facts.serial, device.info.serial);
    assert.equal(facts.model, 'SCM');
    assert.equal(facts.firmware, '01.02.02release');
    assert.equal(facts.version?.stage, 'release');
    await restart(svc, device);
    assert.equal(calls.length, 1, 'the same device after a reconnect: not again');
    assert.deepEqual(await warningsFor(device.info.serial), []);
  } finally {
    await device.close();
    await svc.stop();
  }
});

void test('firmwareWarning: false silences; a throwing handler is reported, not fatal', async () => {
  const svc = await service({ model: 'scm', firmware: '01.02.02release' });
  try {
    const quiet = await Device.connect({ address: svc.address, firmwareWarning: false });
    const serial = quiet.info.serial;
    assert.equal(quiet.knownIssues.length, 1, 'still listed');
    await quiet.close();
    assert.deepEqual(await warningsFor(serial), []);

    const throwing = await Device.connect({
      address: svc.address,
      onFirmwareIssues: () => {
        throw new Error('handler bug');
      },
    });
    assert.equal((await throwing.getRandBytes(4)).length, 4, 'the connection goes on');
    await throwing.close();
    await sleep(20);
    const reported = warnings.filter(
      (w) => w.code === FIRMWARE_HANDLER_WARNING_CODE && w.message.includes('handler bug'),
    );
    assert.equal(reported.length, 1);
    assert.deepEqual(await warningsFor(serial), []);
  } finally {
    await svc.stop();
  }
});

void test('a clean firmware (HSM6 01.01.05release) gives no issues and no warning', async () => {
  const svc = await service({ model: 'hsm6', firmware: '01.01.05release' });
  let called = 0;
  const device = await Device.connect({ address: svc.address });
  const handled = await Device.connect({ address: svc.address, onFirmwareIssues: () => called++ });
  try {
    assert.equal(device.info.firmware, '01.01.05release');
    assert.deepEqual(device.knownIssues, []);
    assert.deepEqual(handled.knownIssues, []);
    assert.equal(called, 0, 'the handler never sees an empty list');
    assert.deepEqual(await warningsFor(device.info.serial), []);
  } finally {
    await device.close();
    await handled.close();
    await svc.stop();
  }
});

/** A device whose HELLO reports `model` and `firmware` as given; every request answers OK. */
async function strangeDevice(
  model: string,
  firmware: string,
): Promise<{ address: string; close(): Promise<void> }> {
  const engine: DeviceEngine = {
    facts: () => ({
      model,
      serial: `STRANGE-${counter}`,
      firmware,
      features: 0,
      factorySlots: 16,
      keySlots: 0,
      foreignSlots: 0,
      curves: 1,
    }),
    execute: () => ({ status: Status.OK, payload: new Uint8Array(0) }),
  };
  const socketPath = join(root, `strange-${counter++}.sock`);
  const server = await DeviceServer.start({ engine, socketPath });
  return { address: `unix:${socketPath}`, close: () => server.close() };
}

void test('a strange firmware string from a device: no throw, no issues, no warning', async () => {
  const cases: [string, string][] = [
    ['SCM', 'garbage ☃'],
    ['SCM', ''],
    ['SCM', '1.2.2'],
    ['SCM', '01.02.02release\u0000'],
    ['SCM', 'x'.repeat(5000)],
    ['HSM8', '01.02.02release'],
    ['', ''],
  ];
  for (const [model, firmware] of cases) {
    const fake = await strangeDevice(model, firmware);
    let called = 0;
    try {
      const plain = await Device.connect({ address: fake.address });
      const handled = await Device.connect({
        address: fake.address,
        onFirmwareIssues: () => called++,
      });
      assert.equal(plain.info.firmware, firmware);
      assert.deepEqual(plain.knownIssues, []);
      assert.deepEqual(handled.knownIssues, []);
      await plain.close();
      await handled.close();
      assert.equal(called, 0);
      assert.deepEqual(await warningsFor(plain.info.serial), [], JSON.stringify(firmware));
    } finally {
      await fake.close();
    }
  }
});

void test('firmware options of the wrong type are a TypeError before connecting', async () => {
  await assert.rejects(
    Device.connect({ address: 'unix:/nonexistent.sock', onFirmwareIssues: 'log' as never }),
    TypeError,
  );
  await assert.rejects(
    Device.connect({ address: 'unix:/nonexistent.sock', firmwareWarning: 'no' as never }),
    TypeError,
  );
});
