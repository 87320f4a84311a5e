/**
 * The client across device restarts: requests in flight when the device goes away fail clearly,
 * requests made while it is away wait and then succeed on the first try, a request that waits
 * too long fails with the reason, and a closed or non-reconnecting client fails at once.
 */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import { DeviceServer } from '../../src/emulator/server.ts';
import { Device } from '../../src/provider/device.ts';
import { DeviceError } from '../../src/provider/errors.ts';

const root = await mkdtemp(join(tmpdir(), 'zkb-rc-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;

/** An emulated HSM6 on a socket; `restart` brings a fresh process-equivalent on the same state. */
async function service(): Promise<{
  socketPath: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}> {
  const dir = join(root, String(counter++));
  const socketPath = join(dir, 'd.sock');
  let running: { server: DeviceServer; device: EmulatedDevice } | undefined;
  const start = async (): Promise<void> => {
    const device = await EmulatedDevice.open({ model: 'hsm6', stateDir: join(dir, 'state') });
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
  return { socketPath, start, stop };
}

function isDeviceError(code: string): (e: unknown) => boolean {
  return (e) => e instanceof DeviceError && e.code === code;
}

void test('a restart fails what was in flight, then the next request succeeds first time', async () => {
  const svc = await service();
  const device = await Device.connect({
    address: `unix:${svc.socketPath}`,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  try {
    const slot = await device.genKeyPair('nistp256');
    const publicKey = await device.exportPubKey(slot);
    // A precise time read waits for the next second edge: started just after one, it is still
    // in flight when the device goes 20 ms later.
    await sleep(1010 - (Date.now() % 1000));
    const inFlight = assert.rejects(device.getTime(true), isDeviceError('ERR_DEVICE_DISCONNECTED'));
    await sleep(20);
    await svc.stop();
    await inFlight;
    assert.equal(device.connected, false);

    const whileAway = device.exportPubKey(slot); // made while the device is down
    await sleep(120); // several failed attempts
    await svc.start();
    assert.deepEqual(await whileAway, publicKey, 'the waiting request ran on the new link');
    assert.equal(device.connected, true);
    const digest = new Uint8Array(32).fill(3);
    const { signature } = await device.genECDSASigFromDigest(digest, slot);
    assert.equal(await device.verifyECDSASigFromDigest(digest, signature, slot), true);
  } finally {
    await device.close();
    await svc.stop();
  }
});

void test('a request that waits longer than its timeout fails with the reason', async () => {
  const svc = await service();
  const device = await Device.connect({
    address: `unix:${svc.socketPath}`,
    timeoutMs: 150,
    reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
  });
  try {
    await svc.stop();
    await sleep(20);
    const started = performance.now();
    await assert.rejects(device.getModelNumber(), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.equal(e.code, 'ERR_DEVICE_UNREACHABLE');
      assert.match(e.message, /unreachable for 150 ms: cannot reach the device/);
      return true;
    });
    assert.ok(performance.now() - started >= 140);
    await svc.start(); // and it comes back for later requests
    assert.equal(await device.getModelNumber(), 'HSM6');
  } finally {
    await device.close();
    await svc.stop();
  }
});

void test('reconnect: false makes a loss final; close() fails waiting requests', async () => {
  const svc = await service();
  const once = await Device.connect({ address: `unix:${svc.socketPath}`, reconnect: false });
  const again = await Device.connect({
    address: `unix:${svc.socketPath}`,
    reconnect: { initialDelayMs: 10 },
  });
  try {
    await svc.stop();
    await sleep(20);
    await assert.rejects(once.getModelNumber(), isDeviceError('ERR_DEVICE_DISCONNECTED'));
    const waiting = again.getModelNumber();
    await sleep(30);
    await again.close();
    await assert.rejects(waiting, isDeviceError('ERR_DEVICE_CLOSED'));
    await assert.rejects(again.getModelNumber(), isDeviceError('ERR_DEVICE_CLOSED'));
  } finally {
    await once.close();
    await again.close();
  }
});

void test('many clients of one restarted device all come back', async () => {
  const svc = await service();
  const options = { address: `unix:${svc.socketPath}`, reconnect: { initialDelayMs: 10 } };
  const clients = await Promise.all(Array.from({ length: 8 }, () => Device.connect(options)));
  try {
    await svc.stop();
    const pending = clients.map((c) => c.getRandBytes(16));
    await sleep(60);
    await svc.start();
    for (const bytes of await Promise.all(pending)) assert.equal(bytes.length, 16);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await svc.stop();
  }
});
