/**
 * What SET_PERIMETER_EVENT_ACTION did besides its answer on early SCM firmware: quirk #99 (the
 * device resets and is busy for 10 s) and quirk #114 (the LED stays dark for about a minute).
 *
 * @packageDocumentation
 */
import { ResetReason } from '../../protocol/constants.generated.js';
import { darkenLed, endLedOverride, hasQuirk, settleLed } from '../policy/index.js';
import type { PolicyRuntime } from './runtime.js';

/** How long the device is busy after SET_PERIMETER_EVENT_ACTION with quirk #99 (ms). */
export const PERIMETER_RESET_BUSY_MS = 10_000;
/** How long the LED stays dark after SET_PERIMETER_EVENT_ACTION with quirk #114 (ms). */
export const PERIMETER_LED_OFF_MS = 60_000;

/**
 * The side effects of a successful SET_PERIMETER_EVENT_ACTION on firmware with these quirks;
 * nothing on other firmware.
 *
 * @example
 * ```ts
 * await d.policy.apply((p) => setPerimeterEventAction(p, channel, actions));
 * await afterPerimeterAction(d.policy);
 * ```
 */
export async function afterPerimeterAction(runtime: PolicyRuntime): Promise<void> {
  const state = runtime.policy.state;
  if (hasQuirk(state, 'perimeter-action-led-off')) {
    let since = 0;
    await runtime.apply(
      (p) => {
        since = darkenLed(p);
        return undefined;
      },
      { ledCommand: true },
    );
    runtime.later(PERIMETER_LED_OFF_MS, () =>
      runtime.apply((p) => {
        endLedOverride(p, since);
        settleLed(p);
        return undefined;
      }),
    );
  }
  if (hasQuirk(state, 'perimeter-action-resets')) {
    await runtime.reset(ResetReason.PERIMETER_ACTION, undefined, {
      busyMs: PERIMETER_RESET_BUSY_MS,
      afterAnswer: true,
    });
  }
}
