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
import { policyAccelerometerHandlers } from './handlers/policy_accelerometer.js';
import { policyLedBindingHandlers } from './handlers/policy_led_binding.js';
import { policyMonitorHandlers } from './handlers/policy_monitors.js';
import { policyPerimeterHandlers } from './handlers/policy_perimeter.js';
import { policySupervisedBootHandlers } from './handlers/policy_supervised_boot.js';
import type { Handler } from './handlers/types.js';
import { commandAvailability, modelSpec, type ModelName, type ModelOptions } from './models.js';
import { resolveQuirks, type QuirkRequest } from './firmware_profile.js';
import { PolicyError, policyErrorStatus } from './policy/index.js';
import { openPolicy, type PolicyOptions } from './policy_runtime/device_hooks.js';
import type { PolicyRuntime } from './policy_runtime/runtime.js';
import { DeviceStore, StoreError, type StoreStats } from './store/index.js';

/** Commands this emulator carries out; the rest of the catalogue follows in later versions. */
const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  ...infoHandlers,
  ...keyHandlers,
  ...signingHandlers,
  ...ecdhLockHandlers,
  ...tokenPinHandlers,
  ...tokenObjectHandlers,
  ...policyLedBindingHandlers,
  ...policyPerimeterHandlers,
  ...policyMonitorHandlers,
  ...policyAccelerometerHandlers,
  ...policySupervisedBootHandlers,
]);

/** Events this emulator sends (SET_EVENT_MASK keeps only these bits). */
const SENT_EVENTS =
  EventMask.STORE | EventMask.LED | EventMask.RESET | EventMask.PERIMETER | EventMask.TAP;

/** Feature bits whose commands are implemented; HELLO reports only these. */
const IMPLEMENTED_FEATURES =
  Feature.KEY_STORE |
  Feature.FOREIGN_KEYS |
  Feature.ECDH |
  Feature.EDDSA |
  Feature.RTC_DRIFT |
  Feature.SOFT_BIND_LOCK |
  Feature.I2C_ADDRESS |
  Feature.BATTERY_MONITOR |
  Feature.CPU_TEMP_MONITOR |
  Feature.DIGITAL_PERIMETER |
  Feature.ACCELEROMETER |
  Feature.SUPERVISED_BOOT |
  Feature.AUX_TEMP |
  Feature.EMULATED;

/** Options of {@link EmulatedDevice.open}. */
export interface EmulatorOptions extends ModelOptions, Omit<PolicyOptions, 'policyQuirks'> {
  model: ModelName;
  /** State directory (created owner-only when missing). */
  stateDir: string;
  /**
   * Known issues of the chosen firmware to reproduce (docs/firmware.md): `'all'` or quirk names
   * such as `'gen-keys-lost-on-reboot'`. Default none: the firmware reports its version only.
   */
  quirks?: QuirkRequest;
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
  if (error instanceof PolicyError) return policyErrorStatus[error.code];
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
      if (this.#sinks.size === 0) return;
      this.#broadcast(
        Event.STORE_CHANGED,
        encodeEvent(Event.STORE_CHANGED, { generation, command }),
      );
    };
  }

  /** Opens (or, on first start, provisions) the device in its state directory. */
  static async open(options: EmulatorOptions): Promise<EmulatedDevice> {
    const spec = modelSpec(options.model, options);
    const policyQuirks = resolveQuirks(spec, options.quirks);
    const store = await DeviceStore.open(options.stateDir);
    try {
      const context = await DeviceContext.load(spec, store);
      const emulated = new EmulatedDevice(context);
      await openPolicy(
        context,
        { ...options, policyQuirks },
        (event, payload) => {
          emulated.#broadcast(event, payload);
        },
        (error) => emulated.internalErrors.push(error),
      );
      return emulated;
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
      features:
        ((spec.features & IMPLEMENTED_FEATURES) |
          (this.#device.policy.policy.state.variant.noSelfDestruct
            ? Feature.NO_SELF_DESTRUCT
            : 0)) >>>
        0,
      factorySlots: spec.factorySlots.length,
      keySlots: spec.generatedMax,
      foreignSlots: spec.foreignMax,
      curves: spec.curves.reduce<number>((bits, type) => bits | (1 << type), 0),
      events: SENT_EVENTS,
    };
  }

  attach(sink: EventSink): void {
    this.#sinks.set(sink.connectionId, sink);
    this.#device.policy.attach(sink.connectionId);
  }

  detach(connectionId: number): void {
    this.#sinks.delete(connectionId);
    this.#device.policy.detach(connectionId);
    this.#device.tickets.revokeConnection(connectionId);
  }

  execute(command: number, payload: Uint8Array, context: RequestContext): Reply | Promise<Reply> {
    const info = COMMAND_INFO.get(command);
    const handler = HANDLERS.get(command);
    if (!info) return refusal('ERR_UNKNOWN_COMMAND');
    const unavailable = commandAvailability(this.#device.spec, info);
    if (unavailable) return refusal(unavailable);
    if (!handler) return refusal('ERR_UNSUPPORTED_MODEL');
    if (!info.mutates) return this.#run(command, handler, payload, context, info.security);
    // State changes take turns in arrival order; a turn ends at the change's commit or its end.
    const previous = this.#mutations;
    let release = (): void => undefined;
    this.#mutations = new Promise<void>((resolve) => {
      release = resolve;
    });
    return previous.then(async () => {
      const end = this.#device.takeTurn(release);
      try {
        return await this.#run(command, handler, payload, context, info.security);
      } finally {
        end();
      }
    });
  }

  /** Writes an event to every connection (each applies its own event mask). */
  #broadcast(event: number, payload: Uint8Array): void {
    for (const sink of this.#sinks.values()) sink.sendEvent(event, payload);
  }

  /** The device policies: state, and the simulation inputs only the emulator's owner reaches. */
  get policy(): PolicyRuntime {
    return this.#device.policy;
  }

  /** Figures of the durable store (records, commits, compactions...). */
  get storeStats(): StoreStats {
    return this.#device.store.stats;
  }

  /** Waits for queued state changes, then closes the store. */
  async close(): Promise<void> {
    await this.#mutations;
    await this.#device.policy.close();
    await this.#device.store.close();
  }

  /** Runs a handler; synchronous handlers answer synchronously. */
  #run(
    command: number,
    handler: Handler,
    payload: Uint8Array,
    context: RequestContext,
    security: boolean,
  ): Reply | Promise<Reply> {
    const refused = this.#device.policy.gate(security);
    if (refused) return refusal(refused);
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
