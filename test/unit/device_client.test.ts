/** The typed device client over an embedded emulator (a private child process). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { Device, DeviceError, parseAddress } from '../../src/provider/index.ts';
import { Command } from '../../src/protocol/constants.generated.ts';

void test('addresses parse; bad ones are refused clearly', () => {
  assert.deepEqual(parseAddress('unix:/run/x.sock'), { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseAddress('/run/x.sock'), { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(parseAddress('tcp:127.0.0.1:7070'), {
    kind: 'tcp',
    host: '127.0.0.1',
    port: 7070,
  });
  assert.deepEqual(parseAddress('tcp:[::1]:1'), { kind: 'tcp', host: '::1', port: 1 });
  assert.deepEqual(parseAddress('emulator'), { kind: 'emulator' });
  for (const bad of ['', 'tcp:host', 'tcp:h:0', 'tcp:h:70000', 'serial:/dev/x', 'unix:']) {
    assert.throws(() => parseAddress(bad), TypeError, bad);
  }
});

void test('embedded emulator: keys, signatures OpenSSL accepts, errors with codes and errno', async () => {
  const device = await Device.connect({ address: 'emulator', emulator: { model: 'hsm6' } });
  try {
    assert.equal(device.info.model, 'HSM6');
    assert.equal(await device.getModelNumber(), 'HSM6');
    assert.equal((await device.getRandBytes(48)).length, 48);
    const slot = await device.genKeyPair('nistp256');
    const raw = await device.exportPubKey(slot);
    const digest = new Uint8Array(createHash('sha256').update('hello').digest());
    const { signature } = await device.genECDSASigFromDigest(digest, slot);
    const key = createPublicKey(await device.exportPubKeyPem(slot));
    assert.ok(
      verify('sha256', Buffer.from('hello'), { key, dsaEncoding: 'ieee-p1363' }, signature),
    );
    assert.equal(await device.verifyECDSASigFromDigest(digest, signature, slot), true);
    assert.equal(raw.length, 64);
    const locked = await device.lockData(Uint8Array.of(1, 2, 3));
    assert.deepEqual(await device.unlockData(locked), {
      valid: true,
      data: Uint8Array.of(1, 2, 3),
    });
    await assert.rejects(
      device.exportPubKey(9999),
      (e: unknown) => e instanceof DeviceError && e.code === 'ERR_NO_SUCH_SLOT' && e.errno === -2,
    );
    await assert.rejects(device.genKeyPair('curve448' as 'ed25519'), TypeError);
    await assert.rejects(device.genECDSASigFromDigest(new Uint8Array(31)), TypeError);
  } finally {
    await device.close();
  }
});

void test('an unreachable device fails with ERR_DEVICE_UNREACHABLE', async () => {
  await assert.rejects(
    Device.connect({ address: 'unix:/nonexistent/zkbridge.sock' }),
    (e: unknown) => e instanceof DeviceError && e.code === 'ERR_DEVICE_UNREACHABLE',
  );
});

void test('embedded emulator: firmware and quirks; a bad firmware string fails to start', async () => {
  const issues: string[] = [];
  const device = await Device.connect({
    address: 'emulator',
    emulator: { model: 'scm', firmware: '00.00.40alpha', quirks: 'all' },
    onFirmwareIssues: (list) => {
      issues.push(...list.map((i) => i.id));
    },
  });
  try {
    assert.equal(device.info.firmware, '00.00.40alpha');
    assert.ok(issues.includes('zymbit#93'), issues.join(' '));
    // Quirk #93 reproduced: 2.9 V is accepted (the contract says below 2.5 V).
    await device.call(Command.SET_BATTERY_VOLTAGE_THRESHOLD, { volts: 2.9 });
  } finally {
    await device.close();
  }
  await assert.rejects(
    Device.connect({ address: 'emulator', emulator: { model: 'hsm6', firmware: 'banana' } }),
    /banana/,
  );
});
