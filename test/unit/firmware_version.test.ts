/** Firmware version strings: parsing, refusals with a stable code, ordering, stages, ranges. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  FirmwareError,
  FIRST_BETA,
  FIRST_RELEASE,
  compareFirmwareVersions,
  firmwareStage,
  inFirmwareRange,
  parseFirmwareVersion,
  tryParseFirmwareVersion,
} from '../../src/firmware/index.ts';

function isVersionError(e: unknown): boolean {
  return e instanceof FirmwareError && e.code === 'ERR_FIRMWARE_VERSION';
}

void test('the observed strings parse, suffix lower-cased, text kept', () => {
  assert.deepEqual(
    { ...parseFirmwareVersion('01.02.02release') },
    {
      major: 1,
      minor: 2,
      patch: 2,
      suffix: 'release',
      text: '01.02.02release',
      stage: 'release',
    },
  );
  assert.deepEqual(
    { ...parseFirmwareVersion('01.00.00') },
    {
      major: 1,
      minor: 0,
      patch: 0,
      suffix: null,
      text: '01.00.00',
      stage: 'release',
    },
  );
  const beta = parseFirmwareVersion('00.00.51beta');
  assert.equal(beta.patch, 51);
  assert.equal(beta.suffix, 'beta');
  assert.equal(beta.stage, 'beta');
  assert.equal(parseFirmwareVersion('01.01.05release').patch, 5);
  assert.equal(parseFirmwareVersion('00.00.12Alpha').suffix, 'alpha');
  assert.equal(parseFirmwareVersion('99.99.99rc2').suffix, 'rc2');
  assert.ok(Object.isFrozen(beta));
});

void test('anything else is refused with ERR_FIRMWARE_VERSION and a clear message', () => {
  const bad = [
    '',
    '1.2.2',
    '01.02',
    '01.02.02.01',
    '001.02.02',
    '01.2.02',
    'v01.02.02',
    ' 01.02.02',
    '01.02.02 ',
    '01.02.02\n',
    '01.02.02-release',
    '01.02.02_beta',
    '01.02.023',
    '01.02.02release!',
    '01.02.02' + 'x'.repeat(17),
    '０１.02.02',
    'garbage',
    '\u0000',
  ];
  for (const text of bad) {
    assert.throws(() => parseFirmwareVersion(text), isVersionError, JSON.stringify(text));
    assert.equal(tryParseFirmwareVersion(text), null, JSON.stringify(text));
  }
  for (const value of [undefined, null, 1, {}, ['01.02.02']]) {
    assert.throws(() => parseFirmwareVersion(value as string), isVersionError);
    assert.equal(tryParseFirmwareVersion(value), null);
  }
  assert.throws(
    () => parseFirmwareVersion('1.2.2'),
    (e: unknown) => e instanceof FirmwareError && /"1\.2\.2" is not MM\.mm\.pp/.test(e.message),
  );
  // A long hostile string is cut in the message.
  assert.throws(
    () => parseFirmwareVersion('z'.repeat(5000)),
    (e: unknown) => e instanceof FirmwareError && e.message.length < 200,
  );
});

void test('ordering is by the numbers; the suffix is a label', () => {
  const sorted = [
    '00.00.01',
    '00.00.50alpha',
    '00.00.51beta',
    '00.01.00',
    '01.00.00',
    '01.01.05release',
    '01.02.02release',
    '10.00.00',
  ];
  const shuffled = [...sorted].reverse();
  assert.deepEqual(shuffled.sort(compareFirmwareVersions), sorted);
  assert.equal(compareFirmwareVersions('01.02.02', '01.02.02release'), 0);
  assert.equal(compareFirmwareVersions('01.02.02beta', '01.02.02release'), 0);
  assert.equal(compareFirmwareVersions('00.09.99', '01.00.00'), -1);
  assert.equal(compareFirmwareVersions('01.10.00', '01.09.99'), 1);
  assert.equal(
    compareFirmwareVersions(parseFirmwareVersion('00.00.51beta'), '00.00.51'),
    0,
    'parsed and string forms mix',
  );
  assert.throws(() => compareFirmwareVersions('01.02.02', 'nope'), isVersionError);
});

void test('stages: alpha below 00.00.51, beta below 01.00.00, release from there', () => {
  assert.equal(FIRST_BETA, '00.00.51');
  assert.equal(FIRST_RELEASE, '01.00.00');
  assert.equal(firmwareStage('00.00.00'), 'alpha');
  assert.equal(firmwareStage('00.00.50'), 'alpha');
  assert.equal(firmwareStage('00.00.50beta'), 'alpha', 'numbers decide, not the suffix');
  assert.equal(firmwareStage('00.00.51beta'), 'beta');
  assert.equal(firmwareStage('00.00.51alpha'), 'beta');
  assert.equal(firmwareStage('00.99.99'), 'beta');
  assert.equal(firmwareStage('01.00.00'), 'release');
  assert.equal(firmwareStage(parseFirmwareVersion('01.02.02release')), 'release');
  assert.throws(() => firmwareStage('alpha'), isVersionError);
});

void test('ranges are [introduced, fixed)', () => {
  const range = { introduced: '00.00.51', fixed: '01.00.00' };
  assert.equal(inFirmwareRange('00.00.50', range), false);
  assert.equal(inFirmwareRange('00.00.51beta', range), true);
  assert.equal(inFirmwareRange('00.99.99', range), true);
  assert.equal(inFirmwareRange('01.00.00', range), false);
  assert.equal(inFirmwareRange('00.00.00', { introduced: null, fixed: '00.00.01' }), true);
  assert.equal(inFirmwareRange('99.99.99', { introduced: '01.00.00', fixed: null }), true);
  assert.equal(inFirmwareRange('00.00.00', { introduced: null, fixed: null }), true);
  assert.throws(() => inFirmwareRange('x', range), isVersionError);
  assert.throws(
    () => inFirmwareRange('01.00.00', { introduced: 'bad', fixed: null }),
    isVersionError,
  );
});
