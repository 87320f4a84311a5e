/**
 * Halted and refusing device states through the protocol (issue 7, ERR_DEVICE_HALTED 0x0408):
 * battery SLEEP, the SCM developer-mode fatal codes (4/1, 6/n, 20/1, 20/2) and the reboot that
 * ends them, production self-destruct by tamper, temperature and battery removal, and brown-out.
 * Every sequence runs on an emulator behind a socket; the world is moved with the simulation
 * inputs of src/emulator/policy_runtime/simulation.ts.
 */
import * as assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import {
  Command,
  Event,
  KeyType,
  LedMode,
  LedPattern,
  PerimeterAction,
  ResetReason,
  ThresholdAction,
} from '../../src/protocol/constants.generated.ts';
import type { Payload } from '../../src/protocol/payload_codec.ts';
import { fatalRebootAt } from '../../src/emulator/policy/index.ts';
import {
  simulateBattery,
  simulateBreach,
  simulateCpuTemp,
  simulateCutLockTab,
  simulateReboot,
  simulateSupply,
} from '../../src/emulator/policy_runtime/simulation.ts';
import {
  expectStatus,
  withTestbed,
  type RawClient,
  type Testbed,
} from './fixtures/token_device.ts';

const DIGEST = { slot: 0, digest: new Uint8Array(32) };
const BOTH = PerimeterAction.NOTIFY | PerimeterAction.SELF_DESTRUCT;
/** How long a fatal code still shows once {@link startFatal} has moved the clock (real ms). */
const LEFT_MS = 300;

/**
 * The policies' clock: real time plus an offset the test may jump. The emulator takes it as its
 * `policyClock` option.
 */
function jumpClock(): { now: () => number; jumpTo: (ms: number) => void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    jumpTo: (ms) => {
      offset = ms - Date.now();
    },
  };
}
type Clock = ReturnType<typeof jumpClock>;

/** LED_CHANGED payloads. */
const ledPattern = (pattern: number): Payload => ({
  mode: LedMode.PATTERN,
  on_ms: 0,
  off_ms: 0,
  num_flashes: 0,
  pattern,
  fatal_main: 0,
  fatal_sub: 0,
});
const ledFatal = (main: number, sub: number): Payload => ({
  ...ledPattern(LedPattern.FATAL),
  fatal_main: main,
  fatal_sub: sub,
});
const LED_DARK: Payload = { ...ledPattern(LedPattern.NONE), mode: LedMode.OFF };

/** Waits for the `n`th LED_CHANGED after `from` and returns it. */
async function nthLed(client: RawClient, from: number, n = 1): Promise<Payload | undefined> {
  await client.until(() => client.eventsOf(Event.LED_CHANGED, from).length >= n);
  return client.eventsOf(Event.LED_CHANGED, from)[n - 1];
}

/** The P-256 public key in `slot`, as node:crypto sees it. */
async function publicKey(client: RawClient, slot = 0): Promise<KeyObject> {
  const answer = await client.call(Command.EXPORT_PUBKEY, { slot, foreign: false });
  expectStatus(answer, 'OK', `EXPORT_PUBKEY ${slot}`);
  const raw = answer.out['public_key'] as Uint8Array;
  const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const jwk = { kty: 'EC', crv: 'P-256', x: b64u(raw.slice(0, 32)), y: b64u(raw.slice(32)) };
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** Signs a fresh message in `slot` and checks the signature against `key` (taken earlier). */
async function signsWith(client: RawClient, key: KeyObject, slot = 0): Promise<void> {
  const message = randomBytes(24);
  const digest = new Uint8Array(createHash('sha256').update(message).digest());
  const answer = await client.call(Command.SIGN_DIGEST, { slot, digest });
  expectStatus(answer, 'OK', `SIGN_DIGEST ${slot}`);
  const signature = answer.out['signature'] as Uint8Array;
  assert.ok(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature), 'verifies');
}

/**
 * A halted device: every command that reaches the device (security, device and info commands
 * alike) gets ERR_DEVICE_HALTED and changes nothing; only the session layer (PING, HELLO,
 * SET_EVENT_MASK) answers.
 */
