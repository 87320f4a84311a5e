/**
 * The simulation control service: the control protocol (protocol.ts) on its own Unix socket,
 * owner-only (0600), beside the device socket. It reaches the policy runtime's simulation
 * inputs, which the device protocol never does. One request at a time per connection; a line
 * longer than {@link CONTROL_MAX_LINE} or a flood of queued requests ends the connection.
 *
 * @packageDocumentation
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { PolicyRuntime } from '../policy_runtime/runtime.js';
import { CONTROL_MAX_LINE, handleControlRequest, type ControlAnswer } from './protocol.js';
import { claimSocketPath } from '../server.js';

/** Requests a connection may have queued before it is closed. */
const MAX_QUEUED = 32;
/** Connections served at once. */
const MAX_CONNECTIONS = 16;

/** Options of {@link ControlServer.start}. */
export interface ControlServerOptions {
  /** The device whose policies are simulated (an `EmulatedDevice`). */
  device: { readonly policy: PolicyRuntime };
  /** Unix socket path (see `controlSocketPath`). */
  socketPath: string;
}

/**
 * A running control service.
 *
 * @example
 * ```ts
 * const control = await ControlServer.start({ device, socketPath: controlSocketPath(sock) });
 * // ... later
 * await control.close();
 * ```
 */
export class ControlServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #socketPath: string;

  private constructor(server: Server, socketPath: string) {
    this.#server = server;
    this.#socketPath = socketPath;
  }

  /** Starts serving; resolves once the socket is bound and owner-only. */
  static async start(options: ControlServerOptions): Promise<ControlServer> {
    await claimSocketPath(options.socketPath, 'an emulator control service');
    const server = createServer();
    const control = new ControlServer(server, options.socketPath);
    server.on('connection', (socket) => {
      control.#accept(options.device, socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
      await chmod(options.socketPath, 0o600);
    } catch (error) {
      await control.close();
      throw error;
    }
    return control;
  }

  /** The Unix socket path. */
  get socketPath(): string {
    return this.#socketPath;
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    await rm(this.#socketPath, { force: true });
  }

  #accept(device: { readonly policy: PolicyRuntime }, socket: Socket): void {
    if (this.#sockets.size >= MAX_CONNECTIONS) {
      socket.end(`${JSON.stringify({ ok: false, error: 'too many control connections' })}\n`);
      return;
    }
    this.#sockets.add(socket);
    let buffered = Buffer.alloc(0);
    let queued = 0;
    let chain: Promise<void> = Promise.resolve();
    let refused = false;
    const send = (answer: ControlAnswer): void => {
      if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(answer)}\n`);
    };
    const refuse = (error: string): void => {
      refused = true;
      send({ ok: false, error });
      socket.end();
      socket.destroySoon();
    };
    const answer = async (line: string): Promise<void> => {
      let request: unknown;
      try {
        request = JSON.parse(line) as unknown;
      } catch {
        send({ ok: false, error: 'malformed JSON request' });
        return;
      }
      send(await handleControlRequest(device.policy, request));
    };
    socket.on('data', (chunk: Buffer) => {
      if (refused || socket.destroyed) return;
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf(0x0a);
        if (end < 0) break;
        if (end > CONTROL_MAX_LINE) {
          refuse(`request line longer than ${CONTROL_MAX_LINE} bytes`);
          return;
        }
        const line = buffered.subarray(0, end).toString('utf8').trim();
        buffered = buffered.subarray(end + 1);
        if (line === '') continue;
        if (++queued > MAX_QUEUED) {
          refuse('too many queued requests');
          return;
        }
        chain = chain.then(async () => {
          try {
            await answer(line);
          } finally {
            queued--;
          }
        });
      }
      if (buffered.length > CONTROL_MAX_LINE) {
        refuse(`request line longer than ${CONTROL_MAX_LINE} bytes`);
      }
    });
    socket.on('error', () => {
      socket.destroy();
    });
    socket.on('close', () => {
      this.#sockets.delete(socket);
    });
  }
}
