/** Model facts: slot layouts, curves and which commands each model provides. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  MODEL_NAMES,
  classifySlot,
  commandAvailability,
  modelSpec,
} from '../../src/emulator/models.ts';
import { COMMAND_INFO, Feature, KeyType } from '../../src/protocol/constants.generated.ts';

const EXTREMES = [2 ** 31 - 1, -(2 ** 31), -2, 1e9, 528, 1.5, Number.NaN];

void test('Zymkey4 and HSM4: three permanent P-256 slots, nothing else', () => {
  for (const name of ['zymkey4', 'hsm4'] as const) {
    const m = modelSpec(name);
    assert.deepEqual(
      m.factorySlots.map((s) => [s.slot, s.type]),
      [
        [0, KeyType.P256],
        [1, KeyType.P256],
        [2, KeyType.P256],
      ],
    );
    assert.deepEqual(m.curves, [KeyType.P256]);
    assert.deepEqual(m.generateTypes, []);
    assert.equal(m.foreignMax, 0);
    assert.equal(classifySlot(m, 2), 'factory');
    for (const slot of [3, 15, 16, -1, ...EXTREMES])
      assert.equal(classifySlot(m, slot), 'invalid', `${slot}`);
  }
  assert.equal(modelSpec('hsm4').features & Feature.SOFT_BIND_LOCK, Feature.SOFT_BIND_LOCK);
  assert.equal(
    modelSpec('zymkey4').features & Feature.SOFT_BIND_LOCK,
    0,
    'Zymkey4 locks by its tab',
  );
});

void test('HSM6: factory 0-15 by default (12 or 14 as options), 512 generated from 16, ephemeral -1', () => {
  const m = modelSpec('hsm6');
  assert.equal(m.factorySlots.length, 16);
  assert.ok(m.factorySlots.every((s) => s.type === KeyType.P256));
  assert.equal(classifySlot(m, -1), 'ephemeral');
  assert.equal(classifySlot(m, 15), 'factory');
  assert.equal(classifySlot(m, 16), 'generated');
  assert.equal(classifySlot(m, 527), 'generated');
  for (const slot of [-2, ...EXTREMES]) assert.equal(classifySlot(m, slot), 'invalid', `${slot}`);
  assert.equal(m.foreignMax, 128);
  const twelve = modelSpec('hsm6', { factorySlots: 12 });
  assert.equal(classifySlot(twelve, 11), 'factory');
  assert.equal(classifySlot(twelve, 12), 'reserved');
  assert.throws(() => modelSpec('hsm6', { factorySlots: 13 as 12 }), RangeError);
});

void test('SCM: slots 14 and 15 are Ed25519; supervised boot but no i2c address', () => {
  const m = modelSpec('scm');
  assert.deepEqual(
    m.factorySlots.filter((s) => s.type === KeyType.ED25519).map((s) => s.slot),
    [14, 15],
  );
  assert.equal(m.factorySlots.length, 16);
  assert.ok(m.features & Feature.SUPERVISED_BOOT);
  assert.equal(m.features & Feature.I2C_ADDRESS, 0);
});

void test('options: scale limits, vendor-docs key generation, firmware', () => {
  const big = modelSpec('hsm6', { generatedMax: 100_000, foreignMax: 1000 });
  assert.equal(classifySlot(big, 16 + 99_999), 'generated');
  assert.equal(classifySlot(big, 16 + 100_000), 'invalid');
  assert.deepEqual(modelSpec('scm', { generate: 'vendor-docs' }).generateTypes, [
    KeyType.P256,
    KeyType.SECP256K1,
  ]);
  assert.equal(modelSpec('scm').generateTypes.length, 4);
  assert.equal(modelSpec('hsm6', { firmware: '00.00.51beta' }).firmware, '00.00.51beta');
  assert.throws(() => modelSpec('hsm6', { generatedMax: -1 }), RangeError);
  assert.throws(() => modelSpec('nope' as 'hsm6'), RangeError);
});

void test('each model provides exactly the catalogue commands of its class', () => {
  const counts: Record<string, number> = {};
  for (const name of MODEL_NAMES) {
    const m = modelSpec(name);
    let refused = 0;
    for (const info of COMMAND_INFO.values()) {
      const status = commandAvailability(m, info);
      const expected =
        info.models === 'all' ||
        (info.models === '6+' && m.class6) ||
        (info.models === 'scm' && name === 'scm') ||
        (info.models === 'i2c' && name !== 'scm');
      if (!expected) assert.equal(status, 'ERR_UNSUPPORTED_MODEL', `${name} ${info.name}`);
      if (status !== undefined) refused++;
    }
    counts[name] = refused;
  }
  // Zymkey4/HSM4 refuse every 6+ command; HSM6 refuses SCM-only ones; SCM refuses the i2c one.
  assert.ok((counts['zymkey4'] ?? 0) > (counts['hsm6'] ?? 0));
  assert.ok((counts['hsm6'] ?? 0) > 0 && (counts['scm'] ?? 0) > 0);
});
