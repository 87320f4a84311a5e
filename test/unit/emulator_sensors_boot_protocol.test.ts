/**
 * Accelerometer/tap, digital-perimeter tuning, supervised boot, the reset busy window and the
 * firmware quirks, through the device protocol (issue 7).
 */
import * as assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AccelAxis,
  Command,
  Event,
  KeyType,
  LedMode,
  LedPattern,
  PerimeterAction,
  ResetReason,
  SupbootPolicy,
} from '../../src/protocol/constants.generated.ts';
import { endLedOverride, ledView, settleLed } from '../../src/emulator/policy/index.ts';
import {
  simulateAcceleration,
  simulateReboot,
  simulateTap,
} from '../../src/emulator/policy_runtime/simulation.ts';
import {
  expectStatus,
  withTestbed,
  type RawClient,
  type Testbed,
} from './fixtures/token_device.ts';

/** The boot partition of a testbed's device (the default `<state>/boot`). */
function bootDir(bed: Testbed): string {
  return join(bed.dir, 'state', 'boot');
}

async function writeBoot(bed: Testbed, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const file = join(bootDir(bed), path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
  }
}

void test('taps: TAP_EVENT, latched WAIT_FOR_TAP, pending waits, sensitivity, readings', async () => {
  await withTestbed({ model: 'zymkey4' }, async (bed, client) => {
    const policy = bed.device.policy;
    expectStatus(
      await client.call(Command.SET_TAP_SENSITIVITY, { axis: AccelAxis.ALL, percent: 100 }),
      'OK',
    );
    expectStatus(
      await client.call(Command.SET_TAP_SENSITIVITY, { axis: AccelAxis.X, percent: 0 }),
      'OK',
    );
    expectStatus(
      await client.call(Command.SET_TAP_SENSITIVITY, { axis: AccelAxis.X, percent: 100.5 }),
      'ERR_OUT_OF_RANGE',
    );
    expectStatus(await client.call(Command.WAIT_FOR_TAP, { timeout_ms: 0 }), 'ERR_TIMEOUT');
    assert.equal(await simulateTap(policy, { axis: AccelAxis.X, direction: 1, forceG: 9 }), null);
    assert.ok(await simulateTap(policy, { axis: AccelAxis.Z, direction: -1, forceG: 2 }));
    await client.until(() => client.eventsOf(Event.TAP_EVENT).length === 1);
    assert.equal(client.eventsOf(Event.TAP_EVENT)[0]?.['z_tap_dir'], -1);
    const latched = await client.call(Command.WAIT_FOR_TAP, { timeout_ms: 0 });
    expectStatus(latched, 'OK');
    assert.deepEqual(
      [latched.out['x_tap_dir'], latched.out['y_tap_dir'], latched.out['z_tap_dir']],
      [0, 0, -1],
    );
    assert.equal(latched.out['z_g'], -1, 'resting +1 g, tapped with -2 g');
    expectStatus(await client.call(Command.WAIT_FOR_TAP, { timeout_ms: 0 }), 'ERR_TIMEOUT');
    const pending = client.call(Command.WAIT_FOR_TAP, { timeout_ms: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    await simulateTap(policy, { axis: AccelAxis.Y, direction: 1, forceG: 3 });
    const woke = await pending;
    expectStatus(woke, 'OK');
    assert.equal(woke.out['y_tap_dir'], 1);
    expectStatus(await client.call(Command.WAIT_FOR_TAP, { timeout_ms: 30 }), 'ERR_TIMEOUT');
    await simulateAcceleration(policy, [0.5, 0, 0.75]);
    const data = await client.call(Command.GET_ACCELEROMETER_DATA);
    expectStatus(data, 'OK');
    assert.deepEqual(
      [data.out['x_g'], data.out['y_g'], data.out['z_g'], data.out['y_tap_dir']],
      [0.5, 0, 0.75, 1],
    );
  });
});

void test('digital perimeter tuning: ranges, persistence, models', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    expectStatus(
      await client.call(Command.SET_DIGITAL_PERIMETER_LP_PERIOD, { lp_period_us: 200_000 }),
      'OK',
    );
    expectStatus(
      await client.call(Command.SET_DIGITAL_PERIMETER_LP_MAX_BITS, { max_num_bits: 0 }),
      'ERR_OUT_OF_RANGE',
    );
    expectStatus(
      await client.call(Command.SET_DIGITAL_PERIMETER_DELAYS, {
        min_delay_ns: 5000,
        max_delay_ns: 4000,
      }),
      'ERR_OUT_OF_RANGE',
    );
    expectStatus(
      await client.call(Command.SET_DIGITAL_PERIMETER_DELAYS, {
        min_delay_ns: 1000,
        max_delay_ns: 9000,
      }),
      'OK',
    );
    await bed.restart();
    const d = bed.device.policy.policy.state.digitalPerimeter;
    assert.deepEqual([d.lpPeriodUs, d.minDelayNs, d.maxDelayNs], [200_000, 1000, 9000]);
  });
  await withTestbed({ model: 'zymkey4' }, async (_bed, client) => {
    expectStatus(
      await client.call(Command.SET_DIGITAL_PERIMETER_LP_PERIOD, { lp_period_us: 1000 }),
      'ERR_UNSUPPORTED_MODEL',
    );
  });
});

