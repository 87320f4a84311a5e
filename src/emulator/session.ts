/**
 * One client connection of the device service: decodes frames, reassembles messages, enforces
 * HELLO-first, request-id uniqueness and the in-flight limit, keeps the connection's event mask
 * (SET_EVENT_MASK), runs requests on the engine, and writes the responses and the engine's events
 * (fragmented as needed). Nothing a client sends can throw out of here: every malformed input
 * becomes a status code, or is dropped and counted by the decoder.
 */
import { createDecoder, encodeFrame, MAX_PAYLOAD, type FrameDecoder } from '../native/index.js';
import { FrameKind } from '../native/types.js';
import {
  COMMAND_INFO,
  Command,
  EVENT_INFO,
  EventMask,
  Status,
} from '../protocol/constants.generated.js';
import {
  DEFAULT_MAX_MESSAGE,
  Reassembler,
  fragmentMessage,
  type Message,
} from '../protocol/messages.js';
import { decodeRequest, encodeResponse, PayloadError } from '../protocol/payload_codec.js';
import { WriteBatch } from '../protocol/write_batch.js';
import type { DeviceEngine, EventSink, Reply, RequestContext } from './engine.js';

/** Protocol versions this service speaks. */
const MIN_VERSION = 1;
const MAX_VERSION = 1;
const EMPTY = new Uint8Array(0);

/** Limits of one connection. */
export interface SessionLimits {
  maxInFlight: number;
  maxPayload: number;
  maxMessage: number;
}

/**
 * Default limits of the service. A client gets the smaller of its own max_message and this one;
 * it is above the usual 16 MiB so that a client that asks for more can list a full token store
 * (TOKEN_LIST is one message: up to 64 MiB of attrs plus the records).
 */
export const DEFAULT_LIMITS: SessionLimits = {
  maxInFlight: 256,
  maxPayload: MAX_PAYLOAD,
  maxMessage: 128 * 1024 * 1024,
};

/** Every `event_mask` bit: what a connection receives after HELLO. */
const ALL_EVENTS = Object.values(EventMask).reduce<number>((all, bit) => all | bit, 0);

/** Where a session writes its bytes (a socket in production, a buffer in tests). */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

function reply(status: keyof typeof Status, payload: Uint8Array = EMPTY): Reply {
  return { status: Status[status], payload };
}

/**
 * A request being executed: the engine's {@link RequestContext}. The abort signal is made only
 * when an engine asks for it (most requests finish without ever looking).
 */
class InFlight implements RequestContext {
  readonly connectionId: number;
  readonly requestId: number;
  readonly maxMessage: number;
  #controller: AbortController | undefined;
  #aborted = false;

  constructor(connectionId: number, requestId: number, maxMessage: number) {
    this.connectionId = connectionId;
    this.requestId = requestId;
    this.maxMessage = maxMessage;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  abort(): void {
    this.#aborted = true;
    this.#controller?.abort();
  }
}

/** Protocol state of one connection. */
export class Session implements EventSink {
  readonly #engine: DeviceEngine;
  readonly #sink: ByteSink;
  readonly #limits: SessionLimits;
  readonly #connectionId: number;
  readonly #decoder: FrameDecoder;
  #reassembler: Reassembler;
  #helloDone = false;
  #maxPayload = MAX_PAYLOAD;
  #maxMessage = DEFAULT_MAX_MESSAGE;
  #eventMask = ALL_EVENTS;
  readonly #inFlight = new Map<number, InFlight>();
  readonly #out: WriteBatch;
  #closed = false;

