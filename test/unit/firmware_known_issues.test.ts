/**
 * The known-issue table: its shape, and lookups for every entry (a version inside, the fix
 * version, just before the introduction, another model), then whole-table expectations by
 * version, the strict refusals and the lenient check used for device strings.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  FIRMWARE_MODELS,
  FirmwareError,
  KNOWN_ISSUES,
  QUIRK_NAMES,
  checkFirmware,
  compareFirmwareVersions,
  issueAffects,
  knownIssueById,
  knownIssueByQuirk,
  knownIssues,
  knownQuirks,
  parseFirmwareModel,
  parseFirmwareVersion,
  type KnownIssue,
} from '../../src/firmware/index.ts';

const ids = (issues: readonly KnownIssue[]): string[] => issues.map((issue) => issue.id);

/** The version just below `text` (by number). */
function previous(text: string): string {
  const v = parseFirmwareVersion(text);
  let n = (v.major * 100 + v.minor) * 100 + v.patch - 1;
  const patch = n % 100;
  n = (n - patch) / 100;
  const part = (x: number): string => String(x).padStart(2, '0');
  return `${part(Math.floor(n / 100))}.${part(n % 100)}.${part(patch)}`;
}

void test('the table is well formed: unique ids and quirks, valid ranges, frozen', () => {
  assert.equal(new Set(ids(KNOWN_ISSUES)).size, KNOWN_ISSUES.length);
  assert.deepEqual(
    KNOWN_ISSUES.map((issue) => issue.reproducible).sort(),
    [...QUIRK_NAMES].sort(),
    'one entry per quirk name',
  );
  for (const issue of KNOWN_ISSUES) {
    const { introduced, fixed } = issue.affected;
    if (introduced !== null) parseFirmwareVersion(introduced);
    if (fixed !== null) parseFirmwareVersion(fixed);
    if (introduced !== null && fixed !== null) {
      assert.equal(compareFirmwareVersions(introduced, fixed), -1, issue.id);
    }
    if (issue.fixedIn !== null) {
      assert.ok(fixed !== null, issue.id);
      assert.equal(compareFirmwareVersions(issue.fixedIn, fixed), 0, `${issue.id}: fixedIn`);
    }
    assert.ok(issue.models.length > 0 && issue.models.every((m) => FIRMWARE_MODELS.includes(m)));
    assert.match(issue.id, /^zymbit(#\d+|-led-[a-z]+)$/);
    assert.ok(issue.summary.length > 0 && !issue.summary.includes('\n'), issue.id);
    assert.ok(issue.source.length > 0 && issue.details.length > 0, issue.id);
    assert.ok(Object.isFrozen(issue) && Object.isFrozen(issue.affected), issue.id);
    assert.ok(Object.isFrozen(issue.models), issue.id);
  }
  assert.ok(Object.isFrozen(KNOWN_ISSUES));
  assert.deepEqual(ids(KNOWN_ISSUES.filter((issue) => issue.inferred)), [
    'zymbit#114',
    'zymbit#126',
  ]);
});

void test('every entry: inside, at the fix, just before introduction, on another model', () => {
  for (const issue of KNOWN_ISSUES) {
    const { introduced, fixed } = issue.affected;
    const inside = introduced ?? '00.00.00';
    assert.ok(ids(knownIssues('SCM', inside)).includes(issue.id), `${issue.id} at ${inside}`);
    assert.equal(issueAffects(issue, 'scm', inside), true, issue.id);
    if (fixed !== null) {
      const last = previous(fixed);
      assert.ok(ids(knownIssues('SCM', last)).includes(issue.id), `${issue.id} at ${last}`);
      assert.ok(!ids(knownIssues('SCM', fixed)).includes(issue.id), `${issue.id} at ${fixed}`);
      assert.equal(issueAffects(issue, 'SCM', fixed), false, issue.id);
    }
    if (issue.fixedIn !== null) {
      assert.ok(!ids(knownIssues('SCM', issue.fixedIn)).includes(issue.id), issue.fixedIn);
    }
    if (introduced !== null) {
      const before = previous(introduced);
      assert.ok(!ids(knownIssues('SCM', before)).includes(issue.id), `${issue.id} at ${before}`);
    }
    for (const model of ['ZYMKEY4', 'HSM4', 'HSM6'] as const) {
      assert.ok(!ids(knownIssues(model, inside)).includes(issue.id), `${issue.id} on ${model}`);
      assert.equal(issueAffects(issue, model, inside), false);
    }
  }
});

void test('whole-table expectations by SCM version', () => {
  const alpha = [
    'zymbit#93',
    'zymbit#87',
    'zymbit#88',
    'zymbit#99',
    'zymbit#117',
    'zymbit#126',
    'zymbit-led-alpha',
  ];
  const beta = ['zymbit#114', 'zymbit#117', 'zymbit#126', 'zymbit-led-beta'];
  const expected: [string, string[]][] = [
    ['00.00.00', alpha],
    ['00.00.10alpha', alpha],
    ['00.00.50', alpha],
    ['00.00.51beta', beta],
    ['00.99.99', beta],
    ['01.00.00', ['zymbit#126']],
    ['01.01.05release', ['zymbit#126']],
    ['01.02.01', ['zymbit#126']],
    ['01.02.02release', ['zymbit#159']],
    ['01.02.02', ['zymbit#159']],
    ['01.02.03', []],
    ['02.00.00release', []],
  ];
  for (const [version, want] of expected) {
    assert.deepEqual(ids(knownIssues('SCM', version)), want, version);
    assert.deepEqual(ids(knownIssues('scm', parseFirmwareVersion(version))), want, version);
    for (const model of ['ZYMKEY4', 'hsm4', 'HSM6']) {
      assert.deepEqual(knownIssues(model, version), [], `${model} ${version}`);
    }
  }
  assert.deepEqual(knownIssues('HSM6', '01.01.05release'), [], 'the clean firmware of the tests');
  assert.deepEqual(knownQuirks('scm', '01.02.02release'), ['gen-keys-lost-on-reboot']);
  assert.deepEqual(knownQuirks('SCM', '00.00.51beta'), [
    'perimeter-action-led-off',
    'breach-at-shutdown-timestamp',
    'supboot-policy-unimplemented',
    'led-beta-battery-code',
  ]);
});

void test('facts the brief documents are in the data', () => {
  const i159 = knownIssueById('zymbit#159');
  assert.ok(i159);
  assert.deepEqual(i159.hardware, ['B1']);
  assert.equal(i159.fixedIn, null);
  assert.match(i159.workaround ?? '', /gen_wallet_master_seed.*gen_wallet_child_key/);
  assert.equal(knownIssueById('zymbit#117')?.fixedIn, '01.00.00');
  assert.equal(knownIssueById('zymbit#93')?.fixedIn, '00.00.51beta');
  assert.match(knownIssueById('zymbit#126')?.source ?? '', /inference/);
  assert.match(knownIssueById('zymbit#114')?.source ?? '', /inference/);
  assert.match(knownIssueByQuirk('perimeter-action-resets').workaround ?? '', /10 s/);
  assert.equal(knownIssueById('zymbit#1'), undefined);
  assert.throws(() => knownIssueByQuirk('nope' as 'led-alpha-codes'), TypeError);
});

void test('strict lookups refuse unknown models and unparsable versions with stable codes', () => {
  assert.equal(parseFirmwareModel('zymkey4'), 'ZYMKEY4');
  assert.equal(parseFirmwareModel('Scm'), 'SCM');
  const isModelError = (e: unknown): boolean =>
    e instanceof FirmwareError && e.code === 'ERR_FIRMWARE_MODEL';
  const isVersionError = (e: unknown): boolean =>
    e instanceof FirmwareError && e.code === 'ERR_FIRMWARE_VERSION';
  for (const model of ['HSM8', '', 'SCM ', 'scm\u0000']) {
    assert.throws(() => knownIssues(model, '01.02.02release'), isModelError, model);
  }
  assert.throws(() => parseFirmwareModel(undefined as unknown as string), isModelError);
  assert.throws(() => knownIssues('SCM', '1.2.2'), isVersionError);
  assert.throws(() => knownQuirks('SCM', 'garbage'), isVersionError);
  assert.throws(() => issueAffects(KNOWN_ISSUES[0] as KnownIssue, 'SCM', ''), isVersionError);
});

void test('checkFirmware never throws: strange facts find nothing and say why', () => {
  const found = checkFirmware('SCM', '01.02.02release');
  assert.deepEqual(ids(found.issues), ['zymbit#159']);
  assert.equal(found.version?.text, '01.02.02release');
  assert.equal(found.problem, null);
  assert.deepEqual(checkFirmware('HSM6', '01.01.05release'), {
    issues: [],
    version: parseFirmwareVersion('01.01.05release'),
    problem: null,
  });
  const strange: [unknown, unknown][] = [
    ['SCM', 'garbage'],
    ['SCM', ''],
    ['SCM', '01.02.02release\u0000'],
    ['SCM', undefined],
    ['SCM', 12],
    ['HSM8', '01.02.02release'],
    [null, null],
    [{}, 'x'.repeat(100_000)],
  ];
  for (const [model, firmware] of strange) {
    const check = checkFirmware(model, firmware);
    assert.deepEqual(check.issues, []);
    assert.ok(check.problem !== null && check.problem.length < 200, String(check.problem));
  }
  assert.match(checkFirmware('SCM', 'garbage').problem ?? '', /"garbage" is not MM\.mm\.pp/);
  assert.match(checkFirmware('HSM8', '01.02.02').problem ?? '', /model "HSM8"/);
});