async function expectHalted(bed: Testbed, client: RawClient): Promise<void> {
  const leds = client.eventsOf(Event.LED_CHANGED).length;
  for (const [command, fields] of [
    [Command.SIGN_DIGEST, DIGEST],
    [Command.GET_RANDOM, { num_bytes: 4 }],
    [Command.GEN_KEY_PAIR, { key_type: KeyType.P256 }],
    [Command.LOCK_BINDING, {}],
    [Command.GET_MODEL, {}],
    [Command.GET_SERIAL, {}],
    [Command.GET_BINDING_INFO, {}],
    [Command.GET_PERIMETER_INFO, {}],
    [Command.WAIT_PERIMETER_EVENT, { timeout_ms: 0 }],
    [Command.LED_ON, {}],
    [Command.GET_BATTERY_VOLTAGE, {}],
    [Command.GET_CPU_TEMP, {}],
    [Command.SET_BATTERY_VOLTAGE_ACTION, { action: ThresholdAction.NONE }],
  ] as const) {
    expectStatus(await client.call(command, fields), 'ERR_DEVICE_HALTED', `command ${command}`);
  }
  const ping = await client.call(Command.PING, { data: Uint8Array.of(1, 2, 3) });
  expectStatus(ping, 'OK', 'PING is answered by the session');
  assert.deepEqual(ping.out['data'], Uint8Array.of(1, 2, 3));
  expectStatus(await client.call(Command.SET_EVENT_MASK, { mask: 0x1f }), 'OK');
  const late = await bed.connect(); // HELLO
  expectStatus(await late.call(Command.GET_MODEL), 'ERR_DEVICE_HALTED', 'new connection');
  assert.equal(client.eventsOf(Event.LED_CHANGED).length, leds, 'a refused LED_ON shows nothing');
  assert.equal(bed.device.policy.policy.state.binding.lockRequested, false, 'nothing changed');
}

/**
 * Runs a simulation input that starts an SCM fatal code, so that the code's reboot comes
 * LEFT_MS (real time) later instead of after the whole sequence (three rounds: 29.85 s for 6/1).
 * The runtime arms a real `setTimeout(fatalRebootAt(state) - now())` only after the input's
 * change has been saved (an await), whereas the model step that stamps the code's start runs
 * synchronously inside the call. Jumping the clock in between, to LEFT_MS before the end of the
 * sequence, gives a device on which the code has already shown for all but LEFT_MS (the timer
 * then waits LEFT_MS of real time). Should the runtime ever arm the timer synchronously, the
 * reboot would come after the full sequence and `fatalReboot` would fail on its 3 s limit.
 * @returns The clock time of the reboot.
 */
async function startFatal(bed: Testbed, clock: Clock, input: () => Promise<void>): Promise<number> {
  const running = input();
  const at = fatalRebootAt(bed.device.policy.policy.state);
  assert.ok(at !== undefined, 'a fatal code shows');
  clock.jumpTo(at - LEFT_MS);
  await running;
  return at;
}

/** Waits for the FATAL reboot and checks its DEVICE_RESET (reason, time) and its LED_CHANGED. */
async function fatalReboot(
  client: RawClient,
  from: number,
  at: number,
  led: Payload,
): Promise<void> {
  await client.until(() => client.eventsOf(Event.DEVICE_RESET, from).length === 1, 3000);
  assert.equal(client.eventsOf(Event.DEVICE_RESET, from)[0]?.['reason'], ResetReason.FATAL);
  const stamp = client.eventsOf(Event.DEVICE_RESET, from)[0]?.['timestamp'] as number;
  assert.ok(Math.abs(stamp - at / 1000) <= 1, `reset time ${stamp} vs ${at / 1000}`);
  assert.deepEqual(await nthLed(client, from), led);
  const after = client.received.slice(from);
  const reset = after.findIndex((r) => r.kind === 'event' && r.event === Event.DEVICE_RESET);
  const ledAt = after.findIndex((r) => r.kind === 'event' && r.event === Event.LED_CHANGED);
  assert.ok(reset < ledAt, 'DEVICE_RESET, then the LED of the new boot');
}

/** Sets the battery threshold and action over the protocol. */
async function batteryPolicy(client: RawClient, volts: number, action: number): Promise<void> {
  expectStatus(await client.call(Command.SET_BATTERY_VOLTAGE_THRESHOLD, { volts }), 'OK');
  expectStatus(await client.call(Command.SET_BATTERY_VOLTAGE_ACTION, { action }), 'OK');
}

