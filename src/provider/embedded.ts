/**
 * The embedded emulator: a private child process running `zkbridge emulator run` on a socket in
 * a private temporary directory. It is a separate process on purpose: a process that also loads
 * the PKCS#11 library synchronously must never serve the device on its own event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ModelName } from '../emulator/models.js';
import { DeviceError } from './errors.js';

/** Options of the embedded emulator. */
export interface EmbeddedOptions {
  model?: ModelName;
  /** State directory; default: a fresh temporary one, deleted when the device closes. */
  stateDir?: string;
  /** Size of the generated key store. */
  keySlots?: number;
  /** Firmware version to report, e.g. `'00.00.51beta'` (docs/firmware.md). */
  firmware?: string;
  /** Known issues of that firmware to reproduce: `'all'` or quirk names. */
  quirks?: 'all' | readonly string[];
}

/** A running embedded emulator. */
export interface EmbeddedEmulator {
  readonly socketPath: string;
  /** Settles with the exit code (null when killed by a signal) when the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** The CLI entry next to this module (TypeScript sources run through tsx in development). */
function cliCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts'))
    return ['--import', 'tsx', fileURLToPath(new URL('../bin/zkbridge.ts', import.meta.url))];
  return [fileURLToPath(new URL('../bin/zkbridge.js', import.meta.url))];
}

/** Starts an embedded emulator and waits until it serves. */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedEmulator> {
  const dir = await mkdtemp(join(tmpdir(), 'zkbridge-embedded-'));
  const socketPath = join(dir, 'device.sock');
  const args = [
    ...cliCommand(),
    'emulator',
    'run',
    '--model',
    options.model ?? 'hsm6',
    '--state',
    options.stateDir ?? join(dir, 'state'),
    '--socket',
    socketPath,
    ...(options.keySlots === undefined ? [] : ['--key-slots', String(options.keySlots)]),
    ...(options.firmware === undefined ? [] : ['--firmware', options.firmware]),
    ...(options.quirks === undefined
      ? []
      : ['--quirks', options.quirks === 'all' ? 'all' : options.quirks.join(',')]),
    // The child lives as long as this process: it stops when our end of its stdin closes
    // (however this process ends) and then deletes its private directory.
    '--stdin-lifeline',
    '--remove-on-exit',
    dir,
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  try {
    await waitReady(child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  // Neither the child nor its pipes keep this process alive; the device connection decides.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return {
    socketPath,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.ref(); // waiting for it must keep this process alive until it has gone
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function waitReady(child: ChildProcess, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout ?? process.stdin });
    const timer = setTimeout(() => {
      fail('the embedded emulator did not start within 20 s');
    }, 20_000);
    const fail = (why: string): void => {
      clearTimeout(timer);
      lines.close();
      reject(DeviceError.client('ERR_DEVICE_UNREACHABLE', `${why}: ${stderr().trim()}`));
    };
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) {
        clearTimeout(timer);
        lines.close();
        resolve();
      }
    });
    child.once('exit', (code) => {
      fail(`the embedded emulator exited (code ${code})`);
    });
  });
}
