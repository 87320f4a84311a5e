/**
 * Device policies through the protocol (issue 7): LED commands and LED_CHANGED, binding info,
 * LOCK_BINDING across restarts, another host in production, the I2C address and its reset,
 * perimeter waits and events, monitors per model, persistence, a corrupt policy file and
 * self-destruct.
 */
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  Command,
  Event,
  KeyType,
  LedMode,
  PerimeterAction,
  ResetReason,
} from '../../src/protocol/constants.generated.ts';
import { POLICY_FILE } from '../../src/emulator/policy_runtime/persist.ts';
import { expectStatus, withTestbed } from './fixtures/token_device.ts';
import { simulateBreach, simulateReboot } from '../../src/emulator/policy_runtime/simulation.ts';

const DIGEST = { slot: 0, digest: new Uint8Array(32) };

void test('LED_ON, LED_OFF and LED_FLASH answer OK and send LED_CHANGED to every connection', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const watcher = await bed.connect();
    expectStatus(await client.call(Command.LED_ON), 'OK');
    await watcher.until(() => watcher.eventsOf(Event.LED_CHANGED).length === 1);
    assert.equal(watcher.eventsOf(Event.LED_CHANGED)[0]?.['mode'], LedMode.ON);
    expectStatus(await client.call(Command.LED_OFF), 'OK');
    expectStatus(
      await client.call(Command.LED_FLASH, { on_ms: 200, off_ms: 0, num_flashes: 3 }),
      'OK',
    );
    await watcher.until(() => watcher.eventsOf(Event.LED_CHANGED).length === 3);
    const [, off, flash] = watcher.eventsOf(Event.LED_CHANGED);
    assert.equal(off?.['mode'], LedMode.OFF);
    assert.deepEqual(
      [flash?.['mode'], flash?.['on_ms'], flash?.['off_ms'], flash?.['num_flashes']],
      [LedMode.FLASH, 200, 200, 3],
      'off_ms 0 means on_ms',
    );
    expectStatus(
      await client.call(Command.LED_FLASH, { on_ms: 0, off_ms: 0, num_flashes: 0 }),
      'ERR_OUT_OF_RANGE',
    );
    // The sender gets the event too; a refused command sends none.
    assert.equal(client.eventsOf(Event.LED_CHANGED).length, 3);
  });
});

void test('a fresh device binds to its host at first boot (developer mode) and signs', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    const info = await client.call(Command.GET_BINDING_INFO);
    expectStatus(info, 'OK');
    assert.deepEqual(info.out, { binding_locked: false, is_bound: true });
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'OK');
  });
});

void test('no host service: not bound, security commands ERR_NOT_BOUND, others answer', async () => {
  await withTestbed({ model: 'hsm6', host: null }, async (_bed, client) => {
    const info = await client.call(Command.GET_BINDING_INFO);
    assert.deepEqual(info.out, { binding_locked: false, is_bound: false });
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_NOT_BOUND');
    expectStatus(await client.call(Command.GET_RANDOM, { num_bytes: 4 }), 'ERR_NOT_BOUND');
    expectStatus(await client.call(Command.GET_MODEL), 'OK');
  });
});

void test('LOCK_BINDING survives restarts; production on another host cannot bind, for ever', async () => {
  await withTestbed({ model: 'hsm6', host: 'host-a' }, async (bed, client) => {
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    assert.deepEqual((await client.call(Command.GET_BINDING_INFO)).out, {
      binding_locked: true,
      is_bound: true,
    });
    expectStatus(await client.call(Command.LOCK_BINDING), 'ERR_ALREADY_LOCKED');
    await bed.restart();
    let c = await bed.connect();
    assert.deepEqual((await c.call(Command.GET_BINDING_INFO)).out, {
      binding_locked: true,
      is_bound: true,
    });
    expectStatus(await c.call(Command.SIGN_DIGEST, DIGEST), 'OK', 'same host: still bound');

    Object.assign(bed.options, { host: 'host-b' });
    await bed.restart();
    c = await bed.connect();
    assert.deepEqual((await c.call(Command.GET_BINDING_INFO)).out, {
      binding_locked: true,
      is_bound: false,
    });
    for (const [command, fields] of [
      [Command.SIGN_DIGEST, DIGEST],
      [Command.GET_RANDOM, { num_bytes: 4 }],
      [Command.GEN_KEY_PAIR, { key_type: KeyType.P256 }],
      [Command.LOCK_DATA, { use_shared_key: false, data: new Uint8Array(4) }],
    ] as const) {
      expectStatus(await c.call(command, fields), 'ERR_BINDING_BROKEN', `command ${command}`);
    }
    expectStatus(await c.call(Command.GET_SERIAL), 'OK', 'device commands still answer');
    expectStatus(await c.call(Command.LED_ON), 'OK');

    Object.assign(bed.options, { host: 'host-a' });
    await bed.restart();
    c = await bed.connect();
    expectStatus(await c.call(Command.SIGN_DIGEST, DIGEST), 'ERR_BINDING_BROKEN', 'back: still');
  });
});

