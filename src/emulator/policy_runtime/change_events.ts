/**
 * The protocol events a change of the policy state causes: DEVICE_RESET after a reset,
 * LED_CHANGED when the LED's behaviour changed, PERIMETER_EVENT per new notify record and
 * TAP_EVENT per detected tap.
 *
 * @packageDocumentation
 */
import { Event } from '../../protocol/constants.generated.js';
import { encodeEvent } from '../../protocol/payload_codec.js';
import { ledView, type Policy } from '../policy/index.js';

/** An encoded event: code and payload. */
export type EncodedEvent = readonly [number, Uint8Array];

/** What is compared before and after a change. */
export interface ChangeMark {
  led: string;
  perimeterSeq: number;
  tapSeq: number;
}

/**
 * Marks the state before a change.
 *
 * @example
 * ```ts
 * const before = markChange(policy);
 * ```
 */
export function markChange(policy: Policy): ChangeMark {
  const s = policy.state;
  return {
    led: JSON.stringify(ledView(s)),
    perimeterSeq: s.perimeter.nextSeq,
    tapSeq: s.accel.nextSeq,
  };
}

/**
 * The per-axis fields of TAP_EVENT, WAIT_FOR_TAP and GET_ACCELEROMETER_DATA: g and tap
 * direction for x, y and z.
 *
 * @example
 * ```ts
 * encodeEvent(Event.TAP_EVENT, axisFields(tap.g, tap.dirs));
 * ```
 */
export function axisFields(g: readonly number[], dirs: readonly number[]): Record<string, number> {
  return {
    x_g: g[0] ?? 0,
    x_tap_dir: dirs[0] ?? 0,
    y_g: g[1] ?? 0,
    y_tap_dir: dirs[1] ?? 0,
    z_g: g[2] ?? 0,
    z_tap_dir: dirs[2] ?? 0,
  };
}

/** The DEVICE_RESET event of the last reset, if any. */
export function resetEvent(policy: Policy): EncodedEvent | undefined {
  const last = policy.state.resets.last;
  if (last === null) return undefined;
  return [
    Event.DEVICE_RESET,
    encodeEvent(Event.DEVICE_RESET, { reason: last.reason, timestamp: last.at >>> 0 }),
  ];
}

/** What changed since `before`, as events (without DEVICE_RESET). */
export interface ChangeEvents {
  events: EncodedEvent[];
  /** New perimeter notify records / taps arrived (waits to wake). */
  perimeter: boolean;
  taps: boolean;
}

/**
 * The events of the changes since `before`. `ledCommand`: LED_ON/OFF/FLASH, whose LED_CHANGED
 * is sent even when the view looks the same.
 *
 * @example
 * ```ts
 * const { events } = changeEvents(policy, before, false);
 * ```
 */
export function changeEvents(
  policy: Policy,
  before: ChangeMark,
  ledCommand: boolean,
): ChangeEvents {
  const s = policy.state;
  const events: EncodedEvent[] = [];
  const v = ledView(s);
  if (ledCommand || JSON.stringify(v) !== before.led) {
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
  const fresh = s.perimeter.events.filter((e) => e.seq >= before.perimeterSeq);
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
  const taps = s.accel.taps.filter((t) => t.seq >= before.tapSeq);
  for (const t of taps) {
    events.push([Event.TAP_EVENT, encodeEvent(Event.TAP_EVENT, axisFields(t.g, t.dirs))]);
  }
  return { events, perimeter: fresh.length > 0, taps: taps.length > 0 };
}
