/**
 * The device policy state: binding, perimeter, monitors, LED, I2C address and self-destruct, as
 * one plain JSON-serializable object (no `undefined`, no class instances), so the emulator's
 * durable store can persist it as is. The model does no I/O and keeps no timers: the time and
 * randomness it needs come from an injected {@link PolicyEnv}.
 *
 * Every operation is a function over a {@link Policy} (state + environment) exported by the
 * concept files of this folder; mutating ones change `policy.state` in place.
 *
 * @packageDocumentation
 */
import { Feature, ThresholdAction, type ResetReason } from '../../protocol/constants.generated.js';
import { MODEL_NAMES, modelSpec, type ModelName, type ModelSpec } from '../models.js';
import { PolicyError } from './errors.js';
import {
  DEFAULT_DIGITAL_PERIMETER,
  initialAccelState,
  initialSupervisedBootState,
  type AccelState,
  type DigitalPerimeterState,
  type SupervisedBootState,
} from './state_sections.js';

export * from './state_sections.js';

/** Version of the {@link PolicyState} layout. */
export const POLICY_STATE_VERSION = 2;
/** Number of perimeter channels on every model. */
export const PERIMETER_CHANNELS = 2;
/** Factory battery threshold in volts. */
export const DEFAULT_BATTERY_THRESHOLD_V = 2.3;
/** Battery thresholds must be below this (volts). */
export const BATTERY_THRESHOLD_LIMIT_V = 2.5;
/** Upper bound early SCM firmware applied instead (issue #93: 2.5-3.0 V slipped through). */
export const BATTERY_THRESHOLD_QUIRK_LIMIT_V = 3.0;
/** Voltage of a fresh CR2032 backup cell, the reading of a new device. */
export const NOMINAL_BATTERY_V = 3.0;
/** Factory low CPU temperature bound in °C. */
export const DEFAULT_CPU_LOW_C = -10;
/** Factory high CPU temperature bound in °C. */
export const DEFAULT_CPU_HIGH_C = 65;
/** CPU temperature of a new device, in °C. */
export const NOMINAL_CPU_C = 35;
/** Factory I2C address. */
export const DEFAULT_I2C_ADDRESS = 0x30;

/** One perimeter channel. */
export interface ChannelState {
  /** `perimeter_action` flags: NOTIFY = 1, SELF_DESTRUCT = 2. */
  actions: number;
  /** Whether the loop is closed (intact). */
  closed: boolean;
  /** Latched since the last clear: the channel is disarmed until cleared. */
  breached: boolean;
  /** Epoch seconds of the first breach since the last clear; 0 = none. */
  firstBreach: number;
  /** Action changes left: null before production mode, then 1, then 0. */
  changesLeft: number | null;
}

/** A notify event waiting to be taken by a perimeter wait. */
export interface PerimeterEventRecord {
  /** Strictly increasing per device, for per-connection cursors. */
  seq: number;
  channel: number;
  /** Epoch seconds of the breach. */
  timestamp: number;
  /** The channel's actions when it fired. */
  actions: number;
}

/** Host binding and production mode. Hosts are kept as digests of fingerprint and salt. */
export interface BindingState {
  /** The host the device is bound to, or null. */
  boundTo: string | null;
  /** The host presented at the last boot, or null when no host service is running. */
  currentHost: string | null;
  /** LOCK_BINDING accepted or the lock tab cut: reported as locked from then on. */
  lockRequested: boolean;
  /** Zymkey4 only: the lock tab was cut. */
  tabCut: boolean;
  /** Production rules in effect (after the reboot that follows LOCK_BINDING, or the tab cut). */
  production: boolean;
  /** Production mode met another host, storage or salt: latched for ever. */
  cannotBind: boolean;
}

/** Battery monitor. */
export interface BatteryState {
  /** Present reading in volts; 0 with the battery removed. */
  volts: number;
  threshold: number;
  /** A `threshold_action` value. */
  action: ThresholdAction;
}

