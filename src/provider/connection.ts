/**
 * One connection to a device service: HELLO, then pipelined requests matched by request id,
 * per-request timeouts, and clean failure of everything in flight when the link drops.
 */
import { createConnection, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createDecoder, encodeFrame, MAX_PAYLOAD, type FrameDecoder } from '../native/index.js';
import { FrameKind } from '../native/types.js';
import { Command, Status } from '../protocol/constants.generated.js';
import { commandName as catalogueName } from '../protocol/index.js';
import {
  DEFAULT_MAX_MESSAGE,
  Reassembler,
  fragmentMessage,
  type Message,
} from '../protocol/messages.js';
import { decodeResponse, encodeRequest } from '../protocol/payload_codec.js';
import { WriteBatch } from '../protocol/write_batch.js';
import type { DeviceAddress } from './address.js';

/** A command's catalogue name, or its hex code. */
const commandName = (command: number): string =>
  catalogueName(command) ?? `0x${command.toString(16)}`;
import { DeviceError } from './errors.js';

/** What the device said about itself in HELLO, and the agreed limits. */
export interface HelloInfo {
  version: number;
  model: string;
  serial: string;
  firmware: string;
  maxPayload: number;
  maxMessage: number;
  maxInFlight: number;
  features: number;
  factorySlots: number;
  keySlots: number;
  foreignSlots: number;
  curves: number;
}

/** Options of {@link DeviceConnection.open}. */
export interface ConnectionOptions {
  /** Default per-request timeout in ms (default 10000). */
  timeoutMs?: number;
  /** Time allowed to connect and complete HELLO, in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Sent in HELLO for the device's logs. */
  clientName?: string;
}

/** A raw answer: status and payload. */
export interface Answer {
  status: number;
  payload: Uint8Array;
}

interface Pending {
  command: number;
  resolve: (answer: Answer) => void;
  reject: (error: DeviceError) => void;
  /** performance.now() after which the request times out; Infinity for none. */
  deadline: number;
  timeoutMs: number;
}

