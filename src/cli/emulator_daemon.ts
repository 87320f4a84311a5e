/**
 * `zkbridge emulator start|stop|status`: the background counterpart of `zkbridge emulator run`.
 *
 * `start` spawns a detached `zkbridge emulator run` child (same node executable) whose output
 * goes to a log file, waits for its `ready` line in that file, writes a pid file and returns,
 * leaving the child running. `stop` and `status` find it through the pid file and never act on
 * a process that is not an emulator: on Linux its command line must hold `emulator run`;
 * elsewhere the pid file is trusted when the socket answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ModelName } from '../emulator/models.js';
import { Device } from '../provider/device.js';

/** The settings of `zkbridge emulator run` (also those of `start`). */
export interface RunSettings {
  model: ModelName;
  stateDir: string;
  socketPath: string;
  /** TCP port on loopback (0: any free port); omitted: no TCP. */
  port?: number;
  generatedMax?: number;
  firmware?: string;
  /** Known issues of the firmware to reproduce: 'all' or quirk names. */
  quirks?: 'all' | string[];
  /** How long a reset keeps the device busy, ms. */
  resetMs?: number;
  /** The boot partition supervised boot signs and checks. */
  bootDir?: string;
}

/** Where a background emulator is found. */
export interface DaemonTarget {
  socketPath: string;
  pidFile: string;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
const TAIL_LINES = 20;

/** The default pid file: `emulator.pid` next to the socket. */
export function defaultPidFile(socketPath: string): string {
  return join(dirname(socketPath), 'emulator.pid');
}

function errno(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** True when `pid` is a live process (a zombie is not; on Linux, /proc tells). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return errno(e) === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The argument vector of `pid` from /proc; undefined where there is no /proc. */
async function commandLine(pid: number): Promise<string[] | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch (e) {
    if (errno(e) === 'ENOENT') return [];
    throw e;
  }
}

/** True when a service accepts connections on the Unix socket `path` (within 2 s). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    const done = (live: boolean): void => {
      probe.destroy();
      resolve(live);
    };
    probe.setTimeout(2000, () => {
      done(false);
    });
    probe.once('connect', () => {
      done(true);
    });
    probe.once('error', () => {
      done(false);
    });
  });
}

/** What the pid file says. */
type PidState =
  | { kind: 'none' }
  | { kind: 'stale'; pid: number | undefined }
  | { kind: 'running'; pid: number; socketPath: string };

async function inspect(target: DaemonTarget): Promise<PidState> {
  let text: string;
  try {
    text = await readFile(target.pidFile, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return { kind: 'none' };
    throw e;
  }
  const m = /^(\d+)\s*$/.exec(text);
  const pid = m === null ? undefined : Number(m[1]);
  if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 0 || !alive(pid)) {
    return { kind: 'stale', pid };
  }
  const argv = await commandLine(pid);
  if (argv === undefined) {
    return (await answers(target.socketPath))
      ? { kind: 'running', pid, socketPath: target.socketPath }
      : { kind: 'stale', pid };
  }
  const at = argv.indexOf('emulator');
  if (at < 0 || argv[at + 1] !== 'run') return { kind: 'stale', pid };
  // The socket the emulator was given wins over the default (a --pid-file without --socket).
  const eq = argv.find((a) => a.startsWith('--socket='))?.slice('--socket='.length);
  const sep = argv.includes('--socket') ? argv[argv.indexOf('--socket') + 1] : undefined;
  return { kind: 'running', pid, socketPath: eq ?? sep ?? target.socketPath };
}

/** The CLI entry next to this module (TypeScript sources run through tsx in development). */
function cliCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // Resolved here, as the child runs in `/`, where a bare `tsx` would not be found.
    return [
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL('../bin/zkbridge.ts', import.meta.url)),
    ];
  }
  return [fileURLToPath(new URL('../bin/zkbridge.js', import.meta.url))];
}

function runArguments(s: RunSettings): string[] {
  return [
    'emulator',
    'run',
    `--model=${s.model}`,
    `--state=${s.stateDir}`,
    `--socket=${s.socketPath}`,
    ...(s.port === undefined ? [] : [`--tcp=${s.port}`]),
    ...(s.generatedMax === undefined ? [] : [`--key-slots=${s.generatedMax}`]),
    ...(s.firmware === undefined ? [] : [`--firmware=${s.firmware}`]),
    ...(s.quirks === undefined
      ? []
      : [`--quirks=${s.quirks === 'all' ? 'all' : s.quirks.join(',')}`]),
    ...(s.resetMs === undefined ? [] : [`--reset-ms=${s.resetMs}`]),
    ...(s.bootDir === undefined ? [] : [`--boot-dir=${s.bootDir}`]),
  ];
}

/** What the log holds from byte `from` on (at most the last 64 KiB). */
async function logSince(path: string, from: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(from, size - 65536);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    const { bytesRead } = await fh.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Waits for the child's `ready` line; resolves with its TCP port (null: none) or a failure. */
async function waitReady(
  child: ChildProcess,
  logFile: string,
  from: number,
): Promise<{ port: number | null } | { failure: string; log: string }> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = signal === null ? `exit code ${code ?? '?'}` : `killed by ${signal}`;
  });
  child.once('error', (e) => {
    exited = e.message;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const log = await logSince(logFile, from);
    const ready = /^ready (.+) (\d+|-)$/m.exec(log);
    if (ready !== null) return { port: ready[2] === '-' ? null : Number(ready[2]) };
    if (exited !== undefined) {
      return { failure: `the emulator exited before it was ready (${exited})`, log };
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      return { failure: `the emulator was not ready within ${READY_TIMEOUT_MS / 1000} s`, log };
    }
    await sleep(POLL_MS);
  }
}

