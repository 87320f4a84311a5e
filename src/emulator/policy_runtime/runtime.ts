/**
 * The device policies at run time: the pure model of `../policy/` with a real clock, its state
 * persisted in the state directory after every change, the gate every request passes, the events
 * the model's changes cause (LED_CHANGED, DEVICE_RESET, PERIMETER_EVENT, TAP_EVENT), the
 * per-connection perimeter and tap latches and waits, the supervised-boot check at host boots,
 * the busy window of a reset, and the reboot that ends an SCM fatal code. Simulation inputs are
 * functions over the runtime (simulation.ts).
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { ResetReason, type StatusName } from '../../protocol/constants.generated.js';
import { systemRandom } from '../crypto/index.js';
import type { ModelName } from '../models.js';
import {
  createPolicy,
  fatalRebootAt,
  perimeterEventsAfter,
  policyErrorStatus,
  reboot,
  refusal,
  tapsAfter,
  type BootCheck,
  type HostIdentity,
  type PerimeterEventRecord,
  type PolicyQuirk,
  type Policy,
  type PolicyState,
  type PolicyVariant,
  type TapRecord,
  type WipeTarget,
} from '../policy/index.js';
import type { DeviceStore } from '../store/index.js';
import { changeEvents, markChange, resetEvent } from './change_events.js';
import { hostIdentity } from './host_identity.js';
import { DeviceTimers } from './device_timers.js';
import { LatchedWaits } from './latched_waits.js';
import { loadPolicyState, savePolicyState, type LoadedPolicyState } from './persist.js';

/** Store setting that records that a policy file was written for this device. */
const SETTING_POLICY_PERSISTED = 'policy.persisted';
/** Resets at which the host boots, so supervised boot checks the manifest. */
const HOST_BOOTS: ReadonlySet<ResetReason> = new Set<ResetReason>([
  ResetReason.POWER_ON,
  ResetReason.HOST_REBOOT,
  ResetReason.SIMULATED,
]);

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
  /** Variant choices (EDU, temperature); used for a device fresh from the factory only. */
  variant?: Partial<PolicyVariant>;
  /** Firmware quirks to reproduce; applied at every start. Default none. */
  quirks?: readonly PolicyQuirk[];
  /** How long a reset keeps the device busy (ERR_BUSY), in ms; default 0. */
  resetMs?: number;
  /** The boot partition directory (supervised boot). */
  bootDir?: string;
  /** Checks the supervised-boot manifest against the boot files (at host boots). */
  bootCheck?: (state: PolicyState) => Promise<BootCheck>;
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
  /** A change the runtime made by itself (the fatal-code reboot) failed: a bug or a disk fault. */
  failure(error: unknown): void;
}

/** What a model operation did, for {@link PolicyRuntime.apply}. */
export interface PolicyOutcome {
  /** Key material to destroy now. */
  wiped?: readonly WipeTarget[];
  /** The device reset (DEVICE_RESET is sent with the reason of `state.resets.last`). */
  reset?: boolean;
  /** The reset keeps the device busy this long (ms); default the runtime's `resetMs`. */
  busyMs?: number;
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
  failure: () => undefined,
};