/** CPU temperature monitor. */
export interface TemperatureState {
  celsius: number;
  low: number;
  high: number;
  /** NONE or SELF_DESTRUCT. */
  action: ThresholdAction;
}

/** Supply power and host link. */
export interface PowerState {
  /** False during a brown-out: security services are off. */
  supplyStable: boolean;
  /** False while the device cannot reach the host (the 8-blink / main code 8 failure). */
  hostComms: boolean;
}

/** Why a fatal code is showing. */
export type FatalCause =
  'tamper' | 'battery' | 'temperature-low' | 'temperature-high' | 'comms' | 'supervised-boot';

/** A fatal code on show (SCM-class developer-mode simulations and failures). */
export interface FatalDisplay {
  main: number;
  sub: number;
  cause: FatalCause;
}

/** An LED setting made by the host (LED_ON, LED_OFF, LED_FLASH). */
export interface LedOverride {
  mode: 'on' | 'off' | 'flash';
  onMs: number;
  offMs: number;
  /** 0 = until told otherwise. */
  numFlashes: number;
  /** Clock time (ms) of the command. */
  since: number;
}

/** LED bookkeeping; the pattern itself is derived from the whole state (led.ts). */
export interface LedState {
  override: LedOverride | null;
  /** The developer-mode fatal code on show until the next reboot, if any. */
  fatal: FatalDisplay | null;
  /** Identity of the status pattern last shown, and since when (ms). */
  statusKey: string;
  statusSince: number;
}

/** What destroyed the keys. */
export type DestroyCause =
  'tamper' | 'battery' | 'battery-removed' | 'temperature' | 'supervised-boot';

/** Record of a self-destruct. */
export interface DestroyedState {
  cause: DestroyCause;
  /** Epoch seconds. */
  at: number;
  /** Perimeter channel for tamper, else null. */
  channel: number | null;
}

/** Variant and firmware choices. */
export interface PolicyVariant {
  /** EDU variant (feature NO_SELF_DESTRUCT): destructive actions are refused. */
  noSelfDestruct: boolean;
  /**
   * Firmware quirks reproduced (names of quirks.ts, from the firmware's known issues). Set from
   * the emulator's options at every start: a firmware update changes them.
   */
  quirks: string[];
  /**
   * What a production device does when the temperature leaves its bounds under a SELF_DESTRUCT
   * policy: the API says destroy the keys; the SCM FAQ table says "do not boot" (hold).
   */
  productionTemperature: 'self-destruct' | 'hold';
}

/** The whole policy state of one device. */
export interface PolicyState {
  version: typeof POLICY_STATE_VERSION;
  model: ModelName;
  variant: PolicyVariant;
  binding: BindingState;
  perimeter: { channels: ChannelState[]; events: PerimeterEventRecord[]; nextSeq: number };
  digitalPerimeter: DigitalPerimeterState;
  accel: AccelState;
  supervisedBoot: SupervisedBootState;
  battery: BatteryState;
  temperature: TemperatureState;
  power: PowerState;
  led: LedState;
  i2c: { address: number };
  destroyed: DestroyedState | null;
  resets: { count: number; last: { reason: ResetReason; at: number } | null };
}

/** Time and randomness, injected. */
export interface PolicyEnv {
  /** Milliseconds since the epoch. */
  now(): number;
  /** `n` random bytes. */
  random(n: number): Uint8Array;
}

/** A device's policy state with its environment: the first argument of every operation. */
export interface Policy {
  readonly state: PolicyState;
  readonly env: PolicyEnv;
}

/**
 * The state of a device fresh from the factory: unbound, development mode, loops closed and
 * clean, actions none, monitors at their defaults, I2C address 0x30.
 *
 * @example
 * ```ts
 * const state = initialPolicyState('hsm6');
 * state.battery.threshold; // 2.3
 * ```
 */
