/**
 * The device service: serves docs/protocol.md on a Unix socket (owner-only) and optionally on
 * TCP bound to loopback. Many clients at once; each connection is a {@link Session}.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { DeviceEngine } from './engine.js';
import { DEFAULT_LIMITS, Session, type SessionLimits } from './session.js';

/** Where and how to serve. */
export interface ServerOptions {
  engine: DeviceEngine;
  /** Unix socket path; omitted: no Unix socket. */
  socketPath?: string;
  /** TCP on loopback; port 0 picks a free port. */
  tcp?: { host?: '127.0.0.1' | '::1' | 'localhost'; port: number };
  limits?: SessionLimits;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Fails when another live service answers on `path`; removes a stale socket file. `what` names
 * the service in the error.
 */
export async function claimSocketPath(path: string, what = 'a device service'): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      resolve(false);
    });
  });
  if (live) throw new Error(`${what} already listens on ${path}`);
  await rm(path, { force: true });
}

function listen(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

/**
 * A running device service.
 *
 * @example
 * ```ts
 * const server = await DeviceServer.start({ engine, socketPath: defaultSocketPath() });
 * // ... later
 * await server.close();
 * ```
 */
export class DeviceServer {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<Session>();
  readonly #socketPath: string | undefined;
  #nextConnection = 1;
  #tcpPort: number | undefined;

  private constructor(socketPath: string | undefined) {
    this.#socketPath = socketPath;
  }

  /** Starts serving; resolves once every listener is bound. */
  static async start(options: ServerOptions): Promise<DeviceServer> {
    if (!options.socketPath && !options.tcp) throw new Error('give a socket path, TCP, or both');
    const host = options.tcp?.host ?? '127.0.0.1';
    if (options.tcp && !LOOPBACK.has(host)) throw new Error('TCP is served on loopback only');
    const service = new DeviceServer(options.socketPath);
    const limits = options.limits ?? DEFAULT_LIMITS;
    try {
      if (options.socketPath) {
        await claimSocketPath(options.socketPath);
        const server = service.#createServer(options.engine, limits);
        await listen(server, options.socketPath);
        await chmod(options.socketPath, 0o600);
      }
      if (options.tcp) {
        const server = service.#createServer(options.engine, limits);
        await listen(server, { host, port: options.tcp.port });
        const address = server.address();
        service.#tcpPort = typeof address === 'object' && address ? address.port : undefined;
      }
    } catch (error) {
      await service.close();
      throw error;
    }
    return service;
  }

  /** The Unix socket path, if any. */
  get socketPath(): string | undefined {
    return this.#socketPath;
  }

  /** The bound TCP port, if any. */
  get tcpPort(): number | undefined {
    return this.#tcpPort;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    for (const session of this.#sessions) session.close();
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
          }),
      ),
    );
    if (this.#socketPath) await rm(this.#socketPath, { force: true });
  }

  #createServer(engine: DeviceEngine, limits: SessionLimits): Server {
    const server = createServer({ noDelay: true }, (socket) => {
      this.#accept(engine, limits, socket);
    });
    this.#servers.push(server);
    return server;
  }

  #accept(engine: DeviceEngine, limits: SessionLimits, socket: Socket): void {
    const session = new Session(
      engine,
      {
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
      },
      this.#nextConnection++,
      limits,
    );
    this.#sockets.add(socket);
    this.#sessions.add(session);
    socket.on('data', (chunk: Buffer) => {
      session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    socket.on('error', () => {
      socket.destroy(); // a client that resets its connection is not an error of the service
    });
    socket.on('close', () => {
      session.close();
      this.#sockets.delete(socket);
      this.#sessions.delete(session);
    });
  }
}
