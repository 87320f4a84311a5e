// Device policy model, LED (src/emulator/policy/led.ts, led_timeline.ts): every status pattern of
// the vendor LED tables rendered interval by interval, the SCM fatal sequence for every code of
// the table, LED_ON/LED_OFF/LED_FLASH overrides and when a status change replaces them.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LedMode,
  LedPattern,
  PerimeterAction,
  ThresholdAction,
} from '../../src/protocol/constants.generated.ts';
import {
  cutLockTab,
  fatalRebootAt,
  ledFlash,
  ledOff,
  ledOn,
  ledProgramEnd,
  ledTimeline,
  ledView,
  lockBinding,
  breach,
  reboot,
  setBatteryVoltageThreshold,
  setPerimeterEventAction,
  type LedInterval,
  type LedView,
} from '../../src/emulator/policy/index.ts';
import {
  HOST_A,
  HOST_B,
  T0,
  assertRefused,
  bootedPolicy,
  freshPolicy,
} from './fixtures/policy_env.ts';

const on = (ms: number): LedInterval => ({ on: true, ms });
const off = (ms: number): LedInterval => ({ on: false, ms });

/** `n` flashes of `onMs`, `gapMs` apart, written out by hand. */
function flashes(n: number, onMs: number, gapMs: number): LedInterval[] {
  const out: LedInterval[] = [];
  for (let i = 0; i < n; i++) out.push(...(i === 0 ? [] : [off(gapMs)]), on(onMs));
  return out;
}

/** The docs' fatal round: 10 very rapid flashes, 1 s off, main, (1 s off, sub,) 1 s off. */
function round(main: number, sub: number): LedInterval[] {
  return [
    ...flashes(10, 50, 50),
    off(1000),
    ...flashes(main, 500, 500),
    ...(sub > 0 ? [off(1000), ...flashes(sub, 500, 500)] : []),
    off(1000),
  ];
}

const total = (xs: readonly LedInterval[]): number => xs.reduce((t, x) => t + x.ms, 0);

/** Joins interval lists, merging equal neighbours as the renderer does. */
function merged(...parts: LedInterval[][]): LedInterval[] {
  const out: LedInterval[] = [];
  for (const x of parts.flat()) {
    const last = out[out.length - 1];
    if (last?.on === x.on) last.ms += x.ms;
    else out.push({ ...x });
  }
  return out;
}

function fatalView(main: number, sub: number, repeats: number, since = T0): LedView {
  return {
    mode: LedMode.PATTERN,
    pattern: LedPattern.FATAL,
    onMs: 0,
    offMs: 0,
    numFlashes: 0,
    fatalMain: main,
    fatalSub: sub,
    fatalRepeats: repeats,
    since,
  };
}