export function initialPolicyState(
  model: ModelName,
  variant: Partial<PolicyVariant> = {},
): PolicyState {
  if (!MODEL_NAMES.includes(model)) throw new PolicyError('ERR_INVALID_ARG', `unknown model`);
  const channel = (): ChannelState => ({
    actions: 0,
    closed: true,
    breached: false,
    firstBreach: 0,
    changesLeft: null,
  });
  return {
    version: POLICY_STATE_VERSION,
    model,
    variant: {
      noSelfDestruct: variant.noSelfDestruct ?? false,
      quirks: [...(variant.quirks ?? [])],
      productionTemperature: variant.productionTemperature ?? 'self-destruct',
    },
    binding: {
      boundTo: null,
      currentHost: null,
      lockRequested: false,
      tabCut: false,
      production: false,
      cannotBind: false,
    },
    perimeter: { channels: [channel(), channel()], events: [], nextSeq: 1 },
    digitalPerimeter: { ...DEFAULT_DIGITAL_PERIMETER },
    accel: initialAccelState(),
    supervisedBoot: initialSupervisedBootState(),
    battery: {
      volts: NOMINAL_BATTERY_V,
      threshold: DEFAULT_BATTERY_THRESHOLD_V,
      action: ThresholdAction.NONE,
    },
    temperature: {
      celsius: NOMINAL_CPU_C,
      low: DEFAULT_CPU_LOW_C,
      high: DEFAULT_CPU_HIGH_C,
      action: ThresholdAction.NONE,
    },
    power: { supplyStable: true, hostComms: true },
    led: { override: null, fatal: null, statusKey: '', statusSince: 0 },
    i2c: { address: DEFAULT_I2C_ADDRESS },
    destroyed: null,
    resets: { count: 0, last: null },
  };
}

/**
 * Pairs a state (fresh or restored) with its environment.
 *
 * @example
 * ```ts
 * const policy = createPolicy(initialPolicyState('scm'), {
 *   now: () => Date.now(),
 *   random: (n) => crypto.getRandomValues(new Uint8Array(n)),
 * });
 * ```
 */
export function createPolicy(state: PolicyState, env: PolicyEnv): Policy {
  return { state, env };
}

/**
 * The model facts of the policy's device (models.ts).
 *
 * @example
 * ```ts
 * policySpec(policy.state).scm; // true on an SCM
 * ```
 */
export function policySpec(state: PolicyState): ModelSpec {
  return modelSpec(state.model);
}

/**
 * Whether the model announces a HELLO feature bit.
 *
 * @example
 * ```ts
 * hasFeature(state, Feature.BATTERY_MONITOR); // false on a Zymkey4
 * ```
 */
export function hasFeature(state: PolicyState, feature: number): boolean {
  return (policySpec(state).features & feature) !== 0;
}

/**
 * Whether the device signals with the SCM fatal-code table (preamble, main code, sub code) and
 * simulates destruction in developer mode. Zymkey4, HSM4 and HSM6 use the older LED table.
 *
 * @example
 * ```ts
 * isScmClass(initialPolicyState('scm')); // true
 * ```
 */
export function isScmClass(state: PolicyState): boolean {
  return policySpec(state).scm;
}

/**
 * Whether the device locks by cutting a tab (no LOCK_BINDING): the Zymkey4.
 *
 * @example
 * ```ts
 * locksByTab(initialPolicyState('zymkey4')); // true
 * ```
 */
export function locksByTab(state: PolicyState): boolean {
  return !hasFeature(state, Feature.SOFT_BIND_LOCK);
}

/**
 * Current clock time in epoch seconds, as the device reports timestamps.
 *
 * @example
 * ```ts
 * epochSeconds(policy); // 1767225600
 * ```
 */
export function epochSeconds(policy: Policy): number {
  return Math.floor(policy.env.now() / 1000);
}

/**
 * Whether the device reproduces a firmware quirk (see quirks.ts).
 *
 * @example
 * ```ts
 * hasQuirk(state, 'battery-threshold-unchecked'); // false unless asked for
 * ```
 */
export function hasQuirk(state: PolicyState, quirk: string): boolean {
  return state.variant.quirks.includes(quirk);
}