  constructor(engine: DeviceEngine, sink: ByteSink, connectionId: number, limits = DEFAULT_LIMITS) {
    this.#engine = engine;
    this.#sink = sink;
    this.#out = new WriteBatch((bytes) => {
      this.#sink.write(bytes);
    });
    this.#limits = limits;
    this.#connectionId = connectionId;
    this.#decoder = createDecoder({ maxPayload: limits.maxPayload });
    this.#reassembler = new Reassembler(MAX_PAYLOAD, DEFAULT_MAX_MESSAGE);
  }

  /** Unique per connection for the life of the service. */
  get connectionId(): number {
    return this.#connectionId;
  }

  /** Feeds bytes received from the client. */
  receive(chunk: Uint8Array): void {
    for (const frame of this.#decoder.push(chunk)) {
      if (frame.kind !== FrameKind.Request) continue; // clients send requests only
      const result = this.#reassembler.push(frame);
      if (result.type === 'message') this.#onRequest(result.message);
      else if (result.type === 'dropped' && result.kind === FrameKind.Request) {
        this.#send(result.requestId, result.command, reply(result.reason));
      }
    }
  }

  /**
   * Ends the session: aborts running requests (their replies are discarded) and tells the engine,
   * which revokes what belonged to the connection. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const request of this.#inFlight.values()) request.abort();
    this.#inFlight.clear();
    this.#out.clear();
    this.#reassembler.clear();
    if (this.#helloDone) this.#engine.detach?.(this.#connectionId);
  }

  /**
   * Writes an event now, ahead of every response not written yet, when the connection completed
   * HELLO and has the event's mask bit set.
   */
  sendEvent(event: number, payload: Uint8Array): void {
    if (this.#closed || !this.#helloDone) return;
    const info = EVENT_INFO.get(event);
    if (info === undefined || (this.#eventMask & info.mask) === 0) return;
    this.#write({ kind: FrameKind.Event, requestId: 0, command: event, status: 0, payload });
    // Written at once: the event must reach the socket before the response that caused it,
    // which another connection may be about to write.
    this.#out.flush();
  }

  #onRequest(message: Message): void {
    const { requestId, command } = message;
    if (this.#inFlight.has(requestId)) {
      this.#send(requestId, command, reply('ERR_REQUEST_ID_IN_USE'));
      return;
    }
    if (command === Command.PING) {
      this.#send(requestId, command, reply('OK', message.payload));
      return;
    }
    if (command === Command.HELLO) {
      const { answer, agreed } = this.#hello(message.payload);
      this.#send(requestId, command, answer);
      if (agreed) {
        // The limits apply to every frame after the HELLO response, in both directions.
        this.#helloDone = true;
        this.#maxPayload = agreed.maxPayload;
        this.#maxMessage = agreed.maxMessage;
        this.#reassembler = new Reassembler(agreed.maxPayload, agreed.maxMessage);
        this.#engine.attach?.(this);
      }
      return;
    }
    if (!this.#helloDone) {
      this.#send(requestId, command, reply('ERR_SESSION_STATE'));
      return;
    }
    if (!COMMAND_INFO.has(command)) {
      this.#send(requestId, command, reply('ERR_UNKNOWN_COMMAND'));
      return;
    }
    if (this.#inFlight.size >= this.#limits.maxInFlight) {
      this.#send(requestId, command, reply('ERR_BUSY'));
      return;
    }
    if (command === Command.SET_EVENT_MASK) {
      this.#send(requestId, command, this.#setEventMask(message.payload));
      return;
    }
    const request = new InFlight(this.#connectionId, requestId, this.#maxMessage);
    let answer: Reply | Promise<Reply>;
    try {
      answer = this.#engine.execute(command, message.payload, request);
    } catch {
      answer = reply('ERR_INTERNAL'); // engines must not throw; a bug still gets an answer
    }
    if (!(answer instanceof Promise)) {
      this.#send(requestId, command, answer);
      return;
    }
    this.#inFlight.set(requestId, request);
    void answer
      .catch((): Reply => reply('ERR_INTERNAL'))
      .then((settled) => {
        if (this.#inFlight.get(requestId) !== request) return; // closed meanwhile
        this.#inFlight.delete(requestId);
        this.#send(requestId, command, settled);
      });
  }

  /** SET_EVENT_MASK: per connection; the device keeps only bits of events it sends. */
  #setEventMask(payload: Uint8Array): Reply {
    let mask: number;
    try {
      mask = decodeRequest(Command.SET_EVENT_MASK, payload)['mask'] as number;
    } catch (error) {
      if (error instanceof PayloadError) return reply('ERR_INVALID_ARG');
      throw error;
    }
    this.#eventMask = (mask & (this.#engine.facts().events ?? 0)) >>> 0;
    return reply('OK', encodeResponse(Command.SET_EVENT_MASK, { mask: this.#eventMask }));
  }

  #hello(payload: Uint8Array): { answer: Reply; agreed?: SessionLimits } {
    const fail = (answer: Reply): { answer: Reply } => ({ answer });
    if (this.#helloDone) return fail(reply('ERR_SESSION_STATE'));
    let request;
    try {
      request = decodeRequest(Command.HELLO, payload);
    } catch (error) {
      if (error instanceof PayloadError) return fail(reply('ERR_INVALID_ARG'));
      throw error;
    }
    const minVersion = request['min_version'] as number;
    const maxVersion = request['max_version'] as number;
    const maxPayload = request['max_payload'] as number;
    const maxMessage = request['max_message'] as number;
    if (maxPayload < 256 || maxPayload > MAX_PAYLOAD || maxMessage < maxPayload) {
      return fail(reply('ERR_INVALID_ARG'));
    }
    const version = Math.min(maxVersion, MAX_VERSION);
    if (version < Math.max(minVersion, MIN_VERSION)) {
      return fail({
        status: Status.ERR_VERSION_UNSUPPORTED,
        payload: encodeResponse(
          Command.HELLO,
          { min_version: MIN_VERSION, max_version: MAX_VERSION },
          Status.ERR_VERSION_UNSUPPORTED,
        ),
      });
    }
    const facts = this.#engine.facts();
    const agreedPayload = Math.min(maxPayload, this.#limits.maxPayload);
    const agreedMessage = Math.min(maxMessage, this.#limits.maxMessage);
    const answer = reply(
      'OK',
      encodeResponse(Command.HELLO, {
        version,
        model: facts.model,
        serial: facts.serial,
        firmware: facts.firmware,
        max_payload: agreedPayload,
        max_message: agreedMessage,
        max_in_flight: this.#limits.maxInFlight,
        features: facts.features,
        factory_slots: facts.factorySlots,
        key_slots: Math.min(facts.keySlots, 0xffff),
        foreign_slots: Math.min(facts.foreignSlots, 0xffff),
        curves: facts.curves,
      }),
    );
    return {
      answer,
      agreed: {
        maxInFlight: this.#limits.maxInFlight,
        maxPayload: agreedPayload,
        maxMessage: agreedMessage,
      },
    };
  }

  #send(requestId: number, command: number, answer: Reply): void {
    if (this.#closed) return;
    this.#write({
      kind: FrameKind.Response,
      requestId,
      command,
      status: answer.status,
      payload: answer.payload,
    });
  }

  #write(message: Message): void {
    if (message.payload.length <= this.#maxPayload) {
      this.#out.push(encodeFrame(message)); // one frame: no fragment bookkeeping
      return;
    }
    for (const frame of fragmentMessage(message, this.#maxPayload)) {
      this.#out.push(encodeFrame(frame));
    }
  }
}
