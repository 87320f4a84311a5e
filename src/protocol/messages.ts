/**
 * Messages on top of frames (docs/protocol.md, section 3): a message is one or more frames with
 * the same kind and request id. {@link fragmentMessage} splits a payload into frames;
 * {@link Reassembler} joins frames back into messages and enforces the fragment rules.
 *
 * @packageDocumentation
 */
import type { Frame, FrameInit, FrameKind } from '../native/types.js';

/** A whole message: the fields its frames share and the joined payload. */
export interface Message {
  kind: FrameKind;
  requestId: number;
  command: number;
  status: number;
  payload: Uint8Array;
}

/** Default largest message a peer accepts (HELLO may agree on another). */
export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

/**
 * The frames that carry `message` with at most `maxPayload` bytes each: `max(1, ceil(n /
 * maxPayload))` frames, every one but the last full.
 *
 * @example
 * ```ts
 * for (const f of fragmentMessage(msg, 65536)) socket.write(encodeFrame(f));
 * ```
 */
export function fragmentMessage(message: Message, maxPayload: number): FrameInit[] {
  const { kind, requestId, command, status, payload } = message;
  const count = Math.max(1, Math.ceil(payload.length / maxPayload));
  if (count > 0x10000) throw new RangeError('message needs more than 65536 fragments');
  const frames: FrameInit[] = [];
  for (let i = 0; i < count; i++) {
    frames.push({
      kind,
      requestId,
      command,
      status,
      fragIndex: i,
      more: i < count - 1,
      payload: payload.subarray(i * maxPayload, (i + 1) * maxPayload),
    });
  }
  return frames;
}

/** Why a partial message was dropped. */
export type ReassemblyFailure = 'ERR_FRAGMENT' | 'ERR_TOO_LARGE';

/** What {@link Reassembler.push} makes of one frame. */
export type ReassemblyResult =
  | { type: 'message'; message: Message }
  | { type: 'partial' }
  | {
      type: 'dropped';
      reason: ReassemblyFailure;
      kind: FrameKind;
      requestId: number;
      command: number;
    };

interface Partial {
  command: number;
  status: number;
  next: number;
  size: number;
  parts: Uint8Array[];
}

/**
 * Joins fragments into messages, by (kind, request id). Fragments of different messages may
 * interleave. A fragment that does not continue its message, or a message that grows past
 * `maxMessage`, drops the partial message and is reported once; later fragments of a dropped
 * message are dropped too, until a fragment 0 starts a new one.
 */
export class Reassembler {
  readonly #maxPayload: number;
  readonly #maxMessage: number;
  readonly #partials = new Map<number, Partial>();
  readonly #dropped = new Set<number>();

  /**
   * @param maxPayload - the link's max_payload: every non-final fragment carries exactly this
   * @param maxMessage - largest message accepted
   */
  constructor(maxPayload: number, maxMessage = DEFAULT_MAX_MESSAGE) {
    this.#maxPayload = maxPayload;
    this.#maxMessage = maxMessage;
  }

  /** Number of messages being assembled. */
  get pending(): number {
    return this.#partials.size;
  }

  /** Forgets every partial message (e.g. when the connection closes). */
  clear(): void {
    this.#partials.clear();
    this.#dropped.clear();
  }

  push(frame: Frame): ReassemblyResult {
    // Kind in the top bits keeps request and event ids with the same number apart.
    const key = frame.kind * 2 ** 32 + frame.requestId;
    const partial = this.#partials.get(key);
    if (frame.fragIndex === 0) {
      this.#dropped.delete(key);
      if (partial) this.#partials.delete(key); // a new message replaces an unfinished one
      if (!frame.more) return { type: 'message', message: single(frame) };
      return this.#start(key, frame);
    }
    if (this.#dropped.has(key)) {
      if (!frame.more) this.#dropped.delete(key);
      return { type: 'partial' };
    }
    if (
      !partial ||
      frame.fragIndex !== partial.next ||
      frame.command !== partial.command ||
      frame.status !== partial.status
    ) {
      return this.#drop(key, frame, 'ERR_FRAGMENT');
    }
    return this.#continue(key, partial, frame);
  }

  #start(key: number, frame: Frame): ReassemblyResult {
    if (frame.payload.length !== this.#maxPayload) return this.#drop(key, frame, 'ERR_FRAGMENT');
    this.#partials.set(key, {
      command: frame.command,
      status: frame.status,
      next: 1,
      size: frame.payload.length,
      parts: [frame.payload.slice()],
    });
    return { type: 'partial' };
  }

  #continue(key: number, partial: Partial, frame: Frame): ReassemblyResult {
    const n = frame.payload.length;
    if ((frame.more && n !== this.#maxPayload) || (!frame.more && n === 0)) {
      return this.#drop(key, frame, 'ERR_FRAGMENT');
    }
    if (partial.size + n > this.#maxMessage) return this.#drop(key, frame, 'ERR_TOO_LARGE');
    partial.parts.push(frame.payload.slice());
    partial.size += n;
    partial.next++;
    if (frame.more) return { type: 'partial' };
    this.#partials.delete(key);
    const payload = new Uint8Array(partial.size);
    let offset = 0;
    for (const part of partial.parts) {
      payload.set(part, offset);
      offset += part.length;
    }
    const { kind, requestId } = frame;
    return {
      type: 'message',
      message: { kind, requestId, command: partial.command, status: partial.status, payload },
    };
  }

  #drop(key: number, frame: Frame, reason: ReassemblyFailure): ReassemblyResult {
    this.#partials.delete(key);
    if (frame.more) this.#dropped.add(key);
    return {
      type: 'dropped',
      reason,
      kind: frame.kind,
      requestId: frame.requestId,
      command: frame.command,
    };
  }
}

function single(frame: Frame): Message {
  const { kind, requestId, command, status, payload } = frame;
  return { kind, requestId, command, status, payload };
}
