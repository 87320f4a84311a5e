/**
 * `zkbridge emulator run --model M --state DIR --socket PATH [--tcp PORT]`: runs an emulated
 * device in the foreground (for systemd, tests and the embedded mode). Prints one line
 * `ready <socket> <tcp-port|->` once it serves, then runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { EmulatedDevice } from '../emulator/device.js';
import { MODEL_NAMES, type ModelName } from '../emulator/models.js';
import { defaultSocketPath, defaultStateDir } from '../emulator/paths.js';
import { DeviceServer } from '../emulator/server.js';
import { UsageError } from './usage.js';

const HELP = `usage: zkbridge emulator run [options]

  --model M          ${MODEL_NAMES.join(' | ')} (default hsm6)
  --state DIR        state directory (default: $ZKBRIDGE_STATE_DIR or ~/.local/state/zkbridge/<model>)
  --socket PATH      Unix socket (default: $ZKBRIDGE_SOCKET or $XDG_RUNTIME_DIR/zkbridge/device.sock)
  --tcp PORT         also serve TCP on 127.0.0.1 (0 = any free port)
  --key-slots N      size of the generated key store (default 512; raise for scale tests)
  --firmware V       firmware version to report`;

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

/** Runs `zkbridge emulator ...`; resolves with the exit code when the service stops. */
export async function emulatorCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'run') {
    console.log(HELP);
    return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      model: { type: 'string' },
      state: { type: 'string' },
      socket: { type: 'string' },
      tcp: { type: 'string' },
      'key-slots': { type: 'string' },
      firmware: { type: 'string' },
    },
    strict: true,
  });
  const model = modelName(values.model);
  const generatedMax = integer(values['key-slots'], '--key-slots', 1_000_000);
  const port = integer(values.tcp, '--tcp', 65535);
  const device = await EmulatedDevice.open({
    model,
    stateDir: values.state ?? defaultStateDir(model),
    ...(generatedMax === undefined ? {} : { generatedMax }),
    ...(values.firmware === undefined ? {} : { firmware: values.firmware }),
  });
  const socketPath = values.socket ?? defaultSocketPath();
  let server: DeviceServer;
  try {
    server = await DeviceServer.start({
      engine: device,
      socketPath,
      ...(port === undefined ? {} : { tcp: { port } }),
    });
  } catch (error) {
    await device.close();
    throw error;
  }
  console.log(`ready ${socketPath} ${server.tcpPort ?? '-'}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await device.close();
  return 0;
}
