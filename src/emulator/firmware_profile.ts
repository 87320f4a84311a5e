/**
 * The emulated firmware: its version string must parse, and the quirks asked for must be known
 * issues of that model and version (src/firmware) that the policy model can reproduce
 * (policy/quirks.ts). Issues the emulator only reports (the wallet-removal timeout, the
 * shutdown timestamp) are refused by name, so a test never believes it reproduces what it does not.
 *
 * @packageDocumentation
 */
import { FirmwareError, knownQuirks, parseFirmwareVersion } from '../firmware/index.js';
import type { ModelSpec } from './models.js';
import { isPolicyQuirk, POLICY_QUIRKS, type PolicyQuirk } from './policy/index.js';

/** What to reproduce: every reproducible quirk of the firmware, or the ones named. */
export type QuirkRequest = 'all' | readonly string[];

/**
 * The quirks to reproduce for a model's firmware.
 *
 * @example
 * ```ts
 * resolveQuirks(modelSpec('scm', { firmware: '01.02.02release' }), 'all');
 * // ['gen-keys-lost-on-reboot']
 * ```
 * @throws RangeError for a firmware string that does not parse, a quirk this firmware does not
 *   have, or one the emulator does not reproduce.
 */
export function resolveQuirks(spec: ModelSpec, request: QuirkRequest | undefined): PolicyQuirk[] {
  let known: string[];
  try {
    known = knownQuirks(spec.model, parseFirmwareVersion(spec.firmware));
  } catch (error) {
    if (error instanceof FirmwareError) {
      throw new RangeError(`firmware '${spec.firmware}': ${error.message}`);
    }
    throw error;
  }
  if (request === undefined) return [];
  if (request === 'all') return known.filter(isPolicyQuirk);
  const out: PolicyQuirk[] = [];
  for (const name of request) {
    if (!known.includes(name)) {
      const has = known.length === 0 ? 'none' : known.join(', ');
      throw new RangeError(
        `${spec.model} firmware ${spec.firmware} has no known issue '${name}' (it has: ${has})`,
      );
    }
    if (!isPolicyQuirk(name)) {
      const can = Object.keys(POLICY_QUIRKS).join(', ');
      throw new RangeError(`the emulator does not reproduce '${name}' (it reproduces: ${can})`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
