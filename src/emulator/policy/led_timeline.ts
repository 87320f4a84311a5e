/**
 * Renders an {@link LedView} as on/off intervals over a time window, for the LED timeline CLI
 * and for tests. Each pattern is a program of blocks (a run of intervals shown `count` times)
 * followed by a steady tail, phased from the view's `since`.
 *
 * Timings. The vendor gives rates and counts, not milliseconds; the numbers below are this
 * model's reading of them:
 * - unbound: "about 5 blinks per second": 100 ms on, 100 ms off;
 * - developer: one blink every 3 s: 100 ms on, 2900 ms off;
 * - production: three rapid blinks every 3 s: on/off 100 ms three times, then off to 3 s;
 * - cannot bind: rapid blinking (100/100 ms) for 10 s, then off for good;
 * - fatal codes (SCM table; the older table's 5- and 8-blink failures have the same shape with no
 *   sub code): 10 very rapid flashes (50 ms on, 50 ms apart), 1 s off, the main code as 0.5 s
 *   flashes 0.5 s apart, 1 s off, the sub code likewise, then 1 s off before the next round.
 *
 * Codes (SCM FAQ): 4/2 and 22/9 supervised boot, 5 serial mismatch (keys erased), 6 keys area
 * digest, 6/n developer-mode tamper, 8 host link, 20/1 and 20/2 temperature. 4/1 (low battery,
 * developer mode) is used by the FAQ's developer/production table but missing from its main-code
 * table; it is rendered like any other code.
 *
 * @packageDocumentation
 */
import { LedMode, LedPattern } from '../../protocol/constants.generated.js';
import type { LedView } from './led.js';
import type { PolicyState } from './state.js';
import { SCM_FATAL_REPEATS } from './led.js';

/** One interval of a timeline. */
export interface LedInterval {
  on: boolean;
  ms: number;
}

/** A run of intervals shown `count` times (Infinity = for ever). */
export interface LedBlock {
  segments: readonly LedInterval[];
  count: number;
}

/** A pattern as blocks from `since`, then a steady state once every block has run. */
export interface LedProgram {
  blocks: readonly LedBlock[];
  tail: boolean;
}

/** The model's LED timings in ms (see the module comment). */
export const LED_TIMING = {
  rapidMs: 100,
  developerPeriodMs: 3000,
  productionPeriodMs: 3000,
  cannotBindRapidMs: 10_000,
  preambleFlashes: 10,
  preambleMs: 50,
  codeMs: 500,
  separatorMs: 1000,
} as const;

const on = (ms: number): LedInterval => ({ on: true, ms });
const off = (ms: number): LedInterval => ({ on: false, ms });

/** `n` flashes of `onMs`, `offMs` apart (no trailing off time). */
function train(n: number, onMs: number, offMs: number): LedInterval[] {
  const out: LedInterval[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) out.push(off(offMs));
    out.push(on(onMs));
  }
  return out;
}

/**
 * One round of a fatal code: preamble, 1 s off, main code, and when present 1 s off and the sub
 * code, then 1 s off.
 *
 * @example
 * ```ts
 * fatalRound(6, 1).reduce((t, i) => t + i.ms, 0); // 950 + 1000 + 5500 + 1000 + 500 + 1000
 * ```
 */
export function fatalRound(main: number, sub: number): LedInterval[] {
  const t = LED_TIMING;
  const round = [
    ...train(t.preambleFlashes, t.preambleMs, t.preambleMs),
    off(t.separatorMs),
    ...train(main, t.codeMs, t.codeMs),
  ];
  if (sub > 0) round.push(off(t.separatorMs), ...train(sub, t.codeMs, t.codeMs));
  round.push(off(t.separatorMs));
  return round;
}

/**
 * The program of a view.
 *
 * @example
 * ```ts
 * ledProgram(ledView(state)).tail; // false for every blinking pattern
 * ```
 */