void test('HSM6 developer mode, battery SLEEP: halted and dark while low; keys intact after', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const factory = await publicKey(client);
    const slot = (await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out[
      'slot'
    ] as number;
    const generated = await publicKey(client, slot);
    await batteryPolicy(client, 2.4, ThresholdAction.SLEEP);
    const mark = client.received.length;
    await simulateBattery(bed.device.policy, 2.45);
    expectStatus(await client.call(Command.GET_MODEL), 'OK', 'above the threshold: running');
    await simulateBattery(bed.device.policy, 2.2);
    assert.deepEqual(await nthLed(client, mark), LED_DARK);
    await expectHalted(bed, client);
    await simulateBattery(bed.device.policy, 2.3);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_DEVICE_HALTED', 'still low');

    await simulateBattery(bed.device.policy, 2.9);
    assert.deepEqual(await nthLed(client, mark, 2), ledPattern(LedPattern.DEVELOPER));
    assert.equal(client.eventsOf(Event.DEVICE_RESET, mark).length, 0, 'waking is no reset');
    const volts = (await client.call(Command.GET_BATTERY_VOLTAGE)).out['volts'] as number;
    assert.ok(Math.abs(volts - 2.9) < 1e-6);
    await signsWith(client, factory);
    await signsWith(client, generated, slot);
    expectStatus(await client.call(Command.LED_ON), 'OK');
    assert.equal(bed.device.policy.policy.state.destroyed, null);
  });
});

void test('SCM developer mode, battery SLEEP: fatal 4/1 instead, reboot, 4/1 again while low', async () => {
  const clock = jumpClock();
  await withTestbed({ model: 'scm', policyClock: clock.now }, async (bed, client) => {
    const factory = await publicKey(client);
    await batteryPolicy(client, 2.4, ThresholdAction.SLEEP);
    const mark = client.received.length;
    const at = await startFatal(bed, clock, () => simulateBattery(bed.device.policy, 2.0));
    assert.deepEqual(await nthLed(client, mark), ledFatal(4, 1));
    await expectHalted(bed, client);
    // The reboot finds the battery still low: the code shows again ("locked out").
    const boot = client.received.length;
    await fatalReboot(client, boot, at, ledFatal(4, 1));
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_DEVICE_HALTED', 'again');
    // A good reading does not end a code that shows; the next boot finds nothing wrong.
    await simulateBattery(bed.device.policy, 3.0);
    expectStatus(await client.call(Command.GET_MODEL), 'ERR_DEVICE_HALTED', 'until the reboot');
    await simulateReboot(bed.device.policy);
    await signsWith(client, factory);
  });
});

void test('SCM developer mode: a breach on a SELF_DESTRUCT channel shows 6/n, halts, reboots (FATAL), keeps the keys', async () => {
  const clock = jumpClock();
  await withTestbed({ model: 'scm', policyClock: clock.now }, async (bed, client) => {
    const factory = await publicKey(client);
    for (const channel of [0, 1]) {
      expectStatus(
        await client.call(Command.SET_PERIMETER_EVENT_ACTION, { channel, actions: BOTH }),
        'OK',
      );
    }
    const waiting = client.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    const mark = client.received.length;
    await simulateBreach(bed.device.policy, 0);
    assert.deepEqual(await nthLed(client, mark), ledFatal(6, 1));
    // Unhurried, the code shows three rounds of 9.95 s (0.95 + 1 + 5.5 + 1 + 0.5 + 1) first.
    const real = fatalRebootAt(bed.device.policy.policy.state);
    assert.equal((real ?? 0) - bed.device.policy.policy.state.led.statusSince, 3 * 9950);
    // A wait begun before the breach still hears of it: that is how the host learns why.
    const woke = await waiting;
    expectStatus(woke, 'OK');
    assert.equal(woke.out['channel'], 0);
    assert.deepEqual(client.eventsOf(Event.PERIMETER_EVENT, mark), [
      { channel: 0, timestamp: woke.out['timestamp'], actions: BOTH },
    ]);
    await expectHalted(bed, client);

    // A second channel: n is the aggregate, and the sequence starts afresh.
    const at = await startFatal(bed, clock, () => simulateBreach(bed.device.policy, 1));
    assert.deepEqual(await nthLed(client, mark, 2), ledFatal(6, 3));
    assert.equal(client.eventsOf(Event.PERIMETER_EVENT, mark).length, 2);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_DEVICE_HALTED');
    const boot = client.received.length;
    await fatalReboot(client, boot, at, ledPattern(LedPattern.DEVELOPER));
    await signsWith(client, factory);
    const info = await client.call(Command.GET_PERIMETER_INFO);
    assert.equal((info.out['first_breach'] as number[]).length, 2);
    assert.ok(
      (info.out['first_breach'] as number[]).every((t) => t > 0),
      'breaches recorded',
    );
    assert.equal(bed.device.policy.policy.state.destroyed, null);
  });
});

