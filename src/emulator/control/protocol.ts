/**
 * The emulator's simulation control protocol: newline-delimited JSON on a socket of its own
 * (never the device protocol). A request is one object `{ "op": ..., ...fields }`; the answer is
 * one line, `{ "ok": true, ... }` or `{ "ok": false, "error": "..." }`. Every field is checked
 * (type, range, no unknown keys) before anything reaches the policy runtime.
 *
 * @packageDocumentation
 */
import { LedMode, LedPattern, ResetReason } from '../../protocol/constants.generated.js';
import {
  ACCEL_FULL_SCALE_G,
  PERIMETER_CHANNELS,
  PolicyError,
  isBound,
  ledTimeline,
  ledView,
  type LedInterval,
  type LedView,
} from '../policy/index.js';
import type { PolicyRuntime } from '../policy_runtime/runtime.js';
import {
  simulateAcceleration,
  simulateBattery,
  simulateBreach,
  simulateCpuTemp,
  simulateCutLockTab,
  simulateHostComms,
  simulateLoop,
  simulateReboot,
  simulateSupply,
  simulateTap,
} from '../policy_runtime/simulation.js';

/** Longest request line in bytes (newline excluded). */
export const CONTROL_MAX_LINE = 4096;
/** Battery readings accepted, volts. */
export const CONTROL_VOLTS = { min: 0, max: 10 } as const;
/** CPU temperature readings accepted, °C. */
export const CONTROL_CELSIUS = { min: -100, max: 200 } as const;
/** LED timeline windows accepted, seconds. */
export const CONTROL_LED_SECONDS = { min: 0.1, max: 60, default: 3 } as const;
/** Accelerometer readings and tap forces accepted, g. */
export const CONTROL_G = { min: -ACCEL_FULL_SCALE_G, max: ACCEL_FULL_SCALE_G } as const;
/** Reboot reasons of the `reboot` op. */
const REBOOT_REASONS: Readonly<Record<string, ResetReason>> = {
  host: ResetReason.HOST_REBOOT,
  power: ResetReason.POWER_ON,
  simulated: ResetReason.SIMULATED,
};
/** Axis names of the `tap` op. */
const AXES: readonly string[] = ['x', 'y', 'z'];
/** Longest host fingerprint accepted. */
const MAX_FINGERPRINT = 256;

/** The control socket of the device service on `socketPath`: next to it, `.control` appended. */
export function controlSocketPath(socketPath: string): string {
  return `${socketPath}.control`;
}

/** A request the control protocol refuses; its message is the answer's `error`. */
export class ControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

/** One answer line's object. */
export type ControlAnswer = { ok: true; [field: string]: unknown } | { ok: false; error: string };

type Fields = Record<string, unknown>;

/** Which fields each op takes (besides `op`); undefined: unknown op. */
const OP_FIELDS: Record<string, readonly string[]> = {
  tamper: ['channel'],
  loop: ['channel', 'closed'],
  battery: ['volts'],
  temp: ['celsius'],
  power: ['stable'],
  comms: ['ok'],
  'cut-lock-tab': [],
  reboot: ['reason'],
  'move-host': ['fingerprint'],
  tap: ['axis', 'direction', 'force'],
  accel: ['g'],
  led: ['seconds'],
  status: [],
};

/** The op names, for help texts. */
export const CONTROL_OPS: readonly string[] = Object.keys(OP_FIELDS);

function nameOf(table: Readonly<Record<string, number>>, value: number): string {
  return Object.entries(table).find(([, v]) => v === value)?.[0] ?? String(value);
}

function channel(fields: Fields): number {
  const value = fields['channel'];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ControlError('channel must be an integer');
  }
  if (value < 0 || value >= PERIMETER_CHANNELS) {
    throw new ControlError(`channel must be 0..${PERIMETER_CHANNELS - 1}`);
  }
  return value;
}

function boolean(fields: Fields, name: string): boolean {
  const value = fields[name];
  if (typeof value !== 'boolean') throw new ControlError(`${name} must be true or false`);
  return value;
}

function number(fields: Fields, name: string, range: { min: number; max: number }): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ControlError(`${name} must be a finite number`);
  }
  if (value < range.min || value > range.max) {
    throw new ControlError(`${name} must be in ${range.min}..${range.max}`);
  }
  return value;
}

function fingerprint(fields: Fields): string | null {
  const value = fields['fingerprint'];
  if (value === null) return null;
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_FINGERPRINT ||
    /[^\x20-\x7e\u0080-\uffff]/u.test(value)
  ) {
    throw new ControlError(
      `fingerprint must be a string of 1..${MAX_FINGERPRINT} printable characters, or null`,
    );
  }
  return value;
}

/** LED_CHANGED's fields with names, for people and scripts. */
export function describeLed(view: LedView): Record<string, unknown> {
  return {
    mode: nameOf(LedMode, view.mode),
    pattern: nameOf(LedPattern, view.pattern),
    onMs: view.onMs,
    offMs: view.offMs,
    numFlashes: view.numFlashes,
    fatalMain: view.fatalMain,
    fatalSub: view.fatalSub,
    fatalRepeats: view.fatalRepeats,
    since: view.since,
  };
}