void test('supervised boot: manifest commands and their refusals', async () => {
  await withTestbed({ model: 'scm' }, async (bed, client) => {
    const add = (path: string, slot = 15): ReturnType<RawClient['call']> =>
      client.call(Command.ADD_OR_UPDATE_SUPERVISED_BOOT_FILE, { path, slot });
    expectStatus(await add('config.txt'), 'ERR_SUPBOOT_FILE_NOT_FOUND', 'no boot partition yet');
    await writeBoot(bed, { 'config.txt': 'arm_64bit=1\n', 'overlays/a.dtbo': 'dtbo' });
    await writeFile(join(bed.dir, 'outside.txt'), 'secret');
    await symlink(join(bed.dir, 'outside.txt'), join(bootDir(bed), 'escape.txt'));
    expectStatus(await add('config.txt'), 'OK');
    expectStatus(await add('overlays/a.dtbo', 0), 'OK');
    expectStatus(await add('config.txt', 14), 'OK', 'an update in place');
    expectStatus(await add('cmdline.txt'), 'ERR_SUPBOOT_FILE_NOT_FOUND');
    expectStatus(await add('overlays'), 'ERR_SUPBOOT_FILE_NOT_FOUND', 'a directory');
    expectStatus(await add('escape.txt'), 'ERR_SUPBOOT_PATH_INVALID');
    expectStatus(await add('/boot/config.txt'), 'ERR_SUPBOOT_PATH_INVALID');
    expectStatus(await add('../outside.txt'), 'ERR_SUPBOOT_PATH_INVALID');
    expectStatus(await add('config.txt', 16), 'ERR_SUPBOOT_SLOT_INVALID');
    const listing = await client.call(Command.GET_SUPERVISED_BOOT_MANIFEST);
    expectStatus(listing, 'OK');
    assert.deepEqual(listing.out['files'], ['config.txt', 'overlays/a.dtbo']);
    expectStatus(
      await client.call(Command.REMOVE_SUPERVISED_BOOT_FILE, { path: 'cmdline.txt' }),
      'ERR_SUPBOOT_NOT_IN_MANIFEST',
    );
    expectStatus(
      await client.call(Command.REMOVE_SUPERVISED_BOOT_FILE, { path: 'overlays/a.dtbo' }),
      'OK',
    );
    expectStatus(
      await client.call(Command.SET_SUPERVISED_BOOT_POLICY, { policy: SupbootPolicy.HOLD_RESET }),
      'OK',
    );
  });
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    expectStatus(await client.call(Command.GET_SUPERVISED_BOOT_MANIFEST), 'ERR_UNSUPPORTED_MODEL');
  });
  await withTestbed({ model: 'scm', host: null }, async (bed, client) => {
    await writeBoot(bed, { 'config.txt': 'x' });
    expectStatus(
      await client.call(Command.ADD_OR_UPDATE_SUPERVISED_BOOT_FILE, {
        path: 'config.txt',
        slot: 15,
      }),
      'ERR_NOT_BOUND',
      'signing a boot file is a security command',
    );
  });
});

