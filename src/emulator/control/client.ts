/**
 * A one-shot client of the simulation control protocol: one request, one answer.
 *
 * @packageDocumentation
 */
import { createConnection } from 'node:net';
import type { ControlAnswer } from './protocol.js';

/**
 * Sends `request` to the control socket at `socketPath` and resolves with the answer line's
 * object (ok or not).
 *
 * @example
 * ```ts
 * const answer = await controlRequest(controlSocketPath(sock), { op: 'tamper', channel: 0 });
 * ```
 * @throws Error when nothing serves on the socket, the answer is not JSON, or it takes longer
 *   than `timeoutMs`.
 */
export function controlRequest(
  socketPath: string,
  request: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffered = '';
    let settled = false;
    const finish = (error: Error | undefined, answer?: ControlAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else if (answer) resolve(answer);
    };
    const timer = setTimeout(() => {
      finish(new Error(`no answer from the emulator control socket ${socketPath}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      try {
        const answer = JSON.parse(buffered.slice(0, end)) as ControlAnswer;
        if (typeof answer !== 'object' || answer === null || typeof answer.ok !== 'boolean') {
          throw new Error('not an answer object');
        }
        finish(undefined, answer);
      } catch (error) {
        finish(new Error(`bad answer from the emulator control socket: ${String(error)}`));
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const gone = error.code === 'ENOENT' || error.code === 'ECONNREFUSED';
      finish(
        new Error(
          gone
            ? `no emulator control socket at ${socketPath} (is the emulator running?)`
            : `emulator control socket ${socketPath}: ${error.message}`,
        ),
      );
    });
    socket.once('close', () => {
      finish(new Error(`the emulator control socket ${socketPath} closed without an answer`));
    });
  });
}