void test('developer mode: another host rebinds and keeps the keys', async () => {
  await withTestbed({ model: 'scm', host: 'host-a' }, async (bed, client) => {
    const pub = (await client.call(Command.EXPORT_PUBKEY, { slot: 0, foreign: false })).out;
    Object.assign(bed.options, { host: 'host-b' });
    await bed.restart();
    const c = await bed.connect();
    assert.deepEqual((await c.call(Command.GET_BINDING_INFO)).out, {
      binding_locked: false,
      is_bound: true,
    });
    assert.deepEqual((await c.call(Command.EXPORT_PUBKEY, { slot: 0, foreign: false })).out, pub);
  });
});

void test('SET_I2C_ADDRESS: address rules; a change answers first, then DEVICE_RESET', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    expectStatus(
      await client.call(Command.SET_I2C_ADDRESS, { address: 0x38 }),
      'ERR_I2C_ADDRESS_INVALID',
    );
    expectStatus(
      await client.call(Command.SET_I2C_ADDRESS, { address: 0x5f }),
      'ERR_I2C_ADDRESS_INVALID',
    );
    const same = await client.call(Command.SET_I2C_ADDRESS, { address: 0x30 });
    assert.deepEqual(same.out, { reset: false });
    expectStatus(
      await client.call(Command.GEN_EPHEMERAL_KEY_PAIR, { key_type: KeyType.P256 }),
      'OK',
    );
    expectStatus(await client.call(Command.LED_ON), 'OK');
    const mark = client.received.length;
    const moved = await client.call(Command.SET_I2C_ADDRESS, { address: 0x62 });
    assert.deepEqual(moved.out, { reset: true });
    await client.until(() => client.eventsOf(Event.DEVICE_RESET, mark).length === 1);
    const after = client.received.slice(mark);
    const answerAt = after.findIndex((r) => r.kind === 'response');
    const resetAt = after.findIndex((r) => r.kind === 'event' && r.event === Event.DEVICE_RESET);
    assert.ok(answerAt >= 0 && answerAt < resetAt, 'the answer comes before DEVICE_RESET');
    const reset = client.eventsOf(Event.DEVICE_RESET, mark)[0];
    assert.equal(reset?.['reason'], ResetReason.I2C_ADDRESS);
    // The reset erased the ephemeral key and the host's LED setting.
    expectStatus(
      await client.call(Command.SIGN_DIGEST, { slot: -1, digest: new Uint8Array(32) }),
      'ERR_NO_SUCH_SLOT',
    );
    await client.until(() => client.eventsOf(Event.LED_CHANGED, mark).length === 1);
    assert.equal(client.eventsOf(Event.LED_CHANGED, mark)[0]?.['mode'], LedMode.PATTERN);
  });
});

void test('models: SCM has no I2C address, Zymkey4 no monitors and no LOCK_BINDING', async () => {
  await withTestbed({ model: 'scm' }, async (_bed, client) => {
    expectStatus(
      await client.call(Command.SET_I2C_ADDRESS, { address: 0x31 }),
      'ERR_UNSUPPORTED_MODEL',
    );
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'OK');
  });
  await withTestbed({ model: 'zymkey4' }, async (_bed, client) => {
    expectStatus(await client.call(Command.GET_BATTERY_VOLTAGE), 'ERR_UNSUPPORTED_MODEL');
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'ERR_UNSUPPORTED_MODEL');
    expectStatus(await client.call(Command.LOCK_BINDING), 'ERR_UNSUPPORTED_MODEL');
    expectStatus(await client.call(Command.SET_I2C_ADDRESS, { address: 0x31 }), 'OK');
    expectStatus(await client.call(Command.GET_PERIMETER_INFO), 'OK');
  });
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    const volts = await client.call(Command.GET_BATTERY_VOLTAGE);
    assert.ok(Math.abs((volts.out['volts'] as number) - 3.0) < 1e-6);
    expectStatus(
      await client.call(Command.SET_BATTERY_VOLTAGE_THRESHOLD, { volts: 2.6 }),
      'ERR_THRESHOLD_RANGE',
    );
    expectStatus(await client.call(Command.SET_CPU_TEMP_ACTION, { action: 2 }), 'ERR_INVALID_ARG');
    expectStatus(
      await client.call(Command.SET_CPU_LOW_TEMP_THRESHOLD, { celsius: 70 }),
      'ERR_THRESHOLD_RANGE',
    );
    expectStatus(await client.call(Command.SET_CPU_HIGH_TEMP_THRESHOLD, { celsius: 50 }), 'OK');
  });
});

