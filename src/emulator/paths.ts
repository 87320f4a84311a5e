/**
 * Default places of the emulator: its socket and its state directory, both private to the user.
 *
 * - socket: `$ZKBRIDGE_SOCKET`, else `$XDG_RUNTIME_DIR/zkbridge/device.sock`, else
 *   `<tmpdir>/zkbridge-<uid>/device.sock`;
 * - state: `$ZKBRIDGE_STATE_DIR`, else `$XDG_STATE_HOME/zkbridge/<model>`, else
 *   `~/.local/state/zkbridge/<model>`.
 */
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The default Unix socket path of the device service. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['ZKBRIDGE_SOCKET']) return env['ZKBRIDGE_SOCKET'];
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime) return join(runtime, 'zkbridge', 'device.sock');
  return join(tmpdir(), `zkbridge-${userInfo().uid}`, 'device.sock');
}

/** The default state directory of an emulated model. */
export function defaultStateDir(model: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env['ZKBRIDGE_STATE_DIR']) return env['ZKBRIDGE_STATE_DIR'];
  const base = env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state');
  return join(base, 'zkbridge', model);
}
