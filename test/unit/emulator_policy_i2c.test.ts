// Device policy model, I2C address (src/emulator/policy/i2c.ts): only 0x30-0x37 and 0x60-0x67,
// a change resets the device, the same address does not, and USB devices (SCM) have none.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LedMode,
  LedPattern,
  ResetReason,
  ThresholdAction,
} from '../../src/protocol/constants.generated.ts';
import {
  DEFAULT_I2C_ADDRESS,
  isValidI2cAddress,
  ledOn,
  ledView,
  lockBinding,
  setBatteryReading,
  setBatteryVoltageAction,
  setI2cAddress,
} from '../../src/emulator/policy/index.ts';
import { T0, assertRefused, bootedPolicy } from './fixtures/policy_env.ts';

const VALID = [
  ...Array.from({ length: 8 }, (_, i) => 0x30 + i),
  ...Array.from({ length: 8 }, (_, i) => 0x60 + i),
];

void describe('I2C address', () => {
  void test('exactly 0x30-0x37 and 0x60-0x67 are valid among all 7- and 8-bit values', () => {
    for (let a = 0; a <= 0xff; a++)
      assert.equal(isValidI2cAddress(a), VALID.includes(a), `0x${a.toString(16)}`);
    assert.equal(isValidI2cAddress(0x30 + 0.5), false);
  });

  for (const model of ['zymkey4', 'hsm4', 'hsm6'] as const) {
    void test(`${model}: every valid address is accepted with a reset; others refused`, () => {
      const tp = bootedPolicy(model);
      const { policy } = tp;
      assert.equal(policy.state.i2c.address, DEFAULT_I2C_ADDRESS);
      let resets = policy.state.resets.count;
      for (const a of [...VALID].reverse()) {
        tp.advance(1000);
        const r = setI2cAddress(policy, a);
        // Walking down from 0x67 every step is a change, the last one back to 0x30 included.
        assert.equal(r.reset, true);
        resets += 1;
        assert.equal(policy.state.resets.count, resets);
        assert.deepEqual(policy.state.resets.last, {
          reason: ResetReason.I2C_ADDRESS,
          at: Math.floor(tp.now() / 1000),
        });
        assert.equal(r.boot?.bound, true, 'still bound after the reset');
        assert.equal(policy.state.i2c.address, a);
      }
      for (const bad of [0x00, 0x2f, 0x38, 0x5f, 0x68, 0x7f, 0xff, 0x130]) {
        assertRefused(() => setI2cAddress(policy, bad), 'ERR_I2C_ADDRESS_INVALID');
      }
      assertRefused(() => setI2cAddress(policy, 0x31 + 0.25), 'ERR_INVALID_ARG');
      assert.equal(policy.state.i2c.address, 0x30);
    });
  }

  void test('the same address succeeds without a reset; a change resets once', () => {
    const tp = bootedPolicy('hsm6');
    const { policy } = tp;
    const before = policy.state.resets.count;
    assert.deepEqual(setI2cAddress(policy, 0x30), { reset: false, boot: null });
    assert.equal(policy.state.resets.count, before);
    const r = setI2cAddress(policy, 0x65);
    assert.equal(r.reset, true);
    assert.equal(policy.state.resets.count, before + 1);
    assert.deepEqual(setI2cAddress(policy, 0x65), { reset: false, boot: null });
    assert.equal(policy.state.resets.count, before + 1);
  });

  void test('the reset ends host LED settings and completes a pending lock', () => {
    const tp = bootedPolicy('hsm4');
    const { policy } = tp;
    ledOn(policy);
    lockBinding(policy);
    tp.advance(500);
    setI2cAddress(policy, 0x31);
    const v = ledView(policy.state);
    assert.notEqual(v.mode, LedMode.ON);
    assert.equal(v.pattern, LedPattern.PRODUCTION);
    assert.equal(v.since, T0 + 500);
    assert.equal(policy.state.binding.production, true);
  });

  void test('not while the device is halted', () => {
    const { policy } = bootedPolicy('hsm6');
    setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
    setBatteryReading(policy, 1.0);
    assertRefused(() => setI2cAddress(policy, 0x31), 'ERR_DEVICE_HALTED');
  });

  void test('scm (USB) has no I2C address', () => {
    const { policy } = bootedPolicy('scm');
    assertRefused(() => setI2cAddress(policy, 0x31), 'ERR_UNSUPPORTED_MODEL');
    assertRefused(() => setI2cAddress(policy, 0x30), 'ERR_UNSUPPORTED_MODEL');
  });
});
