/**
 * The device policies at run time: the pure model of `../policy/` with a real clock, its state
 * persisted in the state directory after every change, the gate every request passes, the events
 * the model's changes cause (LED_CHANGED, DEVICE_RESET, PERIMETER_EVENT), the per-connection
 * perimeter latches and waits, the reboot that ends an SCM fatal code, and the simulation inputs
 * (breach, readings, power, another host) that only the emulator's owner reaches.
 *
 * @packageDocumentation
 */
import { Event, ResetReason, type StatusName } from '../../protocol/constants.generated.js';
import { encodeEvent } from '../../protocol/payload_codec.js';
import { systemRandom } from '../crypto/index.js';
import { DeviceFault } from '../fault.js';
import type { ModelName } from '../models.js';
import {
  createPolicy,
  fatalRebootAt,
  ledView,
  perimeterEventsAfter,
  policyErrorStatus,
  reboot,
  refusal,
  type HostIdentity,
  type PerimeterEventRecord,
  type Policy,
  type PolicyVariant,
  type WipeTarget,
} from '../policy/index.js';
import type { DeviceStore } from '../store/index.js';
import { hostIdentity } from './host_identity.js';
import { loadPolicyState, savePolicyState, type LoadedPolicyState } from './persist.js';

/** Store setting that records that a policy file was written for this device. */
const SETTING_POLICY_PERSISTED = 'policy.persisted';
/** WAIT_PERIMETER_EVENT's "no limit". */
const WAIT_FOREVER = 0xffff_ffff;

/** Options of {@link PolicyRuntime.open}. */
export interface PolicyRuntimeOptions {
  model: ModelName;
  /** The device store (its directory holds the policy and host salt files). */
  store: DeviceStore;
  /**
   * Fingerprint of the host the device runs on; default: from /etc/machine-id, else the host
   * name. null: no host service (the device does not bind).
   */
  host?: string | null;
  /** Variant choices (EDU, quirks); used for a device fresh from the factory only. */
  variant?: Partial<PolicyVariant>;
  /** Clock in ms since the epoch; default Date.now. */
  now?: () => number;
}

/** What the runtime needs from the device. */
export interface PolicyHooks {
  /** Writes an event to every attached connection (each applies its mask). */
  event(event: number, payload: Uint8Array): void;
  /** Destroys key material for good. */
  wipe(targets: readonly WipeTarget[]): Promise<void>;
  /** The device reset: forget what does not survive one (the ephemeral key). */
  reset(): void;
}

/** What a model operation did, for {@link PolicyRuntime.apply}. */
export interface PolicyOutcome {
  /** Key material to destroy now. */
  wiped?: readonly WipeTarget[];
  /** The device reset (DEVICE_RESET is sent with the reason of `state.resets.last`). */
  reset?: boolean;
}

/** Options of {@link PolicyRuntime.apply}. */
export interface ApplyOptions {
  /** LED_ON/OFF/FLASH: LED_CHANGED is sent even when the view looks the same. */
  ledCommand?: boolean;
  /** Events (and the reset's side effects) wait until the request's answer has been written. */
  afterAnswer?: boolean;
}

const noHooks: PolicyHooks = {
  event: () => undefined,
  wipe: () => Promise.resolve(),
  reset: () => undefined,
};

function isWipeList(value: unknown): value is readonly WipeTarget[] {
  return Array.isArray(value);
}

function ledKey(policy: Policy): string {
  return JSON.stringify(ledView(policy.state));
}

/** The policy model of one running device. */
export class PolicyRuntime {
  readonly policy: Policy;
  /** How the state was found at start. */
  readonly origin: LoadedPolicyState['origin'];
  /** Why the stored state was unusable (origin 'corrupt'). */
  readonly problem: string | undefined;
  readonly #dir: string;
  #host: HostIdentity | null;
  #hooks: PolicyHooks = noHooks;
  #bootWipes: readonly WipeTarget[];
  #saved = '';
  #saving: Promise<void> = Promise.resolve();
  /** Per connection: the last perimeter event seq its latch has seen. */
  readonly #cursors = new Map<number, number>();
  readonly #perimeterWaiters = new Set<() => void>();
  #fatalTimer: NodeJS.Timeout | undefined;
  #fatalAt: number | undefined;
  #closed = false;

