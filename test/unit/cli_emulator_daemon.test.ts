/** `zkbridge emulator start|stop|status`, run as child processes in temporary directories. */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './fixtures/cli.ts';

const dirs: string[] = [];

/** A fresh short temporary directory (Unix socket paths must stay short). */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zkd-'));
  dirs.push(dir);
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Kills what the tests started: emulators whose command line names one of our directories. */
after(async () => {
  const pids: number[] = [];
  for (const dir of dirs) {
    const pidFile = join(dir, 'emulator.pid');
    if (existsSync(pidFile)) pids.push(Number(readFileSync(pidFile, 'utf8')));
  }
  if (process.platform === 'linux') {
    for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmdline.includes('\0emulator\0run\0') && dirs.some((d) => cmdline.includes(d))) {
        pids.push(Number(name));
      }
    }
  }
  for (const pid of new Set(pids)) {
    const emulator =
      process.platform !== 'linux' ||
      (existsSync(`/proc/${pid}/cmdline`) &&
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('\0emulator\0run\0'));
    if (Number.isSafeInteger(pid) && pid > 0 && emulator && alive(pid)) {
      process.kill(pid, 'SIGKILL');
    }
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

void test('start, status, a device call, start refused, stop, status 3, stop again 1', async () => {
  const dir = await tempDir();
  const socket = join(dir, 'd.sock');
  const state = join(dir, 'state');
  const pidFile = join(dir, 'emulator.pid');

  const started = await cli(
    'emulator',
    'start',
    '--model',
    'hsm6',
    '--state',
    state,
    '--socket',
    socket,
  );
  assert.equal(started.code, 0, started.stderr);
  const m = /^started hsm6 \(pid (\d+)\) on (.+)$/.exec(started.stdout.trim());
  assert.ok(m, started.stdout);
  const pid = Number(m[1]);
  assert.equal(m[2], socket);
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(pid));
  assert.ok(alive(pid));
  assert.match(await readFile(join(state, 'emulator.log'), 'utf8'), /^ready /m);

  const status = await cli('emulator', 'status', '--socket', socket);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^running \\(pid ${pid}\\)`));
  assert.match(status.stdout, /model: +HSM6/);
  assert.match(status.stdout, /firmware: +\S+/);

  const json = await cli('emulator', 'status', '--socket', socket, '--json');
  assert.equal(json.code, 0, json.stderr);
  const info = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.equal(info['running'], true);
  assert.equal(info['pid'], pid);
  assert.equal(info['socket'], socket);
  assert.equal(info['model'], 'HSM6');
  assert.equal(typeof info['serial'], 'string');

  const device = await cli('info', '--device', `unix:${socket}`);
  assert.equal(device.code, 0, device.stderr);
  assert.match(device.stdout, /^HSM6 serial /);
  const generated = await cli('keys', 'generate', 'nistp256', '--device', `unix:${socket}`);
  assert.equal(generated.code, 0, generated.stderr);
  assert.match(generated.stdout, /^slot \d+/);

  const again = await cli('emulator', 'start', '--state', join(dir, 'other'), '--socket', socket);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already running \(pid \d+\)/);
  assert.equal(again.stderr.trim().split('\n').length, 1);
  assert.ok(alive(pid));

  const stopped = await cli('emulator', 'stop', '--socket', socket);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(stopped.stdout.trim(), `stopped (pid ${pid})`);
  assert.ok(await waitGone(pid));
  assert.equal(existsSync(pidFile), false);
  assert.equal(existsSync(socket), false);

  const down = await cli('emulator', 'status', '--socket', socket);
  assert.equal(down.code, 3, down.stderr);
  assert.match(down.stdout, /^not running/);
  const stopAgain = await cli('emulator', 'stop', '--socket', socket);
  assert.equal(stopAgain.code, 1);
  assert.match(stopAgain.stderr, /not running/);
});

void test('start --json with --tcp, --log and --pid-file; stop by --pid-file', async () => {
  const dir = await tempDir();
  const socket = join(dir, 'd.sock');
  const pidFile = join(dir, 'run', 'x.pid');
  const log = join(dir, 'logs', 'e.log');
  const args = ['--state', join(dir, 's'), '--socket', socket, '--pid-file', pidFile];
  const started = await cli(
    'emulator',
    'start',
    ...args,
    '--model',
    'scm',
    '--tcp',
    '0',
    '--log',
    log,
    '--json',
  );
  assert.equal(started.code, 0, started.stderr);
  const out = JSON.parse(started.stdout) as Record<string, unknown>;
  assert.equal(out['model'], 'scm');
  assert.equal(out['socket'], socket);
  assert.equal(out['state'], join(dir, 's'));
  assert.equal(typeof out['tcpPort'], 'number');
  assert.ok((out['tcpPort'] as number) > 0);
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(out['pid']));
  assert.match(readFileSync(log, 'utf8'), /^ready /m);
  assert.equal(existsSync(join(dir, 'emulator.pid')), false);

  const tcp = await cli('info', '--device', `tcp:127.0.0.1:${String(out['tcpPort'])}`, '--json');
  assert.equal(tcp.code, 0, tcp.stderr);
  assert.equal((JSON.parse(tcp.stdout) as Record<string, unknown>)['model'], 'SCM');

  // The socket comes from the emulator's command line when only --pid-file is given.
  const status = await cli('emulator', 'status', '--pid-file', pidFile, '--json');
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as Record<string, unknown>)['socket'], socket);

  const stopped = await cli('emulator', 'stop', '--pid-file', pidFile);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.ok(await waitGone(out['pid'] as number));
  assert.equal(existsSync(pidFile), false);
});

void test('a stale pid file is reported and removed; another program is never signalled', async () => {
  const dir = await tempDir();
  const socket = join(dir, 'd.sock');
  const pidFile = join(dir, 'emulator.pid');

  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => dead.once('exit', resolve));
  await writeFile(pidFile, `${dead.pid ?? 0}\n`);
  const status = await cli('emulator', 'status', '--socket', socket);
  assert.equal(status.code, 3);
  assert.match(status.stdout, /^not running \(stale pid file/);
  assert.ok(existsSync(pidFile), 'status leaves the pid file alone');
  const stop = await cli('emulator', 'stop', '--socket', socket);
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, /not running \(stale pid file removed\)/);
  assert.equal(existsSync(pidFile), false);

  if (process.platform !== 'linux') return;
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
    stdio: 'ignore',
  });
  try {
    await writeFile(pidFile, `${other.pid ?? 0}\n`);
    const refused = await cli('emulator', 'stop', '--socket', socket);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /stale pid file removed/);
    assert.ok(alive(other.pid ?? 0), 'a process that is not an emulator must not be killed');
    assert.equal(existsSync(pidFile), false);
  } finally {
    other.kill('SIGKILL');
  }
});

void test('a bad --model exits 2 and leaves no pid file; a failed start shows the log', async () => {
  const dir = await tempDir();
  const socket = join(dir, 'd.sock');
  const bad = await cli(
    'emulator',
    'start',
    '--model',
    'hsm9',
    '--state',
    join(dir, 's'),
    '--socket',
    socket,
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown model 'hsm9'/);
  assert.equal(existsSync(join(dir, 'emulator.pid')), false);
  assert.equal(existsSync(join(dir, 's')), false);

  // A state directory locked by a live process: the child exits before it is ready.
  const state = join(dir, 'locked');
  await mkdir(state);
  await writeFile(join(state, 'lock'), `${process.pid}\n`);
  const failed = await cli('emulator', 'start', '--state', state, '--socket', socket);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /exited before it was ready/);
  assert.match(failed.stderr, /in use by process/);
  assert.equal(existsSync(join(dir, 'emulator.pid')), false);
});