void test('supervised boot in developer mode: a changed file shows 4/2, a lost /boot 22/9', async () => {
  await withTestbed({ model: 'scm' }, async (bed, client) => {
    const policy = bed.device.policy;
    await writeBoot(bed, { 'config.txt': 'arm_64bit=1\n', 'cmdline.txt': 'console=tty1' });
    for (const [path, slot] of [
      ['config.txt', 15],
      ['cmdline.txt', 0],
    ] as const) {
      expectStatus(
        await client.call(Command.ADD_OR_UPDATE_SUPERVISED_BOOT_FILE, { path, slot }),
        'OK',
      );
    }
    await simulateReboot(policy);
    assert.equal(policy.policy.state.supervisedBoot.lastCheck?.status, 'ok');
    await writeBoot(bed, { 'cmdline.txt': 'console=tty1 init=/bin/sh' });
    await simulateReboot(policy);
    await client.until(() => client.eventsOf(Event.LED_CHANGED).some((e) => e['fatal_main'] === 4));
    assert.deepEqual(policy.policy.state.supervisedBoot.lastCheck?.failed, ['cmdline.txt']);
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'ERR_DEVICE_HALTED');
    await policy.reset(ResetReason.FATAL); // the end of the fatal sequence (timer tested elsewhere)
    expectStatus(
      await client.call(Command.SIGN_DIGEST, { slot: 0, digest: new Uint8Array(32) }),
      'OK',
    );
    await rm(bootDir(bed), { recursive: true });
    await simulateReboot(policy);
    const v = ledView(policy.policy.state);
    assert.deepEqual([v.pattern, v.fatalMain, v.fatalSub], [LedPattern.FATAL, 22, 9]);
  });
});

void test('supervised boot in production: HOLD_RESET holds until the file is fixed; DESTROY wipes', async () => {
  await withTestbed({ model: 'scm' }, async (bed, client) => {
    const policy = bed.device.policy;
    await writeBoot(bed, { 'config.txt': 'good' });
    expectStatus(
      await client.call(Command.ADD_OR_UPDATE_SUPERVISED_BOOT_FILE, {
        path: 'config.txt',
        slot: 15,
      }),
      'OK',
    );
    expectStatus(
      await client.call(Command.SET_SUPERVISED_BOOT_POLICY, { policy: SupbootPolicy.HOLD_RESET }),
      'OK',
    );
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    await simulateReboot(policy);
    await writeBoot(bed, { 'config.txt': 'tampered' });
    await simulateReboot(policy);
    expectStatus(
      await client.call(Command.GET_MODEL),
      'ERR_DEVICE_HALTED',
      'a held device answers nothing',
    );
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'ERR_DEVICE_HALTED');
    await bed.restart(); // a power cycle checks again: still held
    const again = await bed.connect();
    expectStatus(await again.call(Command.GET_CPU_TEMP), 'ERR_DEVICE_HALTED');
    await writeBoot(bed, { 'config.txt': 'good' });
    await simulateReboot(bed.device.policy);
    expectStatus(
      await again.call(Command.SIGN_DIGEST, { slot: 15, digest: new Uint8Array(32) }),
      'OK',
    );
    expectStatus(
      await again.call(Command.SET_SUPERVISED_BOOT_POLICY, { policy: SupbootPolicy.DESTROY }),
      'OK',
      'no limit after the lock',
    );
    await writeBoot(bed, { 'config.txt': 'tampered again' });
    await simulateReboot(bed.device.policy);
    expectStatus(
      await again.call(Command.SIGN_DIGEST, { slot: 15, digest: new Uint8Array(32) }),
      'ERR_SELF_DESTRUCTED',
    );
    assert.equal(bed.device.policy.policy.state.destroyed?.cause, 'supervised-boot');
  });
});