void test('SCM production: the same breach destroys the keys; failure code 5 for ever', async () => {
  await withTestbed({ model: 'scm' }, async (bed, client) => {
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, { channel: 0, actions: BOTH }),
      'OK',
    );
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    await simulateReboot(bed.device.policy);
    await signsWith(client, await publicKey(client));
    const mark = client.received.length;
    await simulateBreach(bed.device.policy, 0);
    assert.deepEqual(await nthLed(client, mark), ledFatal(5, 0));
    for (const [command, fields] of [
      [Command.SIGN_DIGEST, DIGEST],
      [Command.EXPORT_PUBKEY, { slot: 0, foreign: false }],
      [Command.GET_RANDOM, { num_bytes: 4 }],
    ] as const) {
      expectStatus(await client.call(command, fields), 'ERR_SELF_DESTRUCTED', `${command}`);
    }
    expectStatus(await client.call(Command.GET_MODEL), 'OK', 'destroyed is not halted');
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'OK');
    assert.equal(client.eventsOf(Event.PERIMETER_EVENT, mark).length, 1);
    await simulateReboot(bed.device.policy);
    assert.deepEqual(await nthLed(client, mark, 2), ledFatal(5, 0), 'after a reboot too');
    assert.equal(bed.device.policy.policy.state.led.fatal, null, 'no reboot timer');
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED');
    assert.deepEqual(bed.device.policy.policy.state.destroyed?.cause, 'tamper');
  });
});

void test('brown-out: security commands ERR_BROWNOUT, device commands answer, then sign again', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const factory = await publicKey(client);
    const mark = client.received.length;
    await simulateSupply(bed.device.policy, false);
    for (const [command, fields] of [
      [Command.SIGN_DIGEST, DIGEST],
      [Command.GET_RANDOM, { num_bytes: 4 }],
      [Command.EXPORT_PUBKEY, { slot: 0, foreign: false }],
      [Command.LOCK_BINDING, {}],
    ] as const) {
      expectStatus(await client.call(command, fields), 'ERR_BROWNOUT', `command ${command}`);
    }
    expectStatus(await client.call(Command.LED_ON), 'OK');
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'OK');
    expectStatus(await client.call(Command.GET_MODEL), 'OK');
    const info = await client.call(Command.GET_BINDING_INFO);
    assert.deepEqual(info.out, { binding_locked: false, is_bound: true });
    assert.deepEqual(client.eventsOf(Event.LED_CHANGED, mark), [{ ...LED_DARK, mode: LedMode.ON }]);
    // A halt outranks the brown-out.
    await batteryPolicy(client, 2.4, ThresholdAction.SLEEP);
    await simulateBattery(bed.device.policy, 1.0);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_DEVICE_HALTED');
    await simulateBattery(bed.device.policy, 3.0);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_BROWNOUT');

    await simulateSupply(bed.device.policy, true);
    await signsWith(client, factory);
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
  });
});

