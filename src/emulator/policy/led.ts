/**
 * The LED as data. The device's own status pattern follows from the state (vendor LED tables:
 * unbound, developer, production, cannot bind, failures and SCM fatal codes); LED_ON, LED_OFF and
 * LED_FLASH override it until the device switches to another status pattern or resets. The
 * result, {@link LedView}, carries every field of the protocol's LED_CHANGED event plus the time
 * the behaviour started; led_timeline.ts turns it into on/off intervals.
 *
 * @packageDocumentation
 */
import { LedMode, LedPattern } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed, haltReason, isBound } from './gate.js';
import { failureCode } from './self_destruct.js';
import { holdDisplay } from './supervised_boot.js';
import { isScmClass, type Policy, type PolicyState } from './state.js';

/** How often an SCM fatal sequence is shown before the device reboots. */
export const SCM_FATAL_REPEATS = 3;
/** Largest u32, the protocol's bound for LED_FLASH timings. */
const U32_MAX = 0xffff_ffff;

/** What the LED does: LED_CHANGED's fields, the start time, and how a fatal code repeats. */
export interface LedView {
  mode: LedMode;
  /** Status pattern; NONE unless mode is PATTERN. */
  pattern: LedPattern;
  /** FLASH timings (0 otherwise): on time, off time, flashes left (0 = until told otherwise). */
  onMs: number;
  offMs: number;
  numFlashes: number;
  /** FATAL: main and sub flash counts (sub 0 = none). */
  fatalMain: number;
  fatalSub: number;
  /** FATAL: times the sequence is shown before the device reboots; 0 = for ever. */
  fatalRepeats: number;
  /** Clock time (ms) this behaviour started; timelines are phased from it. */
  since: number;
}

type StatusView = Omit<LedView, 'since'>;

const QUIET = { onMs: 0, offMs: 0, numFlashes: 0, fatalMain: 0, fatalSub: 0, fatalRepeats: 0 };

function pattern(p: LedPattern): StatusView {
  return { mode: LedMode.PATTERN, pattern: p, ...QUIET };
}

function fatal(main: number, sub: number, repeats: number): StatusView {
  return { ...pattern(LedPattern.FATAL), fatalMain: main, fatalSub: sub, fatalRepeats: repeats };
}

/** The pattern the device chooses by itself, ignoring host overrides. */
function statusView(state: PolicyState): StatusView {
  if (state.destroyed !== null) {
    // Shown for ever: an SCM reboots after three rounds and shows it again.
    const code = failureCode(state, state.destroyed.cause);
    return fatal(code.main, code.sub, 0);
  }
  if (state.led.fatal !== null) {
    return fatal(state.led.fatal.main, state.led.fatal.sub, SCM_FATAL_REPEATS);
  }
  const held = holdDisplay(state);
  if (held !== null) return fatal(held.main, held.sub, 0);
  if (!isScmClass(state) && !state.power.hostComms) return fatal(8, 0, 0);
  if (haltReason(state) !== null) return { mode: LedMode.OFF, pattern: LedPattern.NONE, ...QUIET };
  if (state.binding.cannotBind) return pattern(LedPattern.CANNOT_BIND);
  if (!isBound(state)) return pattern(LedPattern.UNBOUND);
  return pattern(state.binding.production ? LedPattern.PRODUCTION : LedPattern.DEVELOPER);
}

function statusKey(v: StatusView): string {
  return `${v.mode}/${v.pattern}/${v.fatalMain}/${v.fatalSub}/${v.fatalRepeats}`;
}

/**
 * What the LED does now: the host's override if one stands, else the device's status pattern.
 *
 * @example
 * ```ts
 * const v = ledView(policy.state);
 * if (v.pattern === LedPattern.FATAL) console.log(`code ${v.fatalMain}/${v.fatalSub}`);
 * ```
 */
