/**
 * Device addresses: where a client finds its device.
 *
 * - `unix:/path/to/device.sock` (or just an absolute path)
 * - `tcp:127.0.0.1:7070`, `tcp:[::1]:7070`
 * - `emulator` (an embedded emulator: a private process with its own state; the default)
 *
 * `ZKBRIDGE_DEVICE` selects one; without it the embedded emulator is used.
 */

/** A parsed device address. */
export type DeviceAddress =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'emulator' };

/**
 * Parses an address string.
 *
 * @example
 * ```ts
 * parseAddress('tcp:127.0.0.1:7070'); // { kind: 'tcp', host: '127.0.0.1', port: 7070 }
 * ```
 * @throws TypeError when the address has none of the forms above.
 */
export function parseAddress(text: string): DeviceAddress {
  if (text === 'emulator') return { kind: 'emulator' };
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  if (text.startsWith('unix:') && text.length > 5) return { kind: 'unix', path: text.slice(5) };
  const tcp = /^tcp:(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (tcp) {
    const port = Number(tcp[3]);
    if (port >= 1 && port <= 65535) return { kind: 'tcp', host: tcp[1] ?? tcp[2] ?? '', port };
  }
  throw new TypeError(
    `invalid device address '${text}': use unix:/path, tcp:host:port or emulator`,
  );
}

/** The address from the environment (`ZKBRIDGE_DEVICE`), or the embedded emulator. */
export function addressFromEnv(env: NodeJS.ProcessEnv = process.env): DeviceAddress {
  const value = env['ZKBRIDGE_DEVICE'];
  return value ? parseAddress(value) : { kind: 'emulator' };
}