function status(runtime: PolicyRuntime): Record<string, unknown> {
  const state = runtime.policy.state;
  const b = state.binding;
  return {
    model: state.model,
    binding: {
      bound: isBound(state),
      locked: b.lockRequested,
      production: b.production,
      cannotBind: b.cannotBind,
      tabCut: b.tabCut,
      hostPresent: b.currentHost !== null,
    },
    led: describeLed(ledView(state)),
    perimeter: {
      channels: state.perimeter.channels.map((c, index) => ({ channel: index, ...c })),
      pendingEvents: state.perimeter.events.length,
    },
    accelerometer: {
      sensitivity: [...state.accel.sensitivity],
      g: [...state.accel.g],
      lastTapDirs: [...state.accel.dirs],
      taps: state.accel.nextSeq - 1,
    },
    digitalPerimeter: { ...state.digitalPerimeter },
    supervisedBoot: {
      policy: state.supervisedBoot.policy,
      files: state.supervisedBoot.files.map((f) => ({ path: f.path, slot: f.slot })),
      lastCheck: state.supervisedBoot.lastCheck,
      held: state.supervisedBoot.held,
      bootDir: runtime.bootDir ?? null,
    },
    quirks: [...state.variant.quirks],
    battery: { ...state.battery },
    temperature: { ...state.temperature },
    power: { ...state.power },
    destroyed: state.destroyed,
    resets: state.resets,
  };
}

/** Checks the request's shape: an object with a known op and exactly that op's fields. */
function parseRequest(request: unknown): { op: string; fields: Fields } {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new ControlError('a request is a JSON object with an "op"');
  }
  const fields = request as Fields;
  const op = fields['op'];
  if (typeof op !== 'string') throw new ControlError('"op" must be a string');
  const allowed = Object.hasOwn(OP_FIELDS, op) ? OP_FIELDS[op] : undefined;
  if (allowed === undefined) {
    throw new ControlError(`unknown op '${op.slice(0, 40)}' (one of ${CONTROL_OPS.join(', ')})`);
  }
  for (const key of Object.keys(fields)) {
    if (key !== 'op' && !allowed.includes(key)) {
      throw new ControlError(`${op} takes no field '${key.slice(0, 40)}'`);
    }
  }
  return { op, fields };
}

async function perform(runtime: PolicyRuntime, op: string, fields: Fields): Promise<Fields> {
  switch (op) {
    case 'tamper':
      await simulateBreach(runtime, channel(fields));
      return {};
    case 'loop':
      await simulateLoop(runtime, channel(fields), boolean(fields, 'closed'));
      return {};
    case 'battery':
      await simulateBattery(runtime, number(fields, 'volts', CONTROL_VOLTS));
      return {};
    case 'temp':
      await simulateCpuTemp(runtime, number(fields, 'celsius', CONTROL_CELSIUS));
      return {};
    case 'power':
      await simulateSupply(runtime, boolean(fields, 'stable'));
      return {};
    case 'comms':
      await simulateHostComms(runtime, boolean(fields, 'ok'));
      return {};
    case 'cut-lock-tab':
      await simulateCutLockTab(runtime);
      return {};
    case 'reboot': {
      const reason = fields['reason'] ?? 'host';
      if (typeof reason !== 'string' || !Object.hasOwn(REBOOT_REASONS, reason)) {
        throw new ControlError(`reason must be one of ${Object.keys(REBOOT_REASONS).join(', ')}`);
      }
      await simulateReboot(runtime, { reason: REBOOT_REASONS[reason] ?? ResetReason.HOST_REBOOT });
      return {};
    }
    case 'tap': {
      const axis = fields['axis'];
      if (typeof axis !== 'string' || !AXES.includes(axis)) {
        throw new ControlError('axis must be x, y or z');
      }
      const direction = fields['direction'];
      if (direction !== 1 && direction !== -1) throw new ControlError('direction must be 1 or -1');
      const force = number(fields, 'force', { min: 0.01, max: ACCEL_FULL_SCALE_G });
      const tap = await simulateTap(runtime, {
        axis: AXES.indexOf(axis),
        direction,
        forceG: force,
      });
      return { detected: tap !== null };
    }
    case 'accel': {
      const g = fields['g'];
      if (!Array.isArray(g) || g.length !== 3) throw new ControlError('g must be [x, y, z]');
      const values = g.map((v: unknown) => number({ g: v }, 'g', CONTROL_G));
      await simulateAcceleration(runtime, values);
      return {};
    }
    case 'move-host':
      await simulateReboot(runtime, { fingerprint: fingerprint(fields) });
      return {};
    case 'led': {
      const seconds =
        fields['seconds'] === undefined
          ? CONTROL_LED_SECONDS.default
          : number(fields, 'seconds', CONTROL_LED_SECONDS);
      const view = ledView(runtime.policy.state);
      const from = runtime.policy.env.now();
      const to = from + Math.round(seconds * 1000);
      const intervals: LedInterval[] = ledTimeline(view, from, to, 10_000);
      return { led: describeLed(view), timeline: { from, to, intervals } };
    }
    default:
      return status(runtime);
  }
}

/**
 * Answers one request (already parsed from JSON). Never throws: refusals of the control protocol
 * and of the policy model become `{ ok: false, error }`.
 *
 * @example
 * ```ts
 * await handleControlRequest(device.policy, { op: 'tamper', channel: 0 }); // { ok: true }
 * ```
 */
export async function handleControlRequest(
  runtime: PolicyRuntime,
  request: unknown,
): Promise<ControlAnswer> {
  try {
    const { op, fields } = parseRequest(request);
    return { ok: true, ...(await perform(runtime, op, fields)) };
  } catch (error) {
    if (error instanceof ControlError) return { ok: false, error: error.message };
    if (error instanceof PolicyError) {
      const why = error.message === error.code ? '' : `: ${error.message}`;
      return { ok: false, error: `${error.code}${why}` };
    }
    return { ok: false, error: `internal error: ${String(error)}` };
  }
}
