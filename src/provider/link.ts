/**
 * A device link that survives device restarts: one {@link DeviceConnection} at a time, replaced
 * with exponential backoff when it is lost.
 *
 * Requests in flight when the link drops fail at once with `ERR_DEVICE_DISCONNECTED` (the
 * device may or may not have carried them out; retrying is the caller's decision). Requests
 * made while the device is away wait for the next connection, up to their own timeout, and
 * then run normally: the first request after a restart succeeds, it does not need a second try.
 *
 * @packageDocumentation
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownIssue } from '../firmware/index.js';
import type { DeviceAddress } from './address.js';
import {
  DeviceConnection,
  type Answer,
  type ConnectionOptions,
  type HelloInfo,
} from './connection.js';
import { DeviceError } from './errors.js';
import {
  checkFirmwareIssueOptions,
  FirmwareIssueReporter,
  type FirmwareIssueOptions,
} from './firmware_issues.js';

/** Backoff between reconnection attempts. */
export interface ReconnectOptions {
  /** First delay after a loss, in ms (default 50). */
  initialDelayMs?: number;
  /** Largest delay, in ms (default 2000). */
  maxDelayMs?: number;
}

/** Options of {@link DeviceLink.open}. */
export interface LinkOptions extends ConnectionOptions, FirmwareIssueOptions {
  /** Reconnect when the link is lost (default on); `false` makes a loss final. */
  reconnect?: ReconnectOptions | false;
}

/** Someone waiting for a connection. */
interface Waiter {
  resolve: (connection: DeviceConnection) => void;
  reject: (error: DeviceError) => void;
}

/**
 * A reconnecting device link.
 *
 * @example
 * ```ts
 * const link = await DeviceLink.open({ kind: 'unix', path }, { reconnect: { maxDelayMs: 1000 } });
 * const payload = await link.request(Command.GET_RANDOM, encodeRequest(Command.GET_RANDOM, { num_bytes: 8 }));
 * ```
 */
export class DeviceLink {
  readonly #address: DeviceAddress;
  readonly #options: LinkOptions;
  readonly #timeoutMs: number;
  #connection: DeviceConnection | undefined;
  #hello: HelloInfo;
  #waiters: Waiter[] = [];
  #reconnecting = false;
  /** Why the last attempt failed, for the error of a request that gave up waiting. */
  #lastFailure: DeviceError | undefined;
  #closed: DeviceError | undefined;
  #reconnects = 0;
  readonly #firmware: FirmwareIssueReporter;

  private constructor(address: DeviceAddress, options: LinkOptions, first: DeviceConnection) {
    this.#address = address;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#hello = first.hello;
    this.#firmware = new FirmwareIssueReporter(options);
    this.#adopt(first);
  }

  /** Connects once (no retry: a device that is not there now is an error now). */
  static async open(address: DeviceAddress, options: LinkOptions = {}): Promise<DeviceLink> {
    checkFirmwareIssueOptions(options);
    return new DeviceLink(address, options, await DeviceConnection.open(address, options));
  }

  /** The HELLO answer of the current (or last) connection. */
  get hello(): HelloInfo {
    return this.#hello;
  }

  /** True while a connection is up. */
  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** Known issues of the current (or last) connection's firmware (`zkbridge/firmware`). */
  get knownIssues(): readonly KnownIssue[] {
    return this.#firmware.issues;
  }

  /** How many times the link has been re-established. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Sends a request; resolves with the status and payload whatever the status. */
  async exchange(
    command: number,
    payload: Uint8Array,
    timeoutMs = this.#timeoutMs,
  ): Promise<Answer> {
    const connection = this.#connection ?? (await this.#whenConnected(timeoutMs));
    return connection.exchange(command, payload, timeoutMs);
  }

  /** Like {@link exchange}, but rejects with a {@link DeviceError} unless the status is OK. */
  async request(
    command: number,
    payload: Uint8Array,
    timeoutMs = this.#timeoutMs,
  ): Promise<Uint8Array> {
    const connection = this.#connection ?? (await this.#whenConnected(timeoutMs));
    return connection.request(command, payload, timeoutMs);
  }

  /**
   * Ends the link for good: requests waiting or in flight fail with `ERR_DEVICE_CLOSED`, or
   * with `reason` when given (an embedded emulator that exited, for instance).
   */
  async close(reason?: DeviceError): Promise<void> {
    if (this.#closed) return;
    this.#closed =
      reason ?? DeviceError.client('ERR_DEVICE_CLOSED', 'the device connection was closed');
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closed);
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close();
  }

  #adopt(connection: DeviceConnection): void {
    this.#connection = connection;
    this.#hello = connection.hello;
    this.#firmware.connected(connection.hello);
    connection.onClose(() => {
      if (this.#connection !== connection) return;
      this.#connection = undefined;
      if (this.#closed) return;
      if (this.#options.reconnect === false) {
        void this.close(
          DeviceError.client('ERR_DEVICE_DISCONNECTED', 'the device connection was lost'),
        );
        return;
      }
      void this.#reconnect();
    });
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(connection);
  }

  /** Waits for the next connection, at most `timeoutMs` (0: as long as it takes). */
  #whenConnected(timeoutMs: number): Promise<DeviceConnection> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#waiters.push(waiter);
      if (timeoutMs <= 0) return;
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index < 0) return;
        this.#waiters.splice(index, 1);
        const why = this.#lastFailure ? `: ${this.#lastFailure.message}` : '';
        reject(
          DeviceError.client(
            'ERR_DEVICE_UNREACHABLE',
            `the device has been unreachable for ${timeoutMs} ms${why}`,
            this.#lastFailure,
          ),
        );
      }, timeoutMs);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          fn(value);
        };
      waiter.resolve = settle(resolve);
      waiter.reject = settle(reject);
    });
  }

  /** Tries to connect again, with exponential backoff and jitter, until it works or closes. */
  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    const backoff = this.#options.reconnect === false ? {} : (this.#options.reconnect ?? {});
    const maxDelay = backoff.maxDelayMs ?? 2000;
    let delay = backoff.initialDelayMs ?? 50;
    try {
      while (!this.#closed) {
        // Full jitter keeps many clients of one restarted device from arriving in step.
        // Unreferenced unless someone waits: a lost device alone does not keep a process alive.
        const ref = this.#waiters.length > 0;
        await sleep(delay / 2 + Math.random() * (delay / 2), undefined, { ref });
        if (this.#closed) return;
        try {
          const connection = await DeviceConnection.open(this.#address, this.#options);
          if (this.#closed) {
            await connection.close();
            return;
          }
          this.#reconnects++;
          this.#lastFailure = undefined;
          this.#adopt(connection);
          return;
        } catch (error) {
          this.#lastFailure =
            error instanceof DeviceError
              ? error
              : DeviceError.client('ERR_DEVICE_UNREACHABLE', String(error), error);
          delay = Math.min(maxDelay, delay * 2);
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }
}
