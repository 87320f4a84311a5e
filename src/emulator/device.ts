/**
 * The emulated device: a {@link DeviceEngine} over a model spec, a durable store and the crypto
 * core. Requests that change state take turns in arrival order (like the single real device);
 * pure computations (signing, ECDH, verification) run as they come.
 *
 * A turn lasts until the request has handed its one durable change to the store
 * ({@link DeviceContext.commit}) or has finished; the next change then starts on top of it while
 * the first waits for the disk, so pipelined changes share one write and sync (group commit).
 * Every request is still answered only once its change is durable.
 *
 * A change of the key store, the foreign store or the token raises the store generation once it
 * is durable; the device then writes STORE_CHANGED to every connection that wants it, before it
 * answers the request that made the change.
 */
import {
  COMMAND_INFO,
  Event,
  EventMask,
  Feature,
  Status,
  type StatusName,
} from '../protocol/constants.generated.js';
import {
  decodeRequest,
  encodeEvent,
  encodeResponse,
  PayloadError,
  type Payload,
} from '../protocol/payload_codec.js';
import { CryptoOpError, cryptoErrorStatus } from './crypto/index.js';
import { DeviceContext } from './device_context.js';
import type { DeviceEngine, DeviceFacts, EventSink, Reply, RequestContext } from './engine.js';
import { DeviceFault } from './fault.js';
import { ecdhLockHandlers } from './handlers/ecdh_lock.js';
import { infoHandlers } from './handlers/info.js';
import { keyHandlers } from './handlers/keys.js';
import { signingHandlers } from './handlers/signing.js';
import { tokenObjectHandlers } from './handlers/token_objects.js';
import { tokenPinHandlers } from './handlers/token_pin.js';
import type { Handler } from './handlers/types.js';
import { commandAvailability, modelSpec, type ModelName, type ModelOptions } from './models.js';
import { DeviceStore, StoreError, type StoreStats } from './store/index.js';

/** Commands this emulator carries out; the rest of the catalogue follows in later versions. */
const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  ...infoHandlers,
  ...keyHandlers,
  ...signingHandlers,
  ...ecdhLockHandlers,
  ...tokenPinHandlers,
  ...tokenObjectHandlers,
]);

/** Events this emulator sends (SET_EVENT_MASK keeps only these bits). */
const SENT_EVENTS = EventMask.STORE;

/** Feature bits whose commands are implemented; HELLO reports only these. */
const IMPLEMENTED_FEATURES =
  Feature.KEY_STORE |
  Feature.FOREIGN_KEYS |
  Feature.ECDH |
  Feature.EDDSA |
  Feature.RTC_DRIFT |
  Feature.EMULATED;

/** Options of {@link EmulatedDevice.open}. */
export interface EmulatorOptions extends ModelOptions {
  model: ModelName;
  /** State directory (created owner-only when missing). */
  stateDir: string;
}

const EMPTY = new Uint8Array(0);

function refusal(status: StatusName): Reply {
  return { status: Status[status], payload: EMPTY };
}

/** The status for an error thrown by a handler. */
function statusOf(error: unknown): StatusName {
  if (error instanceof DeviceFault) return error.status;
  if (error instanceof PayloadError) return 'ERR_INVALID_ARG';
  if (error instanceof CryptoOpError) return cryptoErrorStatus[error.code];
  if (error instanceof StoreError) return error.status;
  return 'ERR_INTERNAL';
}

/**
 * A virtual HSM.
 *
 * @example
 * ```ts
 * const device = await EmulatedDevice.open({ model: 'hsm6', stateDir: '/tmp/hsm6' });
 * const server = await DeviceServer.start({ engine: device, socketPath });
 * ```
 */
export class EmulatedDevice implements DeviceEngine {
  readonly #device: DeviceContext;
  /** Settles when the last queued state change has ended its turn. */
  #mutations: Promise<void> = Promise.resolve();
  /** Connections after HELLO, for events. */
  readonly #sinks = new Map<number, EventSink>();
  /** Unexpected errors (bugs), kept for diagnostics; never sent to clients beyond ERR_INTERNAL. */
  readonly internalErrors: unknown[] = [];