export function ledProgram(view: LedView): LedProgram {
  const t = LED_TIMING;
  const forever = (segments: LedInterval[]): LedProgram => ({
    blocks: [{ segments, count: Infinity }],
    tail: false,
  });
  switch (view.mode) {
    case LedMode.ON:
      return { blocks: [], tail: true };
    case LedMode.OFF:
      return { blocks: [], tail: false };
    case LedMode.FLASH:
      return {
        blocks: [
          {
            segments: [on(view.onMs), off(view.offMs)],
            count: view.numFlashes === 0 ? Infinity : view.numFlashes,
          },
        ],
        tail: false,
      };
    default:
      break;
  }
  switch (view.pattern) {
    case LedPattern.UNBOUND:
      return forever([on(t.rapidMs), off(t.rapidMs)]);
    case LedPattern.DEVELOPER:
      return forever([on(t.rapidMs), off(t.developerPeriodMs - t.rapidMs)]);
    case LedPattern.PRODUCTION:
      return forever([
        ...train(3, t.rapidMs, t.rapidMs),
        off(t.productionPeriodMs - 5 * t.rapidMs),
      ]);
    case LedPattern.CANNOT_BIND:
      return {
        blocks: [
          {
            segments: [on(t.rapidMs), off(t.rapidMs)],
            count: t.cannotBindRapidMs / (2 * t.rapidMs),
          },
        ],
        tail: false,
      };
    case LedPattern.FATAL:
      return {
        blocks: [
          {
            segments: fatalRound(view.fatalMain, view.fatalSub),
            count: view.fatalRepeats === 0 ? Infinity : view.fatalRepeats,
          },
        ],
        tail: false,
      };
    default:
      // NONE, and BOOT (the SCM boot sequence arrives with supervised boot, a later slice).
      return { blocks: [], tail: false };
  }
}

/**
 * The LED's on/off intervals from `fromMs` to `toMs` (clock times), adjacent equal states merged;
 * the intervals add up to `toMs - fromMs`. Before the view's `since` the LED counts as off.
 *
 * @example
 * ```ts
 * ledTimeline(ledView(state), now, now + 3000);
 * // developer mode: [{ on: true, ms: 100 }, { on: false, ms: 2900 }]
 * ```
 * @throws RangeError for a window that is not finite and ordered, or that needs more than
 *   `maxIntervals` intervals.
 */
export function ledTimeline(
  view: LedView,
  fromMs: number,
  toMs: number,
  maxIntervals = 100_000,
): LedInterval[] {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) {
    throw new RangeError('the window must be finite with fromMs <= toMs');
  }
  const out: LedInterval[] = [];
  const emit = (state: boolean, start: number, end: number): void => {
    const a = Math.max(start, fromMs);
    const b = Math.min(end, toMs);
    if (b <= a) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.on === state) {
      last.ms += b - a;
      return;
    }
    if (out.length >= maxIntervals) throw new RangeError(`more than ${maxIntervals} intervals`);
    out.push({ on: state, ms: b - a });
  };
  const program = ledProgram(view);
  let t = view.since;
  emit(false, -Infinity, t);
  for (const block of program.blocks) {
    const cycle = block.segments.reduce((sum, s) => sum + s.ms, 0);
    if (cycle === 0 || block.count <= 0) continue;
    let left = block.count;
    if (fromMs > t) {
      const skip = Math.min(left, Math.floor((fromMs - t) / cycle));
      t += skip * cycle;
      left -= skip;
    }
    for (; left > 0 && t < toMs; left--) {
      for (const s of block.segments) {
        emit(s.on, t, t + s.ms);
        t += s.ms;
      }
    }
    if (t >= toMs) return out;
  }
  emit(program.tail, t, Infinity);
  return out;
}

/**
 * When a finite view has run its course (clock ms), or undefined for one that lasts.
 *
 * @example
 * ```ts
 * ledProgramEnd(view); // a 5-flash 100/100 view: view.since + 1000
 * ```
 */
export function ledProgramEnd(view: LedView): number | undefined {
  let t = view.since;
  for (const b of ledProgram(view).blocks) {
    if (b.count === Infinity) return undefined;
    t += b.count * b.segments.reduce((sum, s) => sum + s.ms, 0);
  }
  return t;
}

/**
 * When an SCM-class device showing a recoverable fatal code reboots (three rounds after the
 * code started), or undefined when no such code is showing. The emulator sets a timer for it
 * and then calls `reboot(policy, { reason: ResetReason.FATAL })`.
 *
 * @example
 * ```ts
 * const at = fatalRebootAt(policy.state);
 * if (at !== undefined) setTimeout(() => reboot(policy, { reason: ResetReason.FATAL }), at - Date.now());
 * ```
 */
export function fatalRebootAt(state: PolicyState): number | undefined {
  const f = state.led.fatal;
  if (f === null || state.destroyed !== null) return undefined;
  const round = fatalRound(f.main, f.sub).reduce((sum, s) => sum + s.ms, 0);
  return state.led.statusSince + SCM_FATAL_REPEATS * round;
}
