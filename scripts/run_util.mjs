// Small helpers for the project scripts: run a command with live output, fail loudly.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command in the repository root, inheriting stdio; returns its exit status. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** Runs a command and captures stdout (stderr passes through); returns { status, stdout }. */
export function capture(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    ...options,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout };
}

/** Runs a command and exits the script with a message when it fails. */
export function must(cmd, args, what, options = {}) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`\n${what} failed (exit ${status})`);
    process.exit(status);
  }
}

/** Prints a section heading. */
export function step(title) {
  console.log(`\n=== ${title} ===`);
}