export function ledView(state: PolicyState): LedView {
  const o = state.led.override;
  if (o !== null) {
    const mode = o.mode === 'on' ? LedMode.ON : o.mode === 'off' ? LedMode.OFF : LedMode.FLASH;
    return {
      mode,
      pattern: LedPattern.NONE,
      ...QUIET,
      onMs: o.onMs,
      offMs: o.offMs,
      numFlashes: o.numFlashes,
      since: o.since,
    };
  }
  return { ...statusView(state), since: state.led.statusSince };
}

/**
 * Records a change of status pattern: when the device's own pattern differs from the one last
 * shown, it starts now and replaces any host override. Every mutating operation calls this.
 *
 * @example
 * ```ts
 * policy.state.power.hostComms = false;
 * settleLed(policy); // Zymkey4: the 8-blink failure starts now
 * ```
 */
export function settleLed(policy: Policy): void {
  const s = policy.state;
  const key = statusKey(statusView(s));
  if (key === s.led.statusKey) return;
  s.led.statusKey = key;
  s.led.statusSince = policy.env.now();
  s.led.override = null;
}

/**
 * LED_ON: steadily on until a status change, a reset or another LED command.
 *
 * @example
 * ```ts
 * ledOn(policy);
 * ledView(policy.state).mode; // LedMode.ON
 * ```
 * @throws PolicyError `ERR_DEVICE_HALTED` while the device is not running.
 */
export function ledOn(policy: Policy): void {
  assertAllowed(policy.state, 'device');
  override(policy, 'on');
}

/**
 * LED_OFF: dark until a status change, a reset or another LED command.
 *
 * @example
 * ```ts
 * ledOff(policy);
 * ```
 * @throws PolicyError `ERR_DEVICE_HALTED` while the device is not running.
 */
export function ledOff(policy: Policy): void {
  assertAllowed(policy.state, 'device');
  override(policy, 'off');
}

/**
 * Quirk #114 (SCM beta): setting perimeter actions leaves the LED dark for about a minute. The
 * device turns it off as a host LED_OFF would; {@link endLedOverride} gives the pattern back.
 *
 * @example
 * ```ts
 * const since = darkenLed(policy);
 * // a minute later
 * endLedOverride(policy, since);
 * ```
 * @returns The override's start time, to end exactly this one later.
 */
export function darkenLed(policy: Policy): number {
  override(policy, 'off');
  return policy.state.led.override?.since ?? policy.env.now();
}

/**
 * Ends the LED override that started at `since`, if it still stands (a later LED command, a
 * status change or a reset has replaced it otherwise).
 *
 * @example
 * ```ts
 * endLedOverride(policy, since);
 * ```
 */
export function endLedOverride(policy: Policy, since: number): void {
  if (policy.state.led.override?.since === since) policy.state.led.override = null;
}

/** Sets the host's LED setting, from now until the device's own pattern changes or a reset. */
function override(
  policy: Policy,
  mode: 'on' | 'off' | 'flash',
  onMs = 0,
  offMs = 0,
  numFlashes = 0,
): void {
  policy.state.led.override = { mode, onMs, offMs, numFlashes, since: policy.env.now() };
}

function u32(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new PolicyError('ERR_INVALID_ARG', `${name} must be a u32`);
  }
  return value;
}

/**
 * LED_FLASH as the vendor library has it: `offMs` 0 means the same as `onMs`, `numFlashes` 0
 * means until told otherwise; after the last flash the LED stays off.
 *
 * @example
 * ```ts
 * ledFlash(policy, 100, 0, 5); // five 100 ms flashes, 100 ms apart
 * ```
 * @throws PolicyError `ERR_OUT_OF_RANGE` for `onMs` 0, `ERR_INVALID_ARG` for a non-u32.
 */
export function ledFlash(policy: Policy, onMs: number, offMs = 0, numFlashes = 0): void {
  assertAllowed(policy.state, 'device');
  u32(onMs, 'on_ms');
  u32(offMs, 'off_ms');
  u32(numFlashes, 'num_flashes');
  if (onMs === 0) throw new PolicyError('ERR_OUT_OF_RANGE', 'on_ms must be 1 or more');
  override(policy, 'flash', onMs, offMs === 0 ? onMs : offMs, numFlashes);
}
