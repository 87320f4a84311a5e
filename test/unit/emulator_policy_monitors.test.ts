// Device policy model, monitors (src/emulator/policy/monitors.ts): battery threshold bounds and
// actions, CPU temperature bounds and actions, "must be set before lock", production vs developer
// behaviour per model (SCM codes 4/1, 20/1, 20/2), host communications, and the EDU variant.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LedMode, LedPattern, ThresholdAction } from '../../src/protocol/constants.generated.ts';
import {
  getBatteryVoltage,
  getCpuTemp,
  ledView,
  lockBinding,
  reboot,
  refusal,
  setBatteryReading,
  setBatteryVoltageAction,
  setBatteryVoltageThreshold,
  setCpuHighTempThreshold,
  setCpuLowTempThreshold,
  setCpuTempAction,
  setCpuTempReading,
  setHostComms,
  type Policy,
} from '../../src/emulator/policy/index.ts';
import { assertRefused, bootedPolicy } from './fixtures/policy_env.ts';

function production(policy: Policy): void {
  lockBinding(policy);
  reboot(policy);
}

function fatalOf(policy: Policy): [number, number, number] {
  const v = ledView(policy.state);
  assert.equal(v.pattern, LedPattern.FATAL);
  return [v.fatalMain, v.fatalSub, v.fatalRepeats];
}

void describe('monitors: availability and defaults', () => {
  for (const model of ['zymkey4', 'hsm4'] as const) {
    void test(`${model} has no monitor commands`, () => {
      const { policy } = bootedPolicy(model);
      assertRefused(() => getBatteryVoltage(policy), 'ERR_UNSUPPORTED_MODEL');
      assertRefused(() => getCpuTemp(policy), 'ERR_UNSUPPORTED_MODEL');
      assertRefused(() => setBatteryVoltageAction(policy, 0), 'ERR_UNSUPPORTED_MODEL');
      assertRefused(() => setBatteryVoltageThreshold(policy, 2.2), 'ERR_UNSUPPORTED_MODEL');
      assertRefused(() => setCpuTempAction(policy, 0), 'ERR_UNSUPPORTED_MODEL');
      assertRefused(() => setCpuLowTempThreshold(policy, 0), 'ERR_UNSUPPORTED_MODEL');
      assertRefused(() => setCpuHighTempThreshold(policy, 70), 'ERR_UNSUPPORTED_MODEL');
    });
  }

  for (const model of ['hsm6', 'scm'] as const) {
    void test(`${model}: readings and defaults (2.3 V, −10/65 °C, actions none)`, () => {
      const { policy } = bootedPolicy(model);
      assert.equal(getBatteryVoltage(policy), 3.0);
      assert.equal(getCpuTemp(policy), 35);
      assert.deepEqual(policy.state.battery, { volts: 3.0, threshold: 2.3, action: 0 });
      assert.deepEqual(policy.state.temperature, { celsius: 35, low: -10, high: 65, action: 0 });
      setBatteryReading(policy, 2.71);
      setCpuTempReading(policy, 48.5);
      assert.equal(getBatteryVoltage(policy), 2.71);
      assert.equal(getCpuTemp(policy), 48.5);
      // With action NONE, nothing happens below the threshold or out of bounds.
      setBatteryReading(policy, 1.0);
      setCpuTempReading(policy, 99);
      assert.equal(refusal(policy.state, 'security'), undefined);
      assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
    });
  }
});

