/**
 * The PKCS#11 C API test (native/pkcs11_tests, CMake target zkp_api_test) against fresh
 * emulators. The program dlopen()s the library, so it checks the exported ABI, and prints one
 * line per check ("ok - ..." / "FAIL - ..."); a failed run reports its FAIL lines here.
 *
 * Runs: the release library, the ASan+UBSan build (leak detection on), the release library
 * under valgrind, an unreachable device address, and a Zymkey4-class token (no key store: the
 * missing mechanisms must not be advertised). Each run gets its own emulator, because the full
 * run initializes the token and walks the PIN counters from a known state.
 *
 * The C builds come from `node scripts/build_c.mjs release|asan` (scripts/test.mjs builds both
 * before the TypeScript tests); a run whose binaries are missing is skipped, not failed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { libraryPath, root, startEmulator } from './fixtures/pkcs11_env.ts';

const TIMEOUT_MS = 600_000;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS - 10_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** The lines worth reading when a run failed: FAIL lines, sanitizer and valgrind reports. */
function failureReport(r: RunResult): string {
  const lines = r.output.split('\n');
  const interesting = lines.filter(
    (l) =>
      l.startsWith('FAIL') ||
      /ERROR: |runtime error|definitely lost|Invalid (read|write)|uninitialised/.test(l),
  );
  const tail = lines.slice(-40);
  return [
    `exit ${r.code ?? r.signal}`,
    ...interesting.slice(0, 80),
    '--- last lines ---',
    ...tail,
  ].join('\n');
}

function summary(r: RunResult): { checks: number; failed: number } | undefined {
  const m = /api_test \w+: (\d+) checks, (\d+) failed/.exec(r.output);
  return m ? { checks: Number(m[1]), failed: Number(m[2]) } : undefined;
}

function binary(variant: 'release' | 'asan'): string {
  return join(root, 'build-c', variant, 'zkp_api_test');
}

function hasValgrind(): boolean {
  return ['/usr/bin/valgrind', '/usr/local/bin/valgrind'].some((p) => existsSync(p));
}

async function apiRun(options: {
  model?: string;
  mode?: 'full' | 'unreachable' | 'zymkey4';
  variant?: 'release' | 'asan';
  wrap?: string[];
  env?: Record<string, string>;
}): Promise<void> {
  const variant = options.variant ?? 'release';
  const mode = options.mode ?? 'full';
  const emu = await startEmulator({ model: options.model ?? 'hsm6' });
  try {
    const env =
      mode === 'unreachable'
        ? emu.env({ ZKBRIDGE_DEVICE: `unix:${join(emu.dir, 'nobody-listens.sock')}` })
        : emu.env();
    Object.assign(env, options.env ?? {});
    const cmdline = [...(options.wrap ?? []), binary(variant), libraryPath(variant), mode];
    const [cmd = '', ...args] = cmdline;
    const r = await run(cmd, args, env);
    const s = summary(r);
    assert.ok(s, `no summary line\n${failureReport(r)}`);
    assert.equal(s.failed, 0, `${s.failed} of ${s.checks} checks failed\n${failureReport(r)}`);
    assert.equal(r.code, 0, failureReport(r));
    assert.ok(s.checks > 0);
  } finally {
    await emu.stop();
  }
}

const haveRelease = existsSync(binary('release'));
const haveAsan =
  existsSync(binary('asan')) && existsSync(join(root, 'build-c/asan/libzkbridge-pkcs11.so'));

void test(
  'API test: release library, HSM6 emulator',
  { timeout: TIMEOUT_MS, skip: !haveRelease && 'build-c/release/zkp_api_test not built' },
  () => apiRun({}),
);

void test(
  'API test: ASan+UBSan build with leak detection',
  { timeout: TIMEOUT_MS, skip: !haveAsan && 'build-c/asan not built' },
  () =>
    apiRun({
      variant: 'asan',
      env: {
        ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=23',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
      },
    }),
);

void test(
  'API test: release library under valgrind',
  {
    timeout: TIMEOUT_MS,
    skip:
      (!haveRelease && 'build-c/release/zkp_api_test not built') ||
      (!hasValgrind() && 'valgrind not installed'),
  },
  () =>
    apiRun({
      wrap: ['valgrind', '--leak-check=full', '--error-exitcode=3', '--quiet'],
      /* valgrind runs ~30x slower: fewer signatures per thread, same coverage */
      env: { ZKP_API_SIGNS: '30' },
    }),
);

void test(
  'API test: unreachable device address',
  { timeout: TIMEOUT_MS, skip: !haveRelease && 'build-c/release/zkp_api_test not built' },
  () => apiRun({ mode: 'unreachable' }),
);

void test(
  'API test: Zymkey4 token advertises no key generation, EdDSA or ECDH',
  { timeout: TIMEOUT_MS, skip: !haveRelease && 'build-c/release/zkp_api_test not built' },
  () => apiRun({ model: 'zymkey4', mode: 'zymkey4' }),
);
