// The one test command: generated files, lint and types, C unit tests (release and
// ASan+UBSan), TypeScript tests on every codec backend, and a bounded fuzzing run.
//   node scripts/test.mjs [--only ts|c] [--no-fuzz]     (FUZZ_SECONDS=60 by default)
// Ends with one line "N passed, N failed" over the C test programs and the TS tests.
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildC } from './build_c.mjs';
import { fuzz } from './fuzz.mjs';
import { capture, must, root, run, step } from './run_util.mjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const fuzzSeconds = args.includes('--no-fuzz') ? 0 : Number(process.env.FUZZ_SECONDS ?? 60);
const wants = (part) => only === undefined || only === part;

let passed = 0;
let failed = 0;
const failures = [];

function ctest(dir, label) {
  step(`C unit tests (${label})`);
  const { status, stdout } = capture('ctest', ['--test-dir', dir, '--output-on-failure']);
  process.stdout.write(stdout);
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(stdout);
  if (!m) {
    failed += 1;
    failures.push(`ctest (${label}) printed no summary`);
    return;
  }
  const total = Number(m[3]);
  const bad = Number(m[2]);
  passed += total - bad;
  failed += bad;
  if (status !== 0 || bad > 0) failures.push(`ctest (${label}): ${bad} failed`);
}

function testFiles(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

if (only === undefined) {
  step('generated files are up to date');
  for (const gen of readdirSync(join(root, 'scripts'))
    .filter((f) => f.startsWith('gen_'))
    .sort()) {
    must('node', [`scripts/${gen}`, '--check'], `${gen} --check`);
  }
  step('lint and types');
  must('node', ['scripts/lint.mjs'], 'lint');
}

if (wants('c')) {
  step('C build (release)');
  ctest(buildC('release'), 'release');
  step('C build (ASan + UBSan)');
  ctest(buildC('asan'), 'asan+ubsan');
}

if (wants('ts')) {
  step('TypeScript tests (node --test)');
  mkdirSync(join(root, 'build-c'), { recursive: true });
  const tap = join(root, 'build-c', 'node-tests.tap');
  const status = run('node', [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...testFiles('test'),
  ]);
  const text = readFileSync(tap, 'utf8');
  const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail');
  if (status !== 0) failures.push(`node --test exited ${status}`);
  if (count('pass') === 0) failures.push('node --test ran no test');
}

if (only === undefined && fuzzSeconds > 0) {
  step(`fuzzing the frame decoder for ${fuzzSeconds} s (libFuzzer, ASan + UBSan)`);
  const status = fuzz(fuzzSeconds);
  if (status === 0) passed += 1;
  else {
    failed += 1;
    failures.push('fuzz_frame_decode');
  }
}

console.log('');
for (const f of failures) console.log(`FAILED: ${f}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length === 0 && failed === 0 ? 0 : 1);