void test('HSM6 production, CPU temperature SELF_DESTRUCT: an out-of-bounds reading destroys the keys', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    expectStatus(
      await client.call(Command.SET_CPU_TEMP_ACTION, { action: ThresholdAction.SELF_DESTRUCT }),
      'OK',
    );
    await simulateCpuTemp(bed.device.policy, 80);
    await signsWith(client, await publicKey(client)); // developer mode: nothing happens
    await simulateCpuTemp(bed.device.policy, 40);
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    await simulateReboot(bed.device.policy);
    expectStatus(
      await client.call(Command.SET_CPU_TEMP_ACTION, { action: ThresholdAction.NONE }),
      'ERR_ACTION_LOCKED',
    );
    const mark = client.received.length;
    await simulateCpuTemp(bed.device.policy, 66);
    assert.deepEqual(await nthLed(client, mark), ledFatal(5, 0), 'HSM: the 5-blink failure');
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED');
    expectStatus(await client.call(Command.GEN_KEY_PAIR, { key_type: 0 }), 'ERR_SELF_DESTRUCTED');
    await simulateCpuTemp(bed.device.policy, 40);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED', 'cooled');
    const temp = await client.call(Command.GET_CPU_TEMP);
    assert.ok(Math.abs((temp.out['celsius'] as number) - 40) < 1e-6, 'device commands answer');
    assert.equal(bed.device.policy.policy.state.destroyed?.cause, 'temperature');
  });
});

void test('SCM developer mode, CPU temperature: codes 20/1 and 20/2 halt, the reboot recovers', async () => {
  const clock = jumpClock();
  await withTestbed({ model: 'scm', policyClock: clock.now }, async (bed, client) => {
    const factory = await publicKey(client);
    expectStatus(
      await client.call(Command.SET_CPU_TEMP_ACTION, { action: ThresholdAction.SELF_DESTRUCT }),
      'OK',
    );
    for (const [celsius, sub] of [
      [-20, 1],
      [70, 2],
    ] as const) {
      const mark = client.received.length;
      const at = await startFatal(bed, clock, () => simulateCpuTemp(bed.device.policy, celsius));
      assert.deepEqual(await nthLed(client, mark), ledFatal(20, sub), `${celsius} °C`);
      await expectHalted(bed, client);
      await simulateCpuTemp(bed.device.policy, 35); // back in bounds before the reboot
      expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_DEVICE_HALTED');
      await fatalReboot(client, client.received.length, at, ledPattern(LedPattern.DEVELOPER));
      await signsWith(client, factory);
    }
    assert.equal(bed.device.policy.policy.state.destroyed, null);
  });
});

void test('Zymkey4: tab cut with a self-destruct channel, then the battery removed: keys destroyed', async () => {
  await withTestbed({ model: 'zymkey4' }, async (bed, client) => {
    const factory = await publicKey(client);
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, { channel: 1, actions: BOTH }),
      'OK',
    );
    await simulateBattery(bed.device.policy, 0);
    await signsWith(client, factory); // developer mode: battery removal does nothing
    await simulateBattery(bed.device.policy, 3.0);
    await simulateCutLockTab(bed.device.policy);
    assert.deepEqual((await client.call(Command.GET_BINDING_INFO)).out, {
      binding_locked: true,
      is_bound: true,
    });
    await signsWith(client, factory); // production at once, keys still there
    await simulateBattery(bed.device.policy, 1.5);
    await signsWith(client, factory); // a weak battery is not a removed one
    const mark = client.received.length;
    await simulateBattery(bed.device.policy, 0);
    assert.deepEqual(await nthLed(client, mark), ledFatal(5, 0));
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED');
    expectStatus(
      await client.call(Command.EXPORT_PUBKEY, { slot: 0, foreign: false }),
      'ERR_SELF_DESTRUCTED',
    );
    expectStatus(await client.call(Command.GET_PERIMETER_INFO), 'OK');
    assert.deepEqual((await client.call(Command.GET_PERIMETER_INFO)).out, {
      first_breach: [0, 0],
    });
    assert.equal(bed.device.policy.policy.state.destroyed?.cause, 'battery-removed');
    await bed.restart();
    const again = await bed.connect();
    expectStatus(await again.call(Command.SIGN_DIGEST, DIGEST), 'ERR_SELF_DESTRUCTED');
  });
});

void test('a battery reading equal to the threshold set over the protocol (an f32) ends SLEEP', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    await batteryPolicy(client, 2.4, ThresholdAction.SLEEP);
    await simulateBattery(bed.device.policy, 2.0);
    expectStatus(await client.call(Command.GET_MODEL), 'ERR_DEVICE_HALTED');
    await simulateBattery(bed.device.policy, 2.4); // "at or above the threshold"
    expectStatus(await client.call(Command.GET_MODEL), 'OK');
  });
});