function connectSocket(address: DeviceAddress, timeoutMs: number): Promise<Socket> {
  if (address.kind === 'emulator') {
    return Promise.reject(new TypeError('an emulator address is resolved by Device.connect'));
  }
  return new Promise((resolve, reject) => {
    const socket =
      address.kind === 'unix'
        ? createConnection(address.path)
        : createConnection({ host: address.host, port: address.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        DeviceError.client('ERR_DEVICE_UNREACHABLE', `connecting timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(
        DeviceError.client(
          'ERR_DEVICE_UNREACHABLE',
          `cannot reach the device: ${error.message}`,
          error,
        ),
      );
    });
  });
}

/**
 * A connected, HELLO-negotiated device link.
 *
 * @example
 * ```ts
 * const link = await DeviceConnection.open({ kind: 'unix', path: '/run/zkbridge/device.sock' });
 * const { payload } = await link.exchange(Command.GET_RANDOM, encodeRequest(Command.GET_RANDOM, { count: 32 }));
 * await link.close();
 * ```
 */
export class DeviceConnection {
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder = createDecoder();
  readonly #pending = new Map<number, Pending>();
  /** Ids whose request timed out: kept until the device answers, so they are not reused. */
  readonly #abandoned = new Set<number>();
  readonly #queue: (() => void)[] = [];
  readonly #timeoutMs: number;
  readonly #out: WriteBatch;
  readonly #closeListeners: ((error: DeviceError) => void)[] = [];
  /** One timer for all deadlines, armed for the earliest; see {@link DeviceConnection.#sweep}. */
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #reassembler = new Reassembler(MAX_PAYLOAD, DEFAULT_MAX_MESSAGE);
  #maxPayload = MAX_PAYLOAD;
  #maxInFlight = 1;
  #nextId = 1;
  #closed: DeviceError | undefined;
  #hello: HelloInfo | undefined;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.#out = new WriteBatch((bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      // A plain view, so payloads handed out are Uint8Arrays, not Buffers.
      this.#receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    socket.on('error', () => {
      socket.destroy();
    });
    socket.on('close', () => {
      this.#fail(DeviceError.client('ERR_DEVICE_DISCONNECTED', 'the device connection closed'));
    });
  }

  /** Connects and negotiates HELLO. */
  static async open(
    address: DeviceAddress,
    options: ConnectionOptions = {},
  ): Promise<DeviceConnection> {
    const connectTimeout = options.connectTimeoutMs ?? 5000;
    const socket = await connectSocket(address, connectTimeout);
    const link = new DeviceConnection(socket, options.timeoutMs ?? 10_000);
    try {
      await link.#negotiate(options.clientName ?? 'zkbridge-node', connectTimeout);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return link;
  }

  /** The device's HELLO answer. */
  get hello(): HelloInfo {
    if (!this.#hello) throw new Error('HELLO has not completed');
    return this.#hello;
  }

  /** Requests waiting for an answer (sent or queued). */
  get inFlight(): number {
    return this.#pending.size + this.#queue.length;
  }

  /** True once the link is closed or lost. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Sends a request and resolves with the device's status and payload, whatever the status.
   * Rejects only for client-side failures (timeout, lost connection).
   */
  exchange(command: number, payload: Uint8Array, timeoutMs = this.#timeoutMs): Promise<Answer> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const send = (): void => {
        this.#send(command, payload, timeoutMs, resolve, reject);
      };
      if (this.#pending.size + this.#abandoned.size < this.#maxInFlight) send();
      else this.#queue.push(send);
    });
  }

  /** Like {@link exchange}, but rejects with a {@link DeviceError} unless the status is OK. */
  async request(command: number, payload: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    const answer = await this.exchange(command, payload, timeoutMs);
    if (answer.status !== Status.OK)
      throw DeviceError.fromStatus(answer.status, commandName(command));
    return answer.payload;
  }

  /** Calls `listener` once when the link closes or is lost, with the reason. */
  onClose(listener: (error: DeviceError) => void): void {
    if (this.#closed) listener(this.#closed);
    else this.#closeListeners.push(listener);
  }

  /** Closes the link; requests in flight fail with ERR_DEVICE_CLOSED. */
  async close(): Promise<void> {
    this.#fail(DeviceError.client('ERR_DEVICE_CLOSED', 'the device connection was closed'));
    if (this.#socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.#socket.once('close', () => {
        resolve();
      });
      this.#socket.end();
      this.#socket.destroySoon();
    });
  }

  async #negotiate(clientName: string, timeoutMs: number): Promise<void> {
    const request = encodeRequest(Command.HELLO, {
      min_version: 1,
      max_version: 1,
      max_payload: MAX_PAYLOAD,
      max_message: DEFAULT_MAX_MESSAGE,
      client_name: clientName,
    });
    const answer = await this.exchange(Command.HELLO, request, timeoutMs);
    if (answer.status !== Status.OK) throw DeviceError.fromStatus(answer.status, 'HELLO');
    const h = decodeResponse(Command.HELLO, answer.payload);
    const num = (key: string): number => h[key] as number;
    this.#hello = {
      version: num('version'),
      model: h['model'] as string,
      serial: h['serial'] as string,
      firmware: h['firmware'] as string,
      maxPayload: num('max_payload'),
      maxMessage: num('max_message'),
      maxInFlight: num('max_in_flight'),
      features: num('features'),
      factorySlots: num('factory_slots'),
      keySlots: num('key_slots'),
      foreignSlots: num('foreign_slots'),
      curves: num('curves'),
    };
    this.#maxPayload = this.#hello.maxPayload;
    this.#maxInFlight = Math.max(1, this.#hello.maxInFlight);
    this.#reassembler = new Reassembler(this.#hello.maxPayload, this.#hello.maxMessage);
    this.#drainQueue();
  }

  #allocateId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id === 0xffffffff ? 1 : id + 1;
      if (!this.#pending.has(id) && !this.#abandoned.has(id)) return id;
    }
  }

  #send(
    command: number,
    payload: Uint8Array,
    timeoutMs: number,
    resolve: (answer: Answer) => void,
    reject: (error: DeviceError) => void,
  ): void {
    if (this.#closed) {
      reject(this.#closed);
      return;
    }
    const requestId = this.#allocateId();
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
    if (this.#pending.size === 0) this.#socket.ref(); // a request in flight keeps Node running
    this.#pending.set(requestId, { command, resolve, reject, deadline, timeoutMs });
    this.#armTimer(deadline);
    const message: Message = { kind: FrameKind.Request, requestId, command, status: 0, payload };
    if (payload.length <= this.#maxPayload) {
      this.#out.push(encodeFrame(message)); // one frame: no fragment bookkeeping
      return;
    }
    for (const frame of fragmentMessage(message, this.#maxPayload)) {
      this.#out.push(encodeFrame(frame));
    }
  }

  /**
   * Makes sure the timer fires by `deadline`. With one default timeout, deadlines arrive in
   * order and this costs nothing per request; the timer is re-armed only when it fires.
   */
  #armTimer(deadline: number): void {
    if (deadline >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = deadline;
    this.#timer = setTimeout(
      () => {
        this.#sweep();
      },
      Math.max(0, deadline - performance.now()),
    );
    this.#timer.unref(); // the socket keeps the process alive while requests are pending
  }

  /** Times out every overdue request, then re-arms for the earliest remaining deadline. */
  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [requestId, pending] of this.#pending) {
      if (pending.deadline > now) {
        next = Math.min(next, pending.deadline);
        continue;
      }
      this.#pending.delete(requestId);
      this.#abandoned.add(requestId); // the id stays reserved until the device answers
      pending.reject(
        DeviceError.client(
          'ERR_DEVICE_TIMEOUT',
          `${commandName(pending.command)}: no answer within ${pending.timeoutMs} ms`,
        ),
      );
    }
    if (next < Infinity) this.#armTimer(next);
    else if (this.#pending.size === 0) this.#socket.unref();
  }

  #receive(chunk: Uint8Array): void {
    for (const frame of this.#decoder.push(chunk)) {
      if (frame.kind !== FrameKind.Response) continue; // events: handled by later layers
      const result = this.#reassembler.push(frame);
      if (result.type === 'message') this.#settle(result.message);
      else if (result.type === 'dropped') {
        this.#settle({ ...result, status: Status[result.reason], payload: new Uint8Array(0) });
      }
    }
  }

  #settle(message: Pick<Message, 'requestId' | 'status' | 'payload'>): void {
    const { requestId } = message;
    if (this.#abandoned.delete(requestId)) {
      this.#drainQueue();
      return;
    }
    const pending = this.#pending.get(requestId);
    if (!pending) return; // not ours (or answered twice): ignore
    this.#pending.delete(requestId);
    if (this.#pending.size === 0) this.#socket.unref(); // an idle link does not
    pending.resolve({ status: message.status, payload: message.payload });
    this.#drainQueue();
  }

  #drainQueue(): void {
    while (
      this.#queue.length > 0 &&
      this.#pending.size + this.#abandoned.size < this.#maxInFlight
    ) {
      this.#queue.shift()?.();
    }
  }

  #fail(error: DeviceError): void {
    if (this.#closed) return;
    this.#closed = error;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#out.clear();
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#abandoned.clear();
    for (const send of this.#queue.splice(0)) send(); // each rejects with the close error
    for (const listener of this.#closeListeners.splice(0)) listener(error);
  }
}