void describe('LED: status patterns (Zymkey4/HSM4/HSM6 table, same on SCM)', () => {
  void test('unbound: about 5 blinks per second, continuous', () => {
    const { policy } = freshPolicy('hsm6');
    reboot(policy, { host: null });
    const v = ledView(policy.state);
    assert.equal(v.pattern, LedPattern.UNBOUND);
    assert.deepEqual(
      ledTimeline(v, v.since, v.since + 1000),
      merged(...Array.from({ length: 5 }, () => [on(100), off(100)])),
    );
    // Before the pattern started the LED counts as off.
    assert.deepEqual(ledTimeline(v, v.since - 1000, v.since + 200), [off(1000), on(100), off(100)]);
  });

  void test('developer: one blink every 3 s; the window may start mid-cycle', () => {
    const v = ledView(bootedPolicy('hsm4').policy.state);
    assert.equal(v.pattern, LedPattern.DEVELOPER);
    assert.deepEqual(ledTimeline(v, v.since, v.since + 6000), [
      on(100),
      off(2900),
      on(100),
      off(2900),
    ]);
    assert.deepEqual(ledTimeline(v, v.since + 50, v.since + 3050), [on(50), off(2900), on(50)]);
    const far = v.since + 3000 * 1_000_000;
    assert.deepEqual(ledTimeline(v, far, far + 3000), [on(100), off(2900)], 'phase kept far on');
  });

  void test('production: three rapid blinks every 3 s', () => {
    const { policy } = bootedPolicy('zymkey4');
    cutLockTab(policy);
    const v = ledView(policy.state);
    assert.equal(v.pattern, LedPattern.PRODUCTION);
    const cycle = [on(100), off(100), on(100), off(100), on(100), off(2500)];
    assert.deepEqual(ledTimeline(v, v.since, v.since + 6000), [...cycle, ...cycle]);
  });

  void test('cannot bind: rapid blinking, then off for good', () => {
    const { policy } = bootedPolicy('hsm6');
    lockBinding(policy);
    reboot(policy, { host: HOST_B });
    const v = ledView(policy.state);
    assert.equal(v.pattern, LedPattern.CANNOT_BIND);
    const tl = ledTimeline(v, v.since, v.since + 12_000);
    assert.deepEqual(
      tl,
      merged(...Array.from({ length: 50 }, () => [on(100), off(100)]), [off(2000)]),
    );
    assert.equal(tl.length, 100);
    assert.deepEqual(ledTimeline(v, v.since + 20_000, v.since + 25_000), [off(5000)]);
    assert.equal(ledProgramEnd(v), v.since + 10_000);
  });

  void test('failure with 5 slow blinks (destroyed Zymkey4/HSM), repeating for ever', () => {
    const { policy } = bootedPolicy('hsm6');
    setPerimeterEventAction(policy, 0, PerimeterAction.SELF_DESTRUCT);
    lockBinding(policy);
    reboot(policy, { host: HOST_A });
    breach(policy, 0);
    const v = ledView(policy.state);
    assert.deepEqual([v.fatalMain, v.fatalSub, v.fatalRepeats], [5, 0, 0]);
    const r = round(5, 0);
    assert.equal(total(r), 950 + 1000 + 4500 + 1000);
    assert.deepEqual(ledTimeline(v, v.since, v.since + 3 * total(r)), merged(r, r, r));
    assert.equal(ledProgramEnd(v), undefined);
  });

  void test('failure with 8 slow blinks: the same shape', () => {
    const v = fatalView(8, 0, 0);
    const r = round(8, 0);
    assert.deepEqual(ledTimeline(v, T0, T0 + 2 * total(r)), merged(r, r));
  });
});

void describe('LED: SCM fatal sequence', () => {
  void test('6/1 interval by interval: three rounds, then the device reboots (dark)', () => {
    const { policy } = bootedPolicy('scm');
    setPerimeterEventAction(policy, 0, PerimeterAction.SELF_DESTRUCT);
    breach(policy, 0);
    const v = ledView(policy.state);
    assert.deepEqual([v.fatalMain, v.fatalSub, v.fatalRepeats], [6, 1, 3]);
    const r = round(6, 1);
    assert.equal(total(r), 950 + 1000 + 5500 + 1000 + 500 + 1000);
    assert.deepEqual(
      ledTimeline(v, v.since, v.since + 3 * total(r) + 5000),
      merged(r, r, r, [off(5000)]),
    );
    assert.equal(ledProgramEnd(v), v.since + 3 * total(r));
    assert.equal(fatalRebootAt(policy.state), v.since + 3 * total(r));
  });

  // Every code of the current table, plus 4/1 from the developer/production table.
  const CODES: [number, number][] = [
    [4, 1],
    [4, 2],
    [5, 0],
    [6, 0],
    [6, 1],
    [6, 2],
    [6, 3],
    [8, 0],
    [20, 1],
    [20, 2],
    [22, 9],
  ];
  for (const [main, sub] of CODES) {
    void test(`code ${main}${sub > 0 ? `/${sub}` : ''}: preamble, main, sub, 3 rounds`, () => {
      const v = fatalView(main, sub, 3);
      const tl = ledTimeline(v, T0, T0 + 200_000);
      const r = round(main, sub);
      assert.deepEqual(tl, merged(r, r, r, [off(200_000 - 3 * total(r))]));
      const ons = tl.filter((x) => x.on);
      assert.equal(ons.filter((x) => x.ms === 50).length, 30, '10 rapid flashes per round');
      assert.equal(ons.filter((x) => x.ms === 500).length, 3 * (main + sub));
      const expected = 950 + 1000 + (main * 1000 - 500) + (sub > 0 ? 500 + sub * 1000 : 0) + 1000;
      assert.equal(total(r), expected);
    });
  }
});