void test('WAIT_PERIMETER_EVENT: timeout, latch per connection, PERIMETER_EVENT, persistence', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    expectStatus(await client.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 0 }), 'ERR_TIMEOUT');
    const started = Date.now();
    expectStatus(
      await client.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 150 }),
      'ERR_TIMEOUT',
    );
    assert.ok(Date.now() - started >= 140, 'waited for the timeout');
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, {
        channel: 1,
        actions: PerimeterAction.NOTIFY,
      }),
      'OK',
    );
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, { channel: 2, actions: 1 }),
      'ERR_OUT_OF_RANGE',
    );
    const other = await bed.connect();
    const waiting = client.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 0xffff_ffff });
    await new Promise((r) => setTimeout(r, 50));
    await simulateBreach(bed.device.policy, 1);
    const woke = await waiting;
    expectStatus(woke, 'OK');
    assert.equal(woke.out['channel'], 1);
    const stamp = woke.out['timestamp'] as number;
    assert.ok(Math.abs(stamp - Date.now() / 1000) < 5);
    await other.until(() => other.eventsOf(Event.PERIMETER_EVENT).length === 1);
    assert.deepEqual(other.eventsOf(Event.PERIMETER_EVENT)[0], {
      channel: 1,
      timestamp: stamp,
      actions: PerimeterAction.NOTIFY,
    });
    // The other connection's latch is still set; this one's was consumed.
    const latched = await other.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 0 });
    assert.equal(latched.out['channel'], 1);
    expectStatus(await client.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 0 }), 'ERR_TIMEOUT');
    assert.deepEqual((await client.call(Command.GET_PERIMETER_INFO)).out, {
      first_breach: [0, stamp],
    });

    await bed.restart();
    const c = await bed.connect();
    assert.deepEqual((await c.call(Command.GET_PERIMETER_INFO)).out, {
      first_breach: [0, stamp],
    });
    expectStatus(await c.call(Command.CLEAR_PERIMETER_EVENTS), 'OK');
    assert.deepEqual((await c.call(Command.GET_PERIMETER_INFO)).out, { first_breach: [0, 0] });
  });
});

void test('a corrupt policy file: locked, cannot bind', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed) => {
    const file = join(bed.dir, 'state', POLICY_FILE);
    assert.ok(JSON.parse(await readFile(file, 'utf8')));
    await bed.restart();
    await writeFile(file, '{"version": 1, "model": "hsm6"');
    await bed.restart();
    const c = await bed.connect();
    assert.deepEqual((await c.call(Command.GET_BINDING_INFO)).out, {
      binding_locked: true,
      is_bound: false,
    });
    expectStatus(await c.call(Command.SIGN_DIGEST, DIGEST), 'ERR_BINDING_BROKEN');
    assert.equal(bed.device.policy.origin, 'corrupt');
  });
});

void test('production self-destruct on a breach: keys wiped, ERR_SELF_DESTRUCTED for ever', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const slot = (await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out[
      'slot'
    ] as number;
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, {
        channel: 0,
        actions: PerimeterAction.NOTIFY | PerimeterAction.SELF_DESTRUCT,
      }),
      'OK',
    );
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    await simulateReboot(bed.device.policy);
    await simulateBreach(bed.device.policy, 0);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED');
    expectStatus(
      await client.call(Command.SIGN_DIGEST, { slot, digest: new Uint8Array(32) }),
      'ERR_SELF_DESTRUCTED',
    );
    await bed.restart();
    const c = await bed.connect();
    expectStatus(await c.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED');
    assert.equal(bed.device.policy.policy.state.destroyed?.cause, 'tamper');
  });
});
