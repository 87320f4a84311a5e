/**
 * The seam between the protocol service (sessions, sockets) and the device itself. The service
 * handles framing, HELLO, PING and per-connection limits; everything else goes to an engine.
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
}

/** The device behind the service. It must answer every request, never throw for bad input. */
export interface DeviceEngine {
  facts(): DeviceFacts;
  /**
   * Executes one request whose command exists in the catalogue. Answers computed on the spot
   * (most reads and all signing) come back directly, sparing the connection a promise round.
   */
  execute(command: number, payload: Uint8Array, context: RequestContext): Reply | Promise<Reply>;
}