  private constructor(
    policy: Policy,
    loaded: LoadedPolicyState,
    store: DeviceStore,
    host: HostIdentity | null,
    bootWipes: readonly WipeTarget[],
  ) {
    this.policy = policy;
    this.origin = loaded.origin;
    this.problem = loaded.problem;
    this.#dir = store.dir;
    this.#host = host;
    this.#bootWipes = bootWipes;
  }

  /**
   * Restores (or creates) the policy state of the store's directory and powers the device on:
   * `reboot(POWER_ON)` with the host's identity, which binds a fresh device to it.
   *
   * @example
   * ```ts
   * const policy = await PolicyRuntime.open({ model: 'hsm6', store });
   * await policy.start(hooks);
   * ```
   */
  static async open(options: PolicyRuntimeOptions): Promise<PolicyRuntime> {
    const { store } = options;
    const expected = store.getSetting(SETTING_POLICY_PERSISTED) !== undefined;
    const loaded = await loadPolicyState(store.dir, options.model, expected);
    if (loaded.origin === 'fresh' && options.variant) {
      Object.assign(loaded.state.variant, options.variant);
    }
    const env = { now: options.now ?? Date.now, random: systemRandom };
    const policy = createPolicy(loaded.state, env);
    const host = await hostIdentity(store.dir, options.host, systemRandom);
    const boot = reboot(policy, { host, reason: ResetReason.POWER_ON });
    const runtime = new PolicyRuntime(policy, loaded, store, host, boot.wiped);
    await runtime.#save();
    if (!expected) await store.putSetting(SETTING_POLICY_PERSISTED, Uint8Array.of(1));
    return runtime;
  }

  /** Connects the device: wipes what the power-on destroyed and starts the fatal-code timer. */
  async start(hooks: PolicyHooks): Promise<void> {
    this.#hooks = hooks;
    const wipes = this.#bootWipes;
    this.#bootWipes = [];
    if (wipes.length > 0) await hooks.wipe(wipes);
    this.#scheduleFatal();
  }

  /**
   * The status a request gets before its handler runs, or undefined when it may run:
   * `security` for commands the catalogue marks so, else the device-wide checks only.
   */
  gate(security: boolean): StatusName | undefined {
    const code = refusal(this.policy.state, security ? 'security' : 'device');
    return code === undefined ? undefined : policyErrorStatus[code];
  }