void describe('monitors: argument rules', () => {
  void test('battery threshold: above 0 and below 2.5 V', () => {
    const { policy } = bootedPolicy('hsm6');
    for (const ok of [0.01, 1.8, 2.3, 2.49]) {
      setBatteryVoltageThreshold(policy, ok);
      assert.equal(policy.state.battery.threshold, ok);
    }
    for (const bad of [2.5, 2.75, 3.0, 0, -1]) {
      assertRefused(() => setBatteryVoltageThreshold(policy, bad), 'ERR_THRESHOLD_RANGE');
    }
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      assertRefused(() => setBatteryVoltageThreshold(policy, bad), 'ERR_INVALID_ARG');
    }
    assert.equal(policy.state.battery.threshold, 2.49);
  });

  void test('issue #93 variant: early SCM firmware let 2.5-3.0 V through', () => {
    const { policy } = bootedPolicy('scm', { quirks: ['battery-threshold-unchecked'] });
    setBatteryVoltageThreshold(policy, 2.75);
    assert.equal(policy.state.battery.threshold, 2.75);
    assertRefused(() => setBatteryVoltageThreshold(policy, 3.0), 'ERR_THRESHOLD_RANGE');
  });

  void test('actions: battery NONE/SELF_DESTRUCT/SLEEP, temperature NONE/SELF_DESTRUCT', () => {
    const { policy } = bootedPolicy('scm');
    for (const a of [ThresholdAction.SLEEP, ThresholdAction.SELF_DESTRUCT, ThresholdAction.NONE]) {
      setBatteryVoltageAction(policy, a);
      assert.equal(policy.state.battery.action, a);
    }
    assertRefused(() => setBatteryVoltageAction(policy, 3), 'ERR_INVALID_ARG');
    assertRefused(() => setCpuTempAction(policy, ThresholdAction.SLEEP), 'ERR_INVALID_ARG');
    setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
    assert.equal(policy.state.temperature.action, ThresholdAction.SELF_DESTRUCT);
  });

  void test('temperature bounds: low stays below high', () => {
    const { policy } = bootedPolicy('hsm6');
    setCpuLowTempThreshold(policy, 20);
    setCpuHighTempThreshold(policy, 40);
    assertRefused(() => setCpuLowTempThreshold(policy, 40), 'ERR_THRESHOLD_RANGE');
    assertRefused(() => setCpuHighTempThreshold(policy, 20), 'ERR_THRESHOLD_RANGE');
    assertRefused(() => setCpuHighTempThreshold(policy, 19), 'ERR_THRESHOLD_RANGE');
    assertRefused(() => setCpuLowTempThreshold(policy, Number.NaN), 'ERR_INVALID_ARG');
    assert.deepEqual([policy.state.temperature.low, policy.state.temperature.high], [20, 40]);
  });

  void test('simulation inputs reject impossible readings', () => {
    const { policy } = bootedPolicy('hsm6');
    assertRefused(() => setBatteryReading(policy, -0.1), 'ERR_INVALID_ARG');
    assertRefused(() => setBatteryReading(policy, Number.NaN), 'ERR_INVALID_ARG');
    assertRefused(() => setCpuTempReading(policy, Infinity), 'ERR_INVALID_ARG');
  });

  void test('the EDU variant refuses destructive monitor actions', () => {
    const { policy } = bootedPolicy('hsm6', { noSelfDestruct: true });
    assertRefused(
      () => setBatteryVoltageAction(policy, ThresholdAction.SELF_DESTRUCT),
      'ERR_UNSUPPORTED_MODEL',
    );
    assertRefused(
      () => setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT),
      'ERR_UNSUPPORTED_MODEL',
    );
    setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
  });

  void test('policies must be set before the lock: frozen once production is in effect', () => {
    const { policy } = bootedPolicy('scm');
    lockBinding(policy);
    // Locked but not yet rebooted: still settable.
    setBatteryVoltageThreshold(policy, 2.4);
    setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
    reboot(policy);
    assertRefused(() => setBatteryVoltageAction(policy, 0), 'ERR_ACTION_LOCKED');
    assertRefused(() => setBatteryVoltageThreshold(policy, 2.2), 'ERR_ACTION_LOCKED');
    assertRefused(() => setCpuTempAction(policy, 0), 'ERR_ACTION_LOCKED');
    assertRefused(() => setCpuLowTempThreshold(policy, 0), 'ERR_ACTION_LOCKED');
    assertRefused(() => setCpuHighTempThreshold(policy, 60), 'ERR_ACTION_LOCKED');
    assert.equal(policy.state.battery.threshold, 2.4);
  });
});

void describe('monitors: battery policies', () => {
  for (const model of ['hsm6', 'scm'] as const) {
    void test(`${model}: production SELF_DESTRUCT below the threshold destroys the keys`, () => {
      const { policy } = bootedPolicy(model);
      setBatteryVoltageAction(policy, ThresholdAction.SELF_DESTRUCT);
      production(policy);
      assert.deepEqual(setBatteryReading(policy, 2.31), []);
      assert.ok(setBatteryReading(policy, 2.29).includes('factory-keys'));
      assert.equal(policy.state.destroyed?.cause, 'battery');
      assert.equal(refusal(policy.state, 'security'), 'ERR_SELF_DESTRUCTED');
      assert.deepEqual(fatalOf(policy), [model === 'scm' ? 6 : 5, 0, 0]);
    });

    void test(`${model}: production SLEEP holds the device until the battery recovers`, () => {
      const { policy } = bootedPolicy(model);
      setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
      production(policy);
      setBatteryReading(policy, 2.0);
      assert.equal(refusal(policy.state, 'device'), 'ERR_DEVICE_HALTED');
      assert.equal(ledView(policy.state).mode, LedMode.OFF);
      reboot(policy);
      assert.equal(refusal(policy.state, 'security'), 'ERR_DEVICE_HALTED', 'does not boot');
      setBatteryReading(policy, 3.0);
      assert.equal(refusal(policy.state, 'security'), undefined);
      assert.equal(ledView(policy.state).pattern, LedPattern.PRODUCTION);
      assert.equal(policy.state.destroyed, null);
    });
  }

  void test('scm developer mode: low battery shows 4/1, and again at every boot while low', () => {
    const tp = bootedPolicy('scm');
    const { policy } = tp;
    setBatteryVoltageAction(policy, ThresholdAction.SELF_DESTRUCT);
    setBatteryReading(policy, 2.0);
    assert.deepEqual(fatalOf(policy), [4, 1, 3]);
    assert.equal(policy.state.destroyed, null);
    assertRefused(() => setBatteryVoltageAction(policy, 0), 'ERR_DEVICE_HALTED');
    tp.advance(60_000);
    reboot(policy);
    assert.deepEqual(fatalOf(policy), [4, 1, 3], 'still low: locked out');
    setBatteryReading(policy, 3.0); // battery replaced
    reboot(policy);
    assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
    assert.equal(refusal(policy.state, 'security'), undefined);
  });

  void test('scm developer mode: SLEEP shows 4/1 as well', () => {
    const { policy } = bootedPolicy('scm');
    setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
    setBatteryReading(policy, 2.0);
    assert.deepEqual(fatalOf(policy), [4, 1, 3]);
  });

  void test('hsm6 developer mode: SELF_DESTRUCT does nothing, SLEEP still holds', () => {
    const { policy } = bootedPolicy('hsm6');
    setBatteryVoltageAction(policy, ThresholdAction.SELF_DESTRUCT);
    assert.deepEqual(setBatteryReading(policy, 2.0), []);
    assert.equal(refusal(policy.state, 'security'), undefined);
    setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
    assert.equal(refusal(policy.state, 'security'), 'ERR_DEVICE_HALTED');
  });

  void test('a low battery under a pending lock is acted on at the boot that makes it production', () => {
    const { policy } = bootedPolicy('hsm6');
    setBatteryReading(policy, 2.35);
    setBatteryVoltageAction(policy, ThresholdAction.SELF_DESTRUCT);
    lockBinding(policy);
    setBatteryVoltageThreshold(policy, 2.4); // above the reading, still developer rules
    assert.equal(policy.state.destroyed === null, true, 'not live before the reboot');
    assert.ok(reboot(policy).wiped.includes('factory-keys'), 'live at the boot');
    assert.equal(policy.state.destroyed?.cause, 'battery');
  });
});