void test('quirk #126: no policy call, and a production failure self-destructs', async () => {
  await withTestbed(
    { model: 'scm', firmware: '01.00.00', quirks: ['supboot-policy-unimplemented'] },
    async (bed, client) => {
      expectStatus(
        await client.call(Command.SET_SUPERVISED_BOOT_POLICY, { policy: SupbootPolicy.NO_ACTION }),
        'ERR_SUPBOOT_POLICY_UNSUPPORTED',
      );
      await writeBoot(bed, { 'config.txt': 'good' });
      expectStatus(
        await client.call(Command.ADD_OR_UPDATE_SUPERVISED_BOOT_FILE, {
          path: 'config.txt',
          slot: 15,
        }),
        'OK',
      );
      expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
      await simulateReboot(bed.device.policy);
      await writeBoot(bed, { 'config.txt': 'bad' });
      await simulateReboot(bed.device.policy);
      assert.equal(bed.device.policy.policy.state.destroyed?.cause, 'supervised-boot');
    },
  );
});

void test('a reset keeps the device busy (ERR_BUSY) until DEVICE_RESET', async () => {
  await withTestbed({ model: 'hsm6', resetMs: 1500 }, async (_bed, client) => {
    const answer = await client.call(Command.SET_I2C_ADDRESS, { address: 0x31 });
    expectStatus(answer, 'OK');
    assert.equal(answer.out['reset'], true);
    await new Promise((r) => setTimeout(r, 20));
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'ERR_BUSY');
    assert.equal(client.eventsOf(Event.DEVICE_RESET).length, 0, 'sent once it works again');
    await client.until(() => client.eventsOf(Event.DEVICE_RESET).length === 1);
    expectStatus(await client.call(Command.GET_CPU_TEMP), 'OK');
  });
});

void test('quirk #99: a perimeter action change resets the device, busy for 10 s', async () => {
  await withTestbed(
    { model: 'scm', firmware: '00.00.40alpha', quirks: ['perimeter-action-resets'] },
    async (_bed, client) => {
      expectStatus(
        await client.call(Command.SET_PERIMETER_EVENT_ACTION, {
          channel: 0,
          actions: PerimeterAction.NOTIFY,
        }),
        'OK',
      );
      await new Promise((r) => setTimeout(r, 20));
      expectStatus(await client.call(Command.GET_CPU_TEMP), 'ERR_BUSY');
      expectStatus(await client.call(Command.LED_ON), 'ERR_BUSY');
    },
  );
});

void test('quirk #159: generated key pairs are gone after a reboot; factory keys stay', async () => {
  for (const quirky of [true, false]) {
    await withTestbed(
      { model: 'scm', ...(quirky ? { quirks: 'all' as const } : {}) },
      async (bed, client) => {
        const made = await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 });
        expectStatus(made, 'OK');
        const slot = made.out['slot'] as number;
        assert.ok(slot >= 16);
        await simulateReboot(bed.device.policy);
        expectStatus(
          await client.call(Command.EXPORT_PUBKEY, { slot, foreign: false }),
          quirky ? 'ERR_NO_SUCH_SLOT' : 'OK',
        );
        expectStatus(await client.call(Command.EXPORT_PUBKEY, { slot: 0, foreign: false }), 'OK');
      },
    );
  }
});

void test('quirk #114: the LED goes dark after a perimeter action change', async () => {
  await withTestbed(
    { model: 'scm', firmware: '00.00.51beta', quirks: ['perimeter-action-led-off'] },
    async (bed, client) => {
      expectStatus(
        await client.call(Command.SET_PERIMETER_EVENT_ACTION, {
          channel: 1,
          actions: PerimeterAction.NOTIFY,
        }),
        'OK',
      );
      await client.until(() => client.eventsOf(Event.LED_CHANGED).length === 1);
      assert.equal(client.eventsOf(Event.LED_CHANGED)[0]?.['mode'], LedMode.OFF);
      const state = bed.device.policy.policy.state;
      const since = state.led.override?.since ?? -1;
      // What the timer does a minute later (PERIMETER_LED_OFF_MS): the pattern comes back.
      await bed.device.policy.apply((p) => {
        endLedOverride(p, since);
        settleLed(p);
        return undefined;
      });
      assert.equal(ledView(state).pattern, LedPattern.DEVELOPER);
      // The runtime's delayed step runs, and a failure in it is recorded, not thrown.
      let ran = false;
      bed.device.policy.later(10, () => {
        ran = true;
        return Promise.reject(new Error('disk gone'));
      });
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(ran, true);
      assert.equal(bed.device.internalErrors.length, 1);
      bed.device.internalErrors.length = 0; // the testbed checks that none is left
    },
  );
});
