/**
 * The pure policy model's accelerometer/tap, digital-perimeter tuning, supervised boot and
 * firmware quirks (issue 7), with a hand-driven clock.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AccelAxis,
  LedPattern,
  ResetReason,
  SupbootPolicy,
  ThresholdAction,
} from '../../src/protocol/constants.generated.ts';
import {
  SUPBOOT_MANIFEST_MAX_BYTES,
  TAP_HISTORY,
  addOrUpdateBootFile,
  applyBootCheck,
  bootManifest,
  getAccelerometerData,
  haltReason,
  ledView,
  normalizeBootPath,
  reboot,
  refusal,
  removeBootFile,
  setAccelReading,
  setBatteryVoltageAction,
  setBatteryVoltageThreshold,
  setDigitalPerimeterDelays,
  setDigitalPerimeterLpMaxBits,
  setDigitalPerimeterLpPeriod,
  setBatteryReading,
  setSupervisedBootPolicy,
  setTapSensitivity,
  simulateTap,
  tapThresholdG,
  tapsAfter,
  type BootCheck,
  type BootFileEntry,
  type Policy,
} from '../../src/emulator/policy/index.ts';
import { resolveQuirks } from '../../src/emulator/firmware_profile.ts';
import { modelSpec } from '../../src/emulator/models.ts';
import { assertRefused, bootedPolicy, lock } from './fixtures/policy_env.ts';

const entry = (path: string, slot = 15): BootFileEntry => ({
  path,
  slot,
  digest: 'aa'.repeat(32),
  signature: 'bb'.repeat(64),
});
const FILE_FAILED: BootCheck = { status: 'file-failed', failed: ['config.txt'] };
const PROCESS_FAILED: BootCheck = { status: 'process-failed', failed: ['boot partition missing'] };
const OK: BootCheck = { status: 'ok', failed: [] };

function fatalCode(policy: Policy): [number, number, number] {
  const v = ledView(policy.state);
  assert.equal(v.pattern, LedPattern.FATAL, 'a fatal code shows');
  return [v.fatalMain, v.fatalSub, v.fatalRepeats];
}

void describe('accelerometer and tap', () => {
  void test('the threshold falls linearly from 4 g at 1 % to 0.25 g at 100 %; 0 % is off', () => {
    assert.equal(tapThresholdG(0), null);
    assert.equal(tapThresholdG(100), 0.25);
    assert.ok(Math.abs((tapThresholdG(1) ?? 0) - 4) < 1e-9);
    assert.ok((tapThresholdG(50) ?? 0) > (tapThresholdG(75) ?? 0));
  });

  void test('sensitivity per axis or ALL; range and argument errors', () => {
    const { policy } = bootedPolicy('zymkey4');
    setTapSensitivity(policy, AccelAxis.ALL, 80);
    setTapSensitivity(policy, AccelAxis.Y, 0);
    assert.deepEqual(policy.state.accel.sensitivity, [80, 0, 80]);
    assertRefused(() => {
      setTapSensitivity(policy, AccelAxis.X, 100.5);
    }, 'ERR_OUT_OF_RANGE');
    assertRefused(() => {
      setTapSensitivity(policy, AccelAxis.X, -1);
    }, 'ERR_OUT_OF_RANGE');
    assertRefused(() => {
      setTapSensitivity(policy, AccelAxis.X, Number.NaN);
    }, 'ERR_INVALID_ARG');
    assertRefused(() => {
      setTapSensitivity(policy, 4, 50);
    }, 'ERR_INVALID_ARG');
    assert.deepEqual(policy.state.accel.sensitivity, [80, 0, 80], 'refusals change nothing');
  });

  void test('a tap is detected when strong enough for its axis; it sets the last directions', () => {
    const tp = bootedPolicy('hsm6');
    const policy = tp.policy;
    setTapSensitivity(policy, AccelAxis.ALL, 100);
    setTapSensitivity(policy, AccelAxis.X, 0);
    assert.equal(simulateTap(policy, { axis: AccelAxis.X, direction: 1, forceG: 15 }), null);
    assert.equal(simulateTap(policy, { axis: AccelAxis.Z, direction: -1, forceG: 0.2 }), null);
    tp.advance(5);
    const tap = simulateTap(policy, { axis: AccelAxis.Z, direction: -1, forceG: 2 });
    assert.ok(tap);
    assert.deepEqual(tap.dirs, [0, 0, -1]);
    assert.deepEqual(tap.g, [0, 0, -1], 'resting 1 g on z plus the -2 g tap');
    assert.deepEqual(
      getAccelerometerData(policy).map((a) => a.tapDir),
      [0, 0, -1],
    );
    assert.deepEqual(tapsAfter(policy.state, 0), [tap]);
    assert.deepEqual(tapsAfter(policy.state, tap.seq), []);
    assertRefused(
      () => simulateTap(policy, { axis: AccelAxis.ALL, direction: 1, forceG: 1 }),
      'ERR_INVALID_ARG',
    );
    assertRefused(
      () => simulateTap(policy, { axis: AccelAxis.X, direction: 0, forceG: 1 }),
      'ERR_INVALID_ARG',
    );
    assertRefused(
      () => simulateTap(policy, { axis: AccelAxis.X, direction: 1, forceG: 17 }),
      'ERR_OUT_OF_RANGE',
    );
  });

  void test('only the last taps are kept; readings are checked; a halted device feels nothing', () => {
    const { policy } = bootedPolicy('hsm6');
    for (let i = 0; i < TAP_HISTORY + 5; i++) {
      simulateTap(policy, { axis: AccelAxis.Y, direction: 1, forceG: 10 });
    }
    assert.equal(policy.state.accel.taps.length, TAP_HISTORY);
    assert.equal(policy.state.accel.nextSeq, TAP_HISTORY + 6);
    setAccelReading(policy, [0.5, -0.25, 0.8]);
    assert.deepEqual(
      getAccelerometerData(policy).map((a) => a.g),
      [0.5, -0.25, 0.8],
    );
    assertRefused(() => {
      setAccelReading(policy, [0, 0]);
    }, 'ERR_INVALID_ARG');
    assertRefused(() => {
      setAccelReading(policy, [0, 0, 40]);
    }, 'ERR_OUT_OF_RANGE');
    setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
    setBatteryReading(policy, 2.0);
    assert.equal(haltReason(policy.state), 'battery-sleep');
    assert.equal(simulateTap(policy, { axis: AccelAxis.Y, direction: 1, forceG: 10 }), null);
    assertRefused(() => getAccelerometerData(policy), 'ERR_DEVICE_HALTED');
  });
});

void describe('digital perimeter tuning', () => {
  void test('the three settings, their bounds, and the models that have them', () => {
    const { policy } = bootedPolicy('scm');
    setDigitalPerimeterLpPeriod(policy, 250_000);
    setDigitalPerimeterLpMaxBits(policy, 16);
    setDigitalPerimeterDelays(policy, 1_000, 1_000);
    assert.deepEqual(policy.state.digitalPerimeter, {
      lpPeriodUs: 250_000,
      lpMaxBits: 16,
      minDelayNs: 1_000,
      maxDelayNs: 1_000,
    });
    assertRefused(() => {
      setDigitalPerimeterLpPeriod(policy, 0);
    }, 'ERR_OUT_OF_RANGE');
    assertRefused(() => {
      setDigitalPerimeterLpPeriod(policy, 10_000_001);
    }, 'ERR_OUT_OF_RANGE');
    assertRefused(() => {
      setDigitalPerimeterLpMaxBits(policy, 33);
    }, 'ERR_OUT_OF_RANGE');
    assertRefused(() => {
      setDigitalPerimeterDelays(policy, 2_000, 1_999);
    }, 'ERR_OUT_OF_RANGE');
    assertRefused(() => {
      setDigitalPerimeterDelays(policy, 0, 1_000_001);
    }, 'ERR_OUT_OF_RANGE');
    assert.equal(policy.state.digitalPerimeter.minDelayNs, 1_000, 'both or neither change');
    lock(policy);
    setDigitalPerimeterLpMaxBits(policy, 4); // production mode does not freeze it
    const zk = bootedPolicy('zymkey4').policy;
    assertRefused(() => {
      setDigitalPerimeterLpPeriod(zk, 1000);
    }, 'ERR_UNSUPPORTED_MODEL');
  });
});

void describe('supervised boot', () => {
  void test('paths are relative to /boot and stay inside it', () => {
    assert.equal(normalizeBootPath('overlays/vc4-kms-v3d.dtbo'), 'overlays/vc4-kms-v3d.dtbo');
    for (const bad of [
      '',
      '/boot/config.txt',
      '../etc/passwd',
      'overlays/../../x',
      'a//b',
      'dir/',
      './config.txt',
      'has space.txt',
      'back\\slash',
      'nul\0byte',
      'x'.repeat(256),
    ]) {
      assertRefused(() => normalizeBootPath(bad), 'ERR_SUPBOOT_PATH_INVALID');
    }
  });

  void test('manifest: add, update in place, remove, slots 0-15, capacity, models', () => {
    const { policy } = bootedPolicy('scm');
    addOrUpdateBootFile(policy, entry('config.txt'));
    addOrUpdateBootFile(policy, entry('cmdline.txt', 0));
    addOrUpdateBootFile(policy, { ...entry('config.txt', 14), digest: 'cc'.repeat(32) });
    assert.deepEqual(bootManifest(policy), ['config.txt', 'cmdline.txt']);
    assert.equal(policy.state.supervisedBoot.files[0]?.slot, 14);
    assertRefused(() => {
      addOrUpdateBootFile(policy, entry('x.bin', 16));
    }, 'ERR_SUPBOOT_SLOT_INVALID');
    assertRefused(() => {
      addOrUpdateBootFile(policy, entry('x.bin', -1));
    }, 'ERR_SUPBOOT_SLOT_INVALID');
    assertRefused(() => {
      removeBootFile(policy, 'x.bin');
    }, 'ERR_SUPBOOT_NOT_IN_MANIFEST');
    removeBootFile(policy, 'config.txt');
    assert.deepEqual(bootManifest(policy), ['cmdline.txt']);
    const name = (i: number): string => `f${String(i).padStart(3, '0')}-${'n'.repeat(90)}`;
    let added = 0;
    assertRefused(() => {
      for (;;) addOrUpdateBootFile(policy, entry(name(added++)));
    }, 'ERR_SUPBOOT_MANIFEST_FULL');
    const listing = bootManifest(policy).join(' ');
    assert.ok(new TextEncoder().encode(listing).length <= SUPBOOT_MANIFEST_MAX_BYTES);
    assertRefused(() => bootManifest(bootedPolicy('hsm6').policy), 'ERR_UNSUPPORTED_MODEL');
  });

  void test('quirk #87: names merge at 1 KB chunk boundaries', () => {
    const plain = bootedPolicy('scm').policy;
    const quirky = bootedPolicy('scm', { quirks: ['manifest-separator-lost'] }).policy;
    const names = Array.from({ length: 15 }, (_, i) => `file-${i}-${'x'.repeat(100)}.bin`);
    for (const p of [plain, quirky]) for (const n of names) addOrUpdateBootFile(p, entry(n));
    assert.deepEqual(bootManifest(plain), names);
    const merged = bootManifest(quirky);
    assert.equal(merged.length, names.length - 1, 'two chunks: one separator lost');
    assert.equal(merged.join(''), names.join(''));
    assert.ok(merged.some((n) => n.includes('.binfile-')));
  });

  void test('developer mode: 4/2 for a failed file, 22/9 when the check cannot run; then it runs', () => {
    const { policy } = bootedPolicy('scm');
    addOrUpdateBootFile(policy, entry('config.txt'));
    assert.deepEqual(applyBootCheck(policy, FILE_FAILED), []);
    assert.deepEqual(fatalCode(policy), [4, 2, 3]);
    assert.equal(refusal(policy.state, 'device'), 'ERR_DEVICE_HALTED', 'while the code shows');
    reboot(policy, { reason: ResetReason.FATAL }); // the end of the sequence: no new check
    assert.equal(refusal(policy.state, 'security'), undefined);
    reboot(policy, { reason: ResetReason.HOST_REBOOT, bootCheck: PROCESS_FAILED });
    assert.deepEqual(fatalCode(policy), [22, 9, 3]);
    assert.equal(policy.state.supervisedBoot.lastCheck?.status, 'process-failed');
    const alpha = bootedPolicy('scm', { quirks: ['led-alpha-codes'] }).policy;
    addOrUpdateBootFile(alpha, entry('config.txt'));
    applyBootCheck(alpha, FILE_FAILED);
    assert.deepEqual(fatalCode(alpha), [22, 9, 3], 'alpha firmware showed 22/9 for a file');
  });

  void test('production: NO_ACTION boots, HOLD_RESET holds until a good boot, DESTROY destroys', () => {
    const { policy } = bootedPolicy('scm');
    addOrUpdateBootFile(policy, entry('config.txt'));
    lock(policy);
    reboot(policy, { bootCheck: FILE_FAILED });
    assert.equal(refusal(policy.state, 'security'), undefined, 'NO_ACTION: boots anyway');
    setSupervisedBootPolicy(policy, SupbootPolicy.HOLD_RESET);
    reboot(policy, { bootCheck: FILE_FAILED });
    assert.equal(haltReason(policy.state), 'supervised-boot-hold');
    assert.deepEqual(fatalCode(policy), [4, 2, 0], 'shown for ever while held');
    reboot(policy, { reason: ResetReason.FATAL });
    assert.equal(haltReason(policy.state), 'supervised-boot-hold', 'a device reset does not help');
    reboot(policy, { bootCheck: OK });
    assert.equal(haltReason(policy.state), null);
    assert.equal(ledView(policy.state).pattern, LedPattern.PRODUCTION);
    setSupervisedBootPolicy(policy, SupbootPolicy.DESTROY);
    const wiped = reboot(policy, { bootCheck: FILE_FAILED }).wiped;
    assert.ok(wiped.includes('factory-keys'));
    assert.equal(policy.state.destroyed?.cause, 'supervised-boot');
    assert.equal(refusal(policy.state, 'security'), 'ERR_SELF_DESTRUCTED');
    assert.deepEqual(fatalCode(policy), [6, 0, 0]);
  });

  void test('policy argument checks, EDU variant, and quirk #126', () => {
    const { policy } = bootedPolicy('scm');
    assertRefused(() => {
      setSupervisedBootPolicy(policy, 3);
    }, 'ERR_INVALID_ARG');
    const edu = bootedPolicy('scm', { noSelfDestruct: true }).policy;
    assertRefused(() => {
      setSupervisedBootPolicy(edu, SupbootPolicy.DESTROY);
    }, 'ERR_UNSUPPORTED_MODEL');
    setSupervisedBootPolicy(edu, SupbootPolicy.HOLD_RESET);
    const old = bootedPolicy('scm', { quirks: ['supboot-policy-unimplemented'] }).policy;
    assertRefused(() => {
      setSupervisedBootPolicy(old, SupbootPolicy.NO_ACTION);
    }, 'ERR_SUPBOOT_POLICY_UNSUPPORTED');
    addOrUpdateBootFile(old, entry('config.txt'));
    applyBootCheck(old, FILE_FAILED);
    assert.deepEqual(fatalCode(old), [4, 2, 3], 'developer mode: 4-2');
    reboot(old, { reason: ResetReason.FATAL });
    lock(old);
    reboot(old, { bootCheck: FILE_FAILED });
    assert.equal(old.state.destroyed?.cause, 'supervised-boot', 'production: self-destruct');
  });

  void test('an empty manifest checks nothing and ends a hold', () => {
    const { policy } = bootedPolicy('scm');
    addOrUpdateBootFile(policy, entry('config.txt'));
    lock(policy);
    setSupervisedBootPolicy(policy, SupbootPolicy.HOLD_RESET);
    reboot(policy, { bootCheck: FILE_FAILED });
    assert.equal(haltReason(policy.state), 'supervised-boot-hold');
    policy.state.supervisedBoot.files = []; // as if the manifest storage were cleared offline
    reboot(policy, { bootCheck: FILE_FAILED });
    assert.equal(haltReason(policy.state), null);
    assert.equal(policy.state.supervisedBoot.lastCheck, null);
  });
});

void describe('firmware quirks of the model', () => {
  void test('#159: generated key pairs are lost at host, power and fatal reboots only', () => {
    const { policy } = bootedPolicy('scm', { quirks: ['gen-keys-lost-on-reboot'] });
    for (const reason of [
      ResetReason.POWER_ON,
      ResetReason.HOST_REBOOT,
      ResetReason.FATAL,
      ResetReason.SIMULATED,
    ]) {
      assert.deepEqual(reboot(policy, { reason }).wiped, ['generated-pairs']);
    }
    assert.deepEqual(reboot(policy, { reason: ResetReason.PERIMETER_ACTION }).wiped, []);
    assert.deepEqual(reboot(bootedPolicy('scm').policy).wiped, [], 'not without the quirk');
  });

  void test('LED codes of alpha (4 without sub) and beta (6 for the battery self-destruct)', () => {
    const alpha = bootedPolicy('scm', { quirks: ['led-alpha-codes'] }).policy;
    setBatteryVoltageAction(alpha, ThresholdAction.SLEEP);
    setBatteryReading(alpha, 2.0);
    assert.deepEqual(fatalCode(alpha), [4, 0, 3]);
    const beta = bootedPolicy('scm', { quirks: ['led-beta-battery-code'] }).policy;
    setBatteryVoltageAction(beta, ThresholdAction.SELF_DESTRUCT);
    setBatteryReading(beta, 2.0);
    assert.deepEqual(fatalCode(beta), [6, 0, 3]);
    const current = bootedPolicy('scm').policy;
    setBatteryVoltageAction(current, ThresholdAction.SELF_DESTRUCT);
    setBatteryReading(current, 2.0);
    assert.deepEqual(fatalCode(current), [4, 1, 3]);
    const early = bootedPolicy('scm', { quirks: ['battery-threshold-unchecked'] }).policy;
    setBatteryVoltageThreshold(early, 2.9);
    const checked = bootedPolicy('scm').policy;
    assertRefused(() => setBatteryVoltageThreshold(checked, 2.9), 'ERR_THRESHOLD_RANGE');
  });
});

void describe('firmware profiles of the emulator', () => {
  void test('quirks must be known issues of the firmware that the emulator reproduces', () => {
    const alpha = modelSpec('scm', { firmware: '00.00.40alpha' });
    assert.deepEqual(resolveQuirks(alpha, 'all'), [
      'battery-threshold-unchecked',
      'manifest-separator-lost',
      'perimeter-action-resets',
      'supboot-policy-unimplemented',
      'led-alpha-codes',
    ]);
    assert.deepEqual(resolveQuirks(alpha, undefined), []);
    assert.throws(() => resolveQuirks(alpha, ['seed-removal-timeout']), /does not reproduce/);
    assert.throws(
      () => resolveQuirks(alpha, ['gen-keys-lost-on-reboot']),
      /has no known issue 'gen-keys-lost-on-reboot'/,
    );
    assert.deepEqual(resolveQuirks(modelSpec('scm'), 'all'), ['gen-keys-lost-on-reboot']);
    assert.deepEqual(resolveQuirks(modelSpec('hsm6'), 'all'), []);
    assert.throws(
      () => resolveQuirks(modelSpec('hsm6', { firmware: 'banana' }), undefined),
      /banana/,
    );
  });
});
