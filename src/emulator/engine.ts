/**
 * The seam between the protocol service (sessions, sockets) and the device itself. The service
 * handles framing, HELLO, PING, SET_EVENT_MASK and per-connection limits; everything else goes
 * to an engine. An engine that sends events gets each connection as an {@link EventSink}.
 */

/** What HELLO reports about the device (besides the negotiated limits). */
export interface DeviceFacts {
  model: string;
  serial: string;
  firmware: string;
  features: number;
  factorySlots: number;
  keySlots: number;
  foreignSlots: number;
  /** Bit n set when key type n is supported. */
  curves: number;
  /**
   * `event_mask` bits of the events this device sends: SET_EVENT_MASK answers with the request's
   * mask limited to these. 0 when omitted.
   */
  events?: number;
}

/** A device answer: a status code and the response payload (empty unless the status allows). */
export interface Reply {
  status: number;
  payload: Uint8Array;
}

/** Per-request context an engine may use (waits, cancellation, logging). */
export interface RequestContext {
  /** Unique per connection for the life of the service. */
  readonly connectionId: number;
  readonly requestId: number;
  /** Aborted when the connection closes or the request is cancelled. */
  readonly signal: AbortSignal;
  /** The connection's agreed max_message: no response may be larger (16 MiB when omitted). */
  readonly maxMessage?: number;
}

/** A connection, after its HELLO, as the target of device events. */
export interface EventSink {
  readonly connectionId: number;
  /**
   * Writes an event to the connection at once (before any response the engine gives later), if
   * the connection has the event's mask bit enabled; a closed connection ignores it.
   */
  sendEvent(event: number, payload: Uint8Array): void;
}

/** The device behind the service. It must answer every request, never throw for bad input. */
export interface DeviceEngine {
  facts(): DeviceFacts;
  /**
   * Executes one request whose command exists in the catalogue. Answers computed on the spot
   * (most reads and all signing) come back directly, sparing the connection a promise round.
   */
  execute(command: number, payload: Uint8Array, context: RequestContext): Reply | Promise<Reply>;
  /** A connection completed HELLO: it receives events from now on. */
  attach?(sink: EventSink): void;
  /** A connection closed (called once, after its requests were aborted). */
  detach?(connectionId: number): void;
}
