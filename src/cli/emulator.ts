/**
 * `zkbridge emulator run|start|stop|status`.
 *
 * `run` serves an emulated device in the foreground (for systemd, tests and the embedded mode):
 * it prints one line `ready <socket> <tcp-port|->` once it serves, then runs until
 * SIGINT/SIGTERM. `start`, `stop` and `status` manage the same service in the background
 * (src/cli/emulator_daemon.ts).
 */
import { join, resolve } from 'node:path';
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { controlSocketPath } from '../emulator/control/protocol.js';
import { ControlServer } from '../emulator/control/server.js';
import { EmulatedDevice } from '../emulator/device.js';
import { MODEL_NAMES, type ModelName } from '../emulator/models.js';
import { defaultSocketPath, defaultStateDir } from '../emulator/paths.js';
import { DeviceServer } from '../emulator/server.js';
import {
  defaultPidFile,
  emulatorStatus,
  startEmulator,
  stopEmulator,
  type RunSettings,
} from './emulator_daemon.js';
import { CONTROL_COMMANDS, CONTROL_HELP, emulatorControlCommand } from './emulator_control.js';
import { UsageError } from './usage.js';

const HELP = `usage: zkbridge emulator <command> [options]

commands:
  run                run an emulated device in the foreground
  start              run it in the background; prints its pid once it serves
  stop               stop the background emulator (SIGTERM, SIGKILL after 10 s)
  status             running or not; model, serial, firmware (exit 3 when not running)

options of run and start:
  --model M          ${MODEL_NAMES.join(' | ')} (default hsm6)
  --state DIR        state directory (default: $ZKBRIDGE_STATE_DIR or ~/.local/state/zkbridge/<model>)
  --socket PATH      Unix socket (default: $ZKBRIDGE_SOCKET or $XDG_RUNTIME_DIR/zkbridge/device.sock)
  --tcp PORT         also serve TCP on 127.0.0.1 (0 = any free port)
  --key-slots N      size of the generated key store (default 512; raise for scale tests)
  --firmware V       firmware version to report (e.g. 01.02.02release, 00.00.51beta)
  --quirks Q         reproduce known issues of that firmware: all, or names (docs/firmware.md)
  --reset-ms N       a reset keeps the device busy (ERR_BUSY) for N ms (default 0)
  --boot-dir DIR     boot partition for supervised boot (default: <state dir>/boot)

options of run for a parent that embeds it as a private child process:
  --stdin-lifeline   stop when standard input closes (the parent has gone)
  --remove-on-exit D delete directory D (its private socket and state) after stopping

options of start, stop and status:
  --socket PATH      as above
  --pid-file FILE    pid file (default: emulator.pid next to the socket)
  --log FILE         (start) output of the emulator (default: <state dir>/emulator.log)
  --json             (start, status) print one JSON object

${CONTROL_HELP}`;

const RUN_OPTIONS = {
  model: { type: 'string' },
  state: { type: 'string' },
  socket: { type: 'string' },
  tcp: { type: 'string' },
  'key-slots': { type: 'string' },
  firmware: { type: 'string' },
  quirks: { type: 'string' },
  'reset-ms': { type: 'string' },
  'boot-dir': { type: 'string' },
} as const;

/** Options for a parent that embeds the emulator as its private child process. */
const EMBEDDING_OPTIONS = {
  'stdin-lifeline': { type: 'boolean' },
  'remove-on-exit': { type: 'string' },
} as const;

const DAEMON_OPTIONS = {
  socket: { type: 'string' },
  'pid-file': { type: 'string' },
  json: { type: 'boolean' },
} as const;