  /**
   * Runs a model operation and then does what it implies: wipes destroyed keys, saves the state
   * durably, and sends DEVICE_RESET, LED_CHANGED and PERIMETER_EVENT as the state changed.
   * A `PolicyError` thrown by `fn` propagates (the model changes nothing when it refuses).
   */
  async apply(
    fn: (policy: Policy) => PolicyOutcome | readonly WipeTarget[] | undefined,
    options: ApplyOptions = {},
  ): Promise<void> {
    const policy = this.policy;
    const ledBefore = ledKey(policy);
    const seqBefore = policy.state.perimeter.nextSeq;
    const result = fn(policy);
    const outcome: PolicyOutcome = isWipeList(result) ? { wiped: result } : (result ?? {});
    if (outcome.wiped && outcome.wiped.length > 0) await this.#hooks.wipe(outcome.wiped);
    const events: [number, Uint8Array][] = [];
    const last = policy.state.resets.last;
    if (outcome.reset === true && last !== null) {
      events.push([
        Event.DEVICE_RESET,
        encodeEvent(Event.DEVICE_RESET, { reason: last.reason, timestamp: last.at >>> 0 }),
      ]);
    }
    if (options.ledCommand === true || ledKey(policy) !== ledBefore) {
      const v = ledView(policy.state);
      events.push([
        Event.LED_CHANGED,
        encodeEvent(Event.LED_CHANGED, {
          mode: v.mode,
          on_ms: v.onMs,
          off_ms: v.offMs,
          num_flashes: v.numFlashes,
          pattern: v.pattern,
          fatal_main: v.fatalMain,
          fatal_sub: v.fatalSub,
        }),
      ]);
    }
    const fresh = policy.state.perimeter.events.filter((e) => e.seq >= seqBefore);
    for (const e of fresh) {
      events.push([
        Event.PERIMETER_EVENT,
        encodeEvent(Event.PERIMETER_EVENT, {
          channel: e.channel,
          timestamp: e.timestamp >>> 0,
          actions: e.actions,
        }),
      ]);
    }
    await this.#save();
    const deliver = (): void => {
      if (outcome.reset === true) this.#hooks.reset();
      for (const [event, payload] of events) this.#hooks.event(event, payload);
      if (fresh.length > 0) for (const wake of [...this.#perimeterWaiters]) wake();
      this.#scheduleFatal();
    };
    if (options.afterAnswer === true) setImmediate(deliver);
    else deliver();
  }

  /** Resets the device (DEVICE_RESET); `host` presents another host, null none. */
  reset(reason: ResetReason, host?: HostIdentity | null): Promise<void> {
    if (host !== undefined) this.#host = host;
    return this.apply((p) => ({
      wiped: reboot(p, { reason, ...(host === undefined ? {} : { host }) }).wiped,
      reset: true,
    }));
  }

  /** A connection completed HELLO: its perimeter latch starts empty. */
  attach(connectionId: number): void {
    this.#cursors.set(connectionId, this.policy.state.perimeter.nextSeq - 1);
  }

  /** A connection closed. */
  detach(connectionId: number): void {
    this.#cursors.delete(connectionId);
  }

  /**
   * WAIT_PERIMETER_EVENT for one connection: the first notify event since its last completed
   * wait (which the answer consumes, with any later ones), else the next one. `timeoutMs` 0 only
   * checks the latch; 0xFFFFFFFF waits without limit.
   *
   * @throws DeviceFault `ERR_TIMEOUT` when the time runs out, `ERR_CANCELLED` when aborted.
   */
  waitPerimeterEvent(
    connectionId: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): PerimeterEventRecord | Promise<PerimeterEventRecord> {
    const take = (): PerimeterEventRecord | undefined => {
      const state = this.policy.state;
      const cursor = this.#cursors.get(connectionId) ?? 0;
      const [next] = perimeterEventsAfter(state, cursor);
      if (next !== undefined) this.#cursors.set(connectionId, state.perimeter.nextSeq - 1);
      return next;
    };
    if (!this.#cursors.has(connectionId)) this.attach(connectionId);
    const now = take();
    if (now !== undefined) return now;
    if (timeoutMs === 0) throw new DeviceFault('ERR_TIMEOUT', 'no perimeter event');
    return new Promise<PerimeterEventRecord>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const end = (): void => {
        this.#perimeterWaiters.delete(wake);
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      };
      const wake = (): void => {
        const event = take();
        if (event === undefined) return;
        end();
        resolve(event);
      };
      const abort = (): void => {
        end();
        reject(new DeviceFault('ERR_CANCELLED', 'wait cancelled'));
      };
      if (signal.aborted) {
        abort();
        return;
      }
      this.#perimeterWaiters.add(wake);
      signal.addEventListener('abort', abort, { once: true });
      if (timeoutMs !== WAIT_FOREVER) {
        timer = setTimeout(() => {
          end();
          reject(new DeviceFault('ERR_TIMEOUT', `no perimeter event in ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  /** Stops the timers and waits for the last save. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#fatalTimer !== undefined) clearTimeout(this.#fatalTimer);
    this.#fatalTimer = undefined;
    await this.#saving.catch(() => undefined);
  }

  /** Writes the state when it changed since the last write (in order, one at a time). */
  #save(): Promise<void> {
    const run = this.#saving.then(async () => {
      const json = JSON.stringify(this.policy.state);
      if (json === this.#saved) return;
      await savePolicyState(this.#dir, json);
      this.#saved = json;
    });
    this.#saving = run.catch(() => undefined);
    return run;
  }

  /** Schedules the reboot that ends an SCM fatal code (reason FATAL). */
  #scheduleFatal(): void {
    const at = this.#closed ? undefined : fatalRebootAt(this.policy.state);
    if (at === this.#fatalAt) return;
    if (this.#fatalTimer !== undefined) clearTimeout(this.#fatalTimer);
    this.#fatalTimer = undefined;
    this.#fatalAt = at;
    if (at === undefined) return;
    const timer = setTimeout(
      () => {
        this.#fatalTimer = undefined;
        this.#fatalAt = undefined;
        this.reset(ResetReason.FATAL).catch(() => undefined);
      },
      Math.max(0, at - this.policy.env.now()),
    );
    timer.unref();
    this.#fatalTimer = timer;
  }

  /** The state directory (its host salt names this device's storage). */
  get stateDir(): string {
    return this.#dir;
  }

  /** The host identity presented at the last boot (null: no host service). */
  get host(): HostIdentity | null {
    return this.#host;
  }
}