function isWipeList(value: unknown): value is readonly WipeTarget[] {
  return Array.isArray(value);
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
  readonly #perimeterWaits: LatchedWaits<PerimeterEventRecord>;
  readonly #tapWaits: LatchedWaits<TapRecord>;
  readonly #resetMs: number;
  /** The boot partition directory supervised boot reads (undefined: none). */
  readonly bootDir: string | undefined;
  readonly #bootCheck: ((state: PolicyState) => Promise<BootCheck>) | undefined;
  /** Monotonic time (performance.now) until which a reset keeps the device busy. */
  #busyUntil = 0;
  readonly #timers = new DeviceTimers((error) => {
    this.#hooks.failure(error);
  });
  /** Clock time of the scheduled fatal-code reboot, if one is scheduled. */
  #fatalAt: number | undefined;

  private constructor(
    policy: Policy,
    loaded: LoadedPolicyState,
    store: DeviceStore,
    host: HostIdentity | null,
    bootWipes: readonly WipeTarget[],
    options: PolicyRuntimeOptions,
  ) {
    this.policy = policy;
    this.origin = loaded.origin;
    this.problem = loaded.problem;
    this.#dir = store.dir;
    this.#host = host;
    this.#bootWipes = bootWipes;
    this.#resetMs = options.resetMs ?? 0;
    this.bootDir = options.bootDir;
    this.#bootCheck = options.bootCheck;
    const state = policy.state;
    this.#perimeterWaits = new LatchedWaits(
      {
        after: (cursor) => perimeterEventsAfter(state, cursor),
        last: () => state.perimeter.nextSeq - 1,
      },
      'perimeter event',
    );
    this.#tapWaits = new LatchedWaits(
      { after: (cursor) => tapsAfter(state, cursor), last: () => state.accel.nextSeq - 1 },
      'tap',
    );
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
    const resetMs = options.resetMs ?? 0;
    if (!Number.isInteger(resetMs) || resetMs < 0 || resetMs > 600_000) {
      throw new RangeError('resetMs must be an integer in 0..600000');
    }
    const expected = store.getSetting(SETTING_POLICY_PERSISTED) !== undefined;
    const loaded = await loadPolicyState(store.dir, options.model, expected);
    if (loaded.origin === 'fresh' && options.variant) {
      Object.assign(loaded.state.variant, options.variant);
    }
    loaded.state.variant.quirks = [...(options.quirks ?? [])];
    const env = { now: options.now ?? Date.now, random: systemRandom };
    const policy = createPolicy(loaded.state, env);
    const host = await hostIdentity(store.dir, options.host, systemRandom);
    const bootCheck = await options.bootCheck?.(policy.state);
    const boot = reboot(policy, {
      host,
      reason: ResetReason.POWER_ON,
      ...(bootCheck === undefined ? {} : { bootCheck }),
    });
    const runtime = new PolicyRuntime(policy, loaded, store, host, boot.wiped, options);
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
    if (this.#busyUntil > performance.now()) return 'ERR_BUSY';
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
    const before = markChange(policy);
    const result = fn(policy);
    const outcome: PolicyOutcome = isWipeList(result) ? { wiped: result } : (result ?? {});
    if (outcome.wiped && outcome.wiped.length > 0) await this.#hooks.wipe(outcome.wiped);
    const changes = changeEvents(policy, before, options.ledCommand === true);
    const reset = outcome.reset === true ? resetEvent(policy) : undefined;
    await this.#save();
    const busyMs = outcome.reset === true ? (outcome.busyMs ?? this.#resetMs) : 0;
    const deliver = (): void => {
      if (outcome.reset === true) this.#hooks.reset();
      if (reset !== undefined) this.#afterBusy(busyMs, reset[0], reset[1]);
      for (const [event, payload] of changes.events) this.#hooks.event(event, payload);
      if (changes.perimeter) this.#perimeterWaits.wake();
      if (changes.taps) this.#tapWaits.wake();
      this.#scheduleFatal();
    };
    if (options.afterAnswer === true) setImmediate(deliver);
    else deliver();
  }

  /**
   * Resets the device (DEVICE_RESET); `host` presents another host, null none. A host boot
   * (power-on, host reboot, simulated) checks the supervised-boot manifest first.
   */
  async reset(
    reason: ResetReason,
    host?: HostIdentity | null,
    options: { busyMs?: number; afterAnswer?: boolean } = {},
  ): Promise<void> {
    if (host !== undefined) this.#host = host;
    const bootCheck = HOST_BOOTS.has(reason)
      ? await this.#bootCheck?.(this.policy.state)
      : undefined;
    await this.apply(
      (p) => ({
        wiped: reboot(p, {
          reason,
          ...(host === undefined ? {} : { host }),
          ...(bootCheck === undefined ? {} : { bootCheck }),
        }).wiped,
        reset: true,
        ...(options.busyMs === undefined ? {} : { busyMs: options.busyMs }),
      }),
      { afterAnswer: options.afterAnswer === true },
    );
  }

  /** Runs `fn` after `ms` (a device-side delay such as quirk #114's dark LED) until close. */
  later(ms: number, fn: () => Promise<void>): void {
    this.#timers.later(ms, fn);
  }

  /** A connection completed HELLO: its perimeter and tap latches start empty. */
  attach(connectionId: number): void {
    this.#perimeterWaits.attach(connectionId);
    this.#tapWaits.attach(connectionId);
  }

  /** A connection closed. */
  detach(connectionId: number): void {
    this.#perimeterWaits.detach(connectionId);
    this.#tapWaits.detach(connectionId);
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
    return this.#perimeterWaits.wait(connectionId, timeoutMs, signal);
  }

  /**
   * WAIT_FOR_TAP for one connection, latched like {@link waitPerimeterEvent}.
   *
   * @throws DeviceFault `ERR_TIMEOUT` when the time runs out, `ERR_CANCELLED` when aborted.
   */
  waitForTap(
    connectionId: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): TapRecord | Promise<TapRecord> {
    return this.#tapWaits.wait(connectionId, timeoutMs, signal);
  }

  /** Sends `event` once a reset's busy window of `ms` has passed (at once for 0). */
  #afterBusy(ms: number, event: number, payload: Uint8Array): void {
    if (ms <= 0) {
      this.#hooks.event(event, payload);
      return;
    }
    this.#busyUntil = Math.max(this.#busyUntil, performance.now() + ms);
    this.#timers.set('busy', ms, () => {
      this.#hooks.event(event, payload);
    });
  }

  /** Stops the timers and waits for the last save. */
  async close(): Promise<void> {
    this.#timers.close();
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
    const at = fatalRebootAt(this.policy.state);
    if (at === this.#fatalAt) return;
    this.#fatalAt = at;
    if (at === undefined) {
      this.#timers.cancel('fatal');
      return;
    }
    this.#timers.set('fatal', Math.max(0, at - this.policy.env.now()), () => {
      this.#fatalAt = undefined;
      return this.reset(ResetReason.FATAL);
    });
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