  private constructor(device: DeviceContext) {
    this.#device = device;
    device.onChange = (generation, command) => {
      this.#storeChanged(generation, command);
    };
  }

  /** Opens (or, on first start, provisions) the device in its state directory. */
  static async open(options: EmulatorOptions): Promise<EmulatedDevice> {
    const spec = modelSpec(options.model, options);
    const store = await DeviceStore.open(options.stateDir);
    try {
      return new EmulatedDevice(await DeviceContext.load(spec, store));
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  facts(): DeviceFacts {
    const { spec, serial } = this.#device;
    return {
      model: spec.model,
      serial,
      firmware: spec.firmware,
      features: (spec.features & IMPLEMENTED_FEATURES) >>> 0,
      factorySlots: spec.factorySlots.length,
      keySlots: spec.generatedMax,
      foreignSlots: spec.foreignMax,
      curves: spec.curves.reduce<number>((bits, type) => bits | (1 << type), 0),
      events: SENT_EVENTS,
    };
  }

  attach(sink: EventSink): void {
    this.#sinks.set(sink.connectionId, sink);
  }

  detach(connectionId: number): void {
    this.#sinks.delete(connectionId);
    this.#device.tickets.revokeConnection(connectionId);
  }

  execute(command: number, payload: Uint8Array, context: RequestContext): Reply | Promise<Reply> {
    const info = COMMAND_INFO.get(command);
    const handler = HANDLERS.get(command);
    if (!info) return refusal('ERR_UNKNOWN_COMMAND');
    const unavailable = commandAvailability(this.#device.spec, info);
    if (unavailable) return refusal(unavailable);
    if (!handler) return refusal('ERR_UNSUPPORTED_MODEL');
    if (!info.mutates) return this.#run(command, handler, payload, context);
    // State changes take turns in arrival order; a turn ends at the change's commit or its end.
    const previous = this.#mutations;
    let release = (): void => undefined;
    this.#mutations = new Promise<void>((resolve) => {
      release = resolve;
    });
    return previous.then(async () => {
      const end = this.#device.takeTurn(release);
      try {
        return await this.#run(command, handler, payload, context);
      } finally {
        end();
      }
    });
  }

  /** Writes STORE_CHANGED to every connection (each applies its own event mask). */
  #storeChanged(generation: bigint, command: number): void {
    if (this.#sinks.size === 0) return;
    const payload = encodeEvent(Event.STORE_CHANGED, { generation, command });
    for (const sink of this.#sinks.values()) sink.sendEvent(Event.STORE_CHANGED, payload);
  }

  /** Figures of the durable store (records, commits, compactions...). */
  get storeStats(): StoreStats {
    return this.#device.store.stats;
  }

  /** Waits for queued state changes, then closes the store. */
  async close(): Promise<void> {
    await this.#mutations;
    await this.#device.store.close();
  }

  /** Runs a handler; synchronous handlers answer synchronously. */
  #run(
    command: number,
    handler: Handler,
    payload: Uint8Array,
    context: RequestContext,
  ): Reply | Promise<Reply> {
    let values: Payload | Promise<Payload>;
    try {
      values = handler(this.#device, decodeRequest(command, payload), context);
    } catch (error) {
      return this.#refuse(error);
    }
    if (values instanceof Promise) {
      return values.then(
        (v) => this.#answer(command, v),
        (error: unknown) => this.#refuse(error),
      );
    }
    return this.#answer(command, values);
  }

  #answer(command: number, values: Payload): Reply {
    try {
      return { status: Status.OK, payload: encodeResponse(command, values) };
    } catch (error) {
      // A response the device cannot encode is the device's fault, not the client's.
      return this.#refuse(
        new DeviceFault('ERR_INTERNAL', `response of ${command}: ${String(error)}`),
      );
    }
  }

  #refuse(error: unknown): Reply {
    const status = statusOf(error);
    if (status === 'ERR_INTERNAL') this.internalErrors.push(error);
    return refusal(status);
  }
}
