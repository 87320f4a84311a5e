/**
 * What self-destruct means in the model: a permanent record in the state, a list of what the
 * emulator must wipe from its key store, and the failure the device shows from then on
 * (Zymkey4/HSM: the 5-blink "cannot talk to the secure element" failure; SCM: main code 5 after a
 * tamper breach, 6 after a battery or temperature self-destruct).
 *
 * @packageDocumentation
 */
import { Feature } from '../../protocol/constants.generated.js';
import { epochSeconds, hasFeature, isScmClass, type DestroyCause, type Policy } from './state.js';
import type { PolicyState } from './state.js';

/**
 * Key material the emulator wipes: on self-destruct, or (`generated-pairs`: GEN_KEY_PAIR keys
 * only, not wallet keys) when firmware quirk #159 loses them at a reboot.
 */
export type WipeTarget =
  | 'factory-keys'
  | 'generated-keys'
  | 'generated-pairs'
  | 'ephemeral-key'
  | 'foreign-keys'
  | 'wallets'
  | 'data-lock-keys'
  | 'token-store';

/**
 * What the emulator must erase when the model self-destructs. Everything secret goes, and with
 * it the token store whose objects are bound to those keys. The vendor's volatility letter says
 * the access keys are cleared and the unit is unusable for ever; foreign public keys go too, as
 * nothing can use them any more.
 *
 * @example
 * ```ts
 * wipeTargets(initialPolicyState('zymkey4')); // ['factory-keys', 'data-lock-keys', 'token-store']
 * ```
 */
export function wipeTargets(state: PolicyState): WipeTarget[] {
  const targets: WipeTarget[] = ['factory-keys'];
  if (hasFeature(state, Feature.KEY_STORE)) targets.push('generated-keys', 'ephemeral-key');
  if (hasFeature(state, Feature.FOREIGN_KEYS)) targets.push('foreign-keys');
  if (hasFeature(state, Feature.WALLET)) targets.push('wallets');
  targets.push('data-lock-keys', 'token-store');
  return targets;
}

/**
 * The failure code a destroyed device shows: main flash count and sub count (0 = none).
 * Zymkey4/HSM show the older table's 5 slow blinks. The SCM table gives 5 for "serial-number
 * mismatch, usually keys erased by a tamper breach" and 6 for "keys area digest failed (...
 * battery-threshold self-destruct)"; the temperature and supervised-boot cases are not listed and
 * take 6 as well.
 *
 * @example
 * ```ts
 * failureCode(initialPolicyState('scm'), 'tamper'); // { main: 5, sub: 0 }
 * ```
 */
export function failureCode(
  state: PolicyState,
  cause: DestroyCause,
): { main: number; sub: number } {
  if (!isScmClass(state)) return { main: 5, sub: 0 };
  return { main: cause === 'tamper' ? 5 : 6, sub: 0 };
}

/**
 * Whether destructive actions can fire now: production mode in effect (Zymkey4: tab cut; others:
 * LOCK_BINDING and a reboot) and not the EDU variant.
 *
 * @example
 * ```ts
 * selfDestructLive(state); // false in development mode
 * ```
 */
export function selfDestructLive(state: PolicyState): boolean {
  return state.binding.production && !state.variant.noSelfDestruct;
}

/**
 * Destroys the keys for good. A second call changes nothing (the first cause is kept). The
 * caller refreshes the LED (`settleLed`); the emulator wipes {@link wipeTargets}.
 *
 * @example
 * ```ts
 * const wiped = selfDestruct(policy, 'tamper', 0);
 * for (const t of wiped) store.wipe(t);
 * ```
 * @returns What to wipe now: the targets on the first call, [] afterwards.
 */
export function selfDestruct(
  policy: Policy,
  cause: DestroyCause,
  channel: number | null = null,
): WipeTarget[] {
  const s = policy.state;
  if (s.destroyed !== null) return [];
  s.destroyed = { cause, at: epochSeconds(policy), channel };
  s.led.fatal = null;
  return wipeTargets(s);
}