void describe('LED: host commands', () => {
  void test('LED_ON and LED_OFF are steady', () => {
    const tp = bootedPolicy('hsm6');
    tp.advance(1234);
    ledOn(tp.policy);
    let v = ledView(tp.policy.state);
    assert.deepEqual([v.mode, v.pattern, v.since], [LedMode.ON, LedPattern.NONE, T0 + 1234]);
    assert.deepEqual(ledTimeline(v, v.since, v.since + 10_000), [on(10_000)]);
    ledOff(tp.policy);
    v = ledView(tp.policy.state);
    assert.equal(v.mode, LedMode.OFF);
    assert.deepEqual(ledTimeline(v, v.since - 10, v.since + 10_000), [off(10_010)]);
  });

  void test('LED_FLASH: n flashes then off; off_ms 0 means on_ms; 0 flashes means for ever', () => {
    const { policy } = bootedPolicy('scm');
    ledFlash(policy, 100, 0, 3);
    let v = ledView(policy.state);
    assert.deepEqual([v.mode, v.onMs, v.offMs, v.numFlashes], [LedMode.FLASH, 100, 100, 3]);
    assert.deepEqual(ledTimeline(v, v.since, v.since + 1000), [
      on(100),
      off(100),
      on(100),
      off(100),
      on(100),
      off(500),
    ]);
    assert.equal(ledProgramEnd(v), v.since + 600);
    ledFlash(policy, 30, 70);
    v = ledView(policy.state);
    assert.deepEqual(ledTimeline(v, v.since, v.since + 200), [on(30), off(70), on(30), off(70)]);
    assert.equal(ledProgramEnd(v), undefined);
    ledFlash(policy, 1, 1, 0xffff_ffff);
    v = ledView(policy.state);
    const late = v.since + 2 * 1_000_000_000;
    assert.deepEqual(ledTimeline(v, late, late + 4), [on(1), off(1), on(1), off(1)]);
    assert.throws(() => ledTimeline(v, v.since, v.since + 1_000_000), RangeError);
    assert.throws(() => ledTimeline(v, v.since + 10, v.since), RangeError);
  });

  void test('LED_FLASH arguments', () => {
    const { policy } = bootedPolicy('hsm6');
    assertRefused(() => {
      ledFlash(policy, 0);
    }, 'ERR_OUT_OF_RANGE');
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
      assertRefused(() => {
        ledFlash(policy, bad);
      }, 'ERR_INVALID_ARG');
      assertRefused(() => {
        ledFlash(policy, 100, bad);
      }, 'ERR_INVALID_ARG');
      assertRefused(() => {
        ledFlash(policy, 100, 100, bad);
      }, 'ERR_INVALID_ARG');
    }
  });

  void test('an override stands until the device changes its own pattern or resets', () => {
    const { policy } = bootedPolicy('hsm6');
    ledOn(policy);
    lockBinding(policy); // no pattern change before the reboot
    setBatteryVoltageThreshold(policy, 2.2);
    assert.equal(ledView(policy.state).mode, LedMode.ON);
    reboot(policy);
    assert.equal(ledView(policy.state).pattern, LedPattern.PRODUCTION);

    const scm = bootedPolicy('scm').policy;
    setPerimeterEventAction(scm, 1, PerimeterAction.SELF_DESTRUCT);
    ledFlash(scm, 200);
    breach(scm, 1); // the fatal code replaces the host's flashing
    assert.equal(ledView(scm.state).pattern, LedPattern.FATAL);
    assertRefused(() => {
      ledOn(scm);
    }, 'ERR_DEVICE_HALTED');
  });

  void test('destroyed devices by model: 5-blink failure, SCM 5 (tamper) or 6 (battery)', () => {
    for (const model of ['zymkey4', 'scm'] as const) {
      const { policy } = bootedPolicy(model);
      setPerimeterEventAction(policy, 0, PerimeterAction.SELF_DESTRUCT);
      if (model === 'zymkey4') cutLockTab(policy);
      else {
        lockBinding(policy);
        reboot(policy);
      }
      breach(policy, 0);
      assert.equal(ledView(policy.state).fatalMain, 5);
    }
    const { policy } = bootedPolicy('scm');
    policy.state.battery.action = ThresholdAction.SELF_DESTRUCT;
    lockBinding(policy);
    policy.state.battery.volts = 1.0;
    reboot(policy);
    assert.deepEqual([ledView(policy.state).fatalMain, ledView(policy.state).fatalRepeats], [6, 0]);
  });
});
