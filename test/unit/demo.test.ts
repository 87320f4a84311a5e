/**
 * `zkbridge demo`, run from the sources as a child process with nothing configured: it must exit
 * 0, tell each step (the server saw the device's CN, the second connection resumed its session,
 * the request without a certificate was refused, the JWT verified, pkcs11-tool listed the keys)
 * and leave nothing behind in the temporary directory.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './fixtures/pkcs11_tools.ts';
import { root } from './fixtures/pkcs11_env.ts';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `zkbridge demo ...args` from the sources, with TMPDIR set to `tmp`. */
function demo(tmp: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/bin/zkbridge.ts', 'demo', ...args],
      { cwd: root, timeout: 180_000, env: { ...env, TMPDIR: tmp } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The environment of a machine where nothing zkbridge-related is configured. */
function unconfigured(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('ZKBRIDGE_') || name === 'ZKBRIDGE_NO_ADDON',
    ),
  );
}

void test('zkbridge demo runs every step, prints what happened, cleans up and exits 0', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'zkdemo-'));
  try {
    const { code, stdout, stderr } = await demo(tmp, unconfigured());
    assert.equal(code, 0, `exit code ${code}\n${stdout}\n${stderr}`);
    const has = (pattern: RegExp, what: string): void => {
      assert.match(stdout, pattern, `${what} is missing from:\n${stdout}`);
    };
    has(/^ 1\. Start the embedded emulator\s+\d+ ms$/m, 'the first step with its time');
    has(/P-256 key pair generated in slot \d+/, 'the device key');
    has(/signature verified/, 'the CSR check');
    has(/saw CN=demo-device-1 over TLSv1\.[23]/, 'the CN the server saw');
    has(/session reused: yes/, 'the resumed session');
    has(/refused, as expected/, 'the refused request');
    has(/ES256 JWT eyJ/, 'the JWT');
    has(/verified with the public key; claims: sub=demo-device-1/, 'the verified JWT');
    if (hasCommand('pkcs11-tool')) {
      has(/slot-\d+ +ID [0-9a-f]{8} .*the mTLS key/, "pkcs11-tool's listing of the mTLS key");
      has(/slot-\d+ +ID [0-9a-f]{8} .*the JWT key/, "pkcs11-tool's listing of the JWT key");
    } else {
      has(/skipped: pkcs11-tool not installed/, 'the skipped pkcs11-tool step');
    }
    has(/steps done .*in \d+ ms; clean-up \d+ ms: emulator stopped/, 'the summary');
    assert.doesNotMatch(stdout, /FAILED/);
    // The demo's directory and the embedded emulator's are gone (tsx keeps its cache there).
    assert.deepEqual(
      (await readdir(tmp)).filter((name) => name.startsWith('zkbridge-')),
      [],
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

void test('zkbridge demo --model rejects an unknown model with a usage error', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'zkdemo-'));
  try {
    const result = await demo(tmp, process.env, '--model', 'hsm9');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown model 'hsm9'/);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