void describe('monitors: temperature policies', () => {
  void test('scm developer mode: 20/1 too cold, 20/2 too hot, recovery when back in range', () => {
    const { policy } = bootedPolicy('scm');
    setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
    setCpuTempReading(policy, 66);
    assert.deepEqual(fatalOf(policy), [20, 2, 3]);
    setCpuTempReading(policy, 30);
    reboot(policy);
    assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
    setCpuTempReading(policy, -11);
    assert.deepEqual(fatalOf(policy), [20, 1, 3]);
    setCpuTempReading(policy, -10); // the bound itself is in range
    reboot(policy);
    assert.equal(refusal(policy.state, 'security'), undefined);
  });

  void test('scm developer mode: a bad bound locks the device out', () => {
    const { policy } = bootedPolicy('scm');
    setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
    setCpuHighTempThreshold(policy, 30); // below room temperature (35 °C)
    assert.deepEqual(fatalOf(policy), [20, 2, 3]);
    reboot(policy);
    assertRefused(() => setCpuHighTempThreshold(policy, 65), 'ERR_DEVICE_HALTED');
  });

  void test('hsm6 developer mode: temperature self-destruct does nothing', () => {
    const { policy } = bootedPolicy('hsm6');
    setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
    assert.deepEqual(setCpuTempReading(policy, 90), []);
    assert.equal(refusal(policy.state, 'security'), undefined);
  });

  for (const model of ['hsm6', 'scm'] as const) {
    void test(`${model}: production destroys on an excursion (API contract)`, () => {
      const { policy } = bootedPolicy(model);
      setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
      production(policy);
      assert.ok(setCpuTempReading(policy, 70).includes('factory-keys'));
      assert.equal(policy.state.destroyed?.cause, 'temperature');
      assert.deepEqual(fatalOf(policy), [model === 'scm' ? 6 : 5, 0, 0]);
    });
  }

  void test('"hold" variant (SCM FAQ: do not boot): halted while out of range, no destruction', () => {
    const { policy } = bootedPolicy('scm', { productionTemperature: 'hold' });
    setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
    production(policy);
    assert.deepEqual(setCpuTempReading(policy, -20), []);
    assert.equal(refusal(policy.state, 'security'), 'ERR_DEVICE_HALTED');
    reboot(policy);
    assert.equal(refusal(policy.state, 'security'), 'ERR_DEVICE_HALTED');
    setCpuTempReading(policy, 20);
    assert.equal(refusal(policy.state, 'security'), undefined);
    assert.equal(policy.state.destroyed, null);
  });
});

void describe('host communications', () => {
  void test('zymkey4: lost link shows the 8-blink failure until restored', () => {
    const { policy } = bootedPolicy('zymkey4');
    setHostComms(policy, false);
    assert.deepEqual(fatalOf(policy), [8, 0, 0]);
    setHostComms(policy, true);
    assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
  });

  void test('scm: lost link shows main code 8, three rounds, then the reboot recovers', () => {
    const { policy } = bootedPolicy('scm');
    setHostComms(policy, false);
    assert.deepEqual(fatalOf(policy), [8, 0, 3]);
    assert.equal(refusal(policy.state, 'device'), 'ERR_DEVICE_HALTED');
    reboot(policy);
    assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
    assert.equal(policy.state.power.hostComms, true);
  });
});