function modelName(value: string | undefined): ModelName {
  const name = value ?? 'hsm6';
  if (!(MODEL_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown model '${name}' (one of ${MODEL_NAMES.join(', ')})`);
  }
  return name as ModelName;
}

function integer(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new UsageError(`${name} must be an integer in 0..${max}`);
  return n;
}

function runSettings(values: {
  model?: string | undefined;
  state?: string | undefined;
  socket?: string | undefined;
  tcp?: string | undefined;
  'key-slots'?: string | undefined;
  firmware?: string | undefined;
  quirks?: string | undefined;
  'reset-ms'?: string | undefined;
  'boot-dir'?: string | undefined;
}): RunSettings {
  const model = modelName(values.model);
  const generatedMax = integer(values['key-slots'], '--key-slots', 1_000_000);
  const port = integer(values.tcp, '--tcp', 65535);
  const resetMs = integer(values['reset-ms'], '--reset-ms', 600_000);
  const quirks = quirkList(values.quirks);
  return {
    model,
    stateDir: values.state ?? defaultStateDir(model),
    socketPath: values.socket ?? defaultSocketPath(),
    ...(port === undefined ? {} : { port }),
    ...(generatedMax === undefined ? {} : { generatedMax }),
    ...(values.firmware === undefined ? {} : { firmware: values.firmware }),
    ...(quirks === undefined ? {} : { quirks }),
    ...(resetMs === undefined ? {} : { resetMs }),
    ...(values['boot-dir'] === undefined ? {} : { bootDir: resolve(values['boot-dir']) }),
  };
}

/** `--quirks all` or a comma-separated list of quirk names. */
function quirkList(value: string | undefined): 'all' | string[] | undefined {
  if (value === undefined) return undefined;
  if (value === 'all') return 'all';
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => !/^[a-z0-9-]+$/u.test(n))) {
    throw new UsageError(`--quirks takes 'all' or comma-separated quirk names (got '${value}')`);
  }
  return names;
}

/** How an embedding parent ties the service's life to its own. */
interface Embedding {
  /** Stop when standard input closes (the parent exited, however it ended). */
  stdinLifeline: boolean;
  /** A private directory (socket and state) to delete after stopping. */
  removeOnExit?: string;
}

/** Serves in the foreground until SIGINT/SIGTERM (or, embedded, until the parent goes). */
async function run(settings: RunSettings, embedding: Embedding): Promise<number> {
  const device = await EmulatedDevice.open({
    model: settings.model,
    stateDir: settings.stateDir,
    ...(settings.generatedMax === undefined ? {} : { generatedMax: settings.generatedMax }),
    ...(settings.firmware === undefined ? {} : { firmware: settings.firmware }),
    ...(settings.quirks === undefined ? {} : { quirks: settings.quirks }),
    ...(settings.resetMs === undefined ? {} : { resetMs: settings.resetMs }),
    ...(settings.bootDir === undefined ? {} : { bootDir: settings.bootDir }),
  });
  let server: DeviceServer;
  let control: ControlServer | undefined;
  try {
    server = await DeviceServer.start({
      engine: device,
      socketPath: settings.socketPath,
      ...(settings.port === undefined ? {} : { tcp: { port: settings.port } }),
    });
  } catch (error) {
    await device.close();
    throw error;
  }
  try {
    // Simulated events: emulator-only, on a socket of their own (never the device protocol).
    control = await ControlServer.start({
      device,
      socketPath: controlSocketPath(settings.socketPath),
    });
  } catch (error) {
    // The device still serves (e.g. a socket path too long for the suffix); only simulation is off.
    console.error(`zkbridge: warning: no simulation control socket: ${String(error)}`);
  }
  console.log(`ready ${settings.socketPath} ${server.tcpPort ?? '-'}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (embedding.stdinLifeline) {
      process.stdin.once('close', resolve);
      process.stdin.resume();
    }
  });
  await control?.close();
  await server.close();
  await device.close();
  if (embedding.removeOnExit) await rm(embedding.removeOnExit, { recursive: true, force: true });
  process.stdin.destroy();
  return 0;
}

/** Runs `zkbridge emulator ...`; resolves with the exit code. */
export async function emulatorCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'run': {
      const { values } = parseArgs({
        args: rest,
        options: { ...RUN_OPTIONS, ...EMBEDDING_OPTIONS },
        strict: true,
      });
      return run(runSettings(values), {
        stdinLifeline: values['stdin-lifeline'] === true,
        ...(values['remove-on-exit'] === undefined
          ? {}
          : { removeOnExit: values['remove-on-exit'] }),
      });
    }
    case 'start': {
      const { values } = parseArgs({
        args: rest,
        options: { ...RUN_OPTIONS, ...DAEMON_OPTIONS, log: { type: 'string' } },
        strict: true,
      });
      const settings = runSettings(values);
      const stateDir = resolve(settings.stateDir);
      const socketPath = resolve(settings.socketPath);
      return startEmulator({
        ...settings,
        stateDir,
        socketPath,
        logFile: resolve(values.log ?? join(stateDir, 'emulator.log')),
        pidFile: resolve(values['pid-file'] ?? defaultPidFile(socketPath)),
        json: values.json === true,
      });
    }
    case 'stop':
    case 'status': {
      const { values } = parseArgs({ args: rest, options: DAEMON_OPTIONS, strict: true });
      const socketPath = resolve(values.socket ?? defaultSocketPath());
      const target = {
        socketPath,
        pidFile: resolve(values['pid-file'] ?? defaultPidFile(socketPath)),
      };
      if (sub === 'status') return emulatorStatus({ ...target, json: values.json === true });
      if (values.json === true) throw new UsageError('stop takes no --json');
      return stopEmulator(target);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      if (CONTROL_COMMANDS.has(sub)) return emulatorControlCommand(sub, rest);
      throw new UsageError(`unknown emulator command '${sub}' (see 'zkbridge emulator help')`);
  }
}
