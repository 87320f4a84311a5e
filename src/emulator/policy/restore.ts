/**
 * Checks a persisted policy state (parsed JSON) before the emulator uses it again.
 *
 * @packageDocumentation
 */
import { MODEL_NAMES } from '../models.js';
import {
  DEFAULT_DIGITAL_PERIMETER,
  PERIMETER_CHANNELS,
  POLICY_STATE_VERSION,
  initialAccelState,
  initialSupervisedBootState,
  type PolicyState,
} from './state.js';

type Check = (value: unknown, path: string) => void;

function fail(path: string, what: string): never {
  throw new TypeError(`policy state: ${path} must be ${what}`);
}

const num: Check = (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(p, 'a finite number');
};
const bool: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'a boolean');
};
const str: Check = (v, p) => {
  if (typeof v !== 'string') fail(p, 'a string');
};
const nullable =
  (inner: Check): Check =>
  (v, p) => {
    if (v !== null) inner(v, p);
  };
const oneOf =
  (values: readonly unknown[]): Check =>
  (v, p) => {
    if (!values.includes(v)) fail(p, `one of ${values.join(', ')}`);
  };
const shape =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object');
    const rec = v as Record<string, unknown>;
    for (const [k, check] of Object.entries(fields)) check(rec[k], `${p}.${k}`);
  };
const list =
  (item: Check, length?: number): Check =>
  (v, p) => {
    if (!Array.isArray(v)) fail(p, 'an array');
    if (length !== undefined && v.length !== length) fail(p, `an array of ${length}`);
    v.forEach((x, i) => {
      item(x, `${p}[${i}]`);
    });
  };

const fatalCauses = [
  'tamper',
  'battery',
  'temperature-low',
  'temperature-high',
  'comms',
  'supervised-boot',
];
const destroyCauses = ['tamper', 'battery', 'battery-removed', 'temperature', 'supervised-boot'];
const triple = list(num, 3);
const bootStatus = oneOf(['ok', 'file-failed', 'process-failed']);

const policyStateCheck = shape({
  version: oneOf([POLICY_STATE_VERSION]),
  model: oneOf(MODEL_NAMES),
  variant: shape({
    noSelfDestruct: bool,
    quirks: list(str),
    productionTemperature: oneOf(['self-destruct', 'hold']),
  }),
  binding: shape({
    boundTo: nullable(str),
    currentHost: nullable(str),
    lockRequested: bool,
    tabCut: bool,
    production: bool,
    cannotBind: bool,
  }),
  perimeter: shape({
    channels: list(
      shape({
        actions: oneOf([0, 1, 2, 3]),
        closed: bool,
        breached: bool,
        firstBreach: num,
        changesLeft: nullable(oneOf([0, 1])),
      }),
      PERIMETER_CHANNELS,
    ),
    events: list(shape({ seq: num, channel: oneOf([0, 1]), timestamp: num, actions: num })),
    nextSeq: num,
  }),
  digitalPerimeter: shape({ lpPeriodUs: num, lpMaxBits: num, minDelayNs: num, maxDelayNs: num }),
  accel: shape({
    sensitivity: triple,
    g: triple,
    dirs: list(oneOf([-1, 0, 1]), 3),
    taps: list(shape({ seq: num, g: triple, dirs: list(oneOf([-1, 0, 1]), 3), at: num })),
    nextSeq: num,
  }),
  supervisedBoot: shape({
    policy: oneOf([0, 1, 2]),
    files: list(shape({ path: str, slot: num, digest: str, signature: str })),
    lastCheck: nullable(shape({ status: bootStatus, failed: list(str), at: num })),
    held: nullable(oneOf(['file-failed', 'process-failed'])),
  }),
  battery: shape({ volts: num, threshold: num, action: oneOf([0, 1, 2]) }),
  temperature: shape({ celsius: num, low: num, high: num, action: oneOf([0, 1]) }),
  power: shape({ supplyStable: bool, hostComms: bool }),
  led: shape({
    override: nullable(
      shape({
        mode: oneOf(['on', 'off', 'flash']),
        onMs: num,
        offMs: num,
        numFlashes: num,
        since: num,
      }),
    ),
    fatal: nullable(shape({ main: num, sub: num, cause: oneOf(fatalCauses) })),
    statusKey: str,
    statusSince: num,
  }),
  i2c: shape({ address: num }),
  destroyed: nullable(
    shape({ cause: oneOf(destroyCauses), at: num, channel: nullable(oneOf([0, 1])) }),
  ),
  resets: shape({
    count: num,
    last: nullable(shape({ reason: oneOf([0, 1, 2, 3, 4, 5]), at: num })),
  }),
});

/**
 * Brings a layout-1 state to layout 2: the quirk list replaces `batteryThresholdUnchecked`, and
 * the accelerometer, digital-perimeter and supervised-boot sections start at factory values.
 */
function upgradeV1(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if (v['version'] !== 1) return value;
  const variant = (v['variant'] ?? {}) as Record<string, unknown>;
  const { batteryThresholdUnchecked, ...rest } = variant;
  return {
    ...v,
    version: 2,
    variant: {
      ...rest,
      quirks: batteryThresholdUnchecked === true ? ['battery-threshold-unchecked'] : [],
    },
    digitalPerimeter: { ...DEFAULT_DIGITAL_PERIMETER },
    accel: initialAccelState(),
    supervisedBoot: initialSupervisedBootState(),
  };
}

/**
 * Checks that `value` (e.g. `JSON.parse` of a stored state) has the {@link PolicyState} layout
 * of this version (a layout-1 state is upgraded first), and returns it typed.
 *
 * @example
 * ```ts
 * const state = restorePolicyState(JSON.parse(text));
 * const policy = createPolicy(state, env);
 * ```
 * @throws TypeError naming the first field that does not fit.
 */
export function restorePolicyState(value: unknown): PolicyState {
  const upgraded = upgradeV1(value);
  policyStateCheck(upgraded, 'state');
  return upgraded as PolicyState;
}