/** `zkbridge emulator start`: 0 once the background emulator serves, else 1. */
export async function startEmulator(
  s: RunSettings & { logFile: string; pidFile: string; json: boolean },
): Promise<number> {
  const state = await inspect(s);
  if (state.kind === 'running') {
    throw new Error(`an emulator is already running (pid ${state.pid}) on ${state.socketPath}`);
  }
  if (await answers(s.socketPath)) {
    throw new Error(`a device service already answers on ${s.socketPath}`);
  }
  for (const dir of [dirname(s.socketPath), s.stateDir, dirname(s.logFile), dirname(s.pidFile)]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const log = await open(s.logFile, 'a', 0o600);
  let from: number;
  let child: ChildProcess;
  try {
    from = (await log.stat()).size;
    child = spawn(process.execPath, [...cliCommand(), ...runArguments(s)], {
      cwd: '/',
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
  } finally {
    await log.close();
  }
  const result = await waitReady(child, s.logFile, from);
  if ('failure' in result) {
    const tail = result.log.trimEnd().split('\n').slice(-TAIL_LINES);
    console.error(`zkbridge: ${result.failure}; the end of ${s.logFile}:`);
    for (const line of tail) console.error(`  ${line}`);
    return 1;
  }
  child.unref();
  const pid = child.pid ?? 0;
  const tmp = `${s.pidFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${pid}\n`, { mode: 0o644 });
  await rename(tmp, s.pidFile);
  if (s.json) {
    const { socketPath: socket, stateDir: state, model } = s;
    console.log(JSON.stringify({ pid, socket, tcpPort: result.port, state, model }));
  } else {
    const tcp = result.port === null ? '' : ` and tcp:127.0.0.1:${result.port}`;
    console.log(`started ${s.model} (pid ${pid}) on ${s.socketPath}${tcp}`);
  }
  return 0;
}

/** Waits until `pid` is gone; false when it is still alive after `ms`. */
async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/** Sends `signal`; false when the process is already gone. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (e) {
    if (errno(e) === 'ESRCH') return false;
    throw e;
  }
}

/** `zkbridge emulator stop`: 0 once stopped, 1 when it was not running. */
export async function stopEmulator(target: DaemonTarget): Promise<number> {
  const state = await inspect(target);
  if (state.kind === 'none') {
    console.error(`zkbridge: not running (no pid file ${target.pidFile})`);
    return 1;
  }
  if (state.kind === 'stale') {
    await rm(target.pidFile, { force: true });
    console.error('zkbridge: not running (stale pid file removed)');
    return 1;
  }
  const { pid } = state;
  if (signal(pid, 'SIGTERM') && !(await waitExit(pid, STOP_TIMEOUT_MS))) {
    console.error(
      `zkbridge: warning: pid ${pid} did not stop within ${STOP_TIMEOUT_MS / 1000} s; sent SIGKILL`,
    );
    signal(pid, 'SIGKILL');
    await waitExit(pid, STOP_TIMEOUT_MS);
  }
  await rm(target.pidFile, { force: true });
  console.log(`stopped (pid ${pid})`);
  return 0;
}

/** `zkbridge emulator status`: 0 running, 3 not running, 1 running but not answering. */
export async function emulatorStatus(target: DaemonTarget & { json: boolean }): Promise<number> {
  const state = await inspect(target);
  const print = (fields: Record<string, unknown>, lines: string[]): void => {
    console.log(target.json ? JSON.stringify(fields) : lines.join('\n'));
  };
  if (state.kind !== 'running') {
    const pid = state.kind === 'stale' ? (state.pid ?? null) : null;
    const note =
      state.kind === 'stale'
        ? ` (stale pid file ${target.pidFile})`
        : (await answers(target.socketPath))
          ? ` (no pid file; another device service answers on ${target.socketPath})`
          : '';
    const fields = { running: false, pid, socket: target.socketPath, pidFile: target.pidFile };
    print(fields, [`not running${note}`, `socket:   ${target.socketPath}`]);
    return 3;
  }
  const base = { running: true, pid: state.pid, socket: state.socketPath, pidFile: target.pidFile };
  const head = [`running (pid ${state.pid})`, `socket:   ${state.socketPath}`];
  let device: Device;
  try {
    device = await Device.connect({ address: `unix:${state.socketPath}`, connectTimeoutMs: 5000 });
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    print({ ...base, error }, [...head, `error:    the device does not answer: ${error}`]);
    return 1;
  }
  try {
    const { model, serial, firmware } = device.info;
    print({ ...base, model, serial, firmware }, [
      ...head,
      `model:    ${model}`,
      `serial:   ${serial}`,
      `firmware: ${firmware}`,
    ]);
    return 0;
  } finally {
    await device.close();
  }
}
