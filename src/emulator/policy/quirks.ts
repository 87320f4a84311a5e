/**
 * Firmware quirks the policy model can reproduce. Names are those of the firmware known-issues
 * table (src/firmware), which says which firmware versions have each; the emulator turns on the
 * ones asked for when it starts. Other known issues (host-side timeouts, LED timing oddities)
 * are reported to clients but not reproduced; docs/device_policies.md lists both.
 *
 * @packageDocumentation
 */

/** Quirks with a behaviour in this model, and what each does. */
export const POLICY_QUIRKS = {
  /** #159: generated key pairs (slots 16+) are lost at every reboot; wallets are kept. */
  'gen-keys-lost-on-reboot': 'generated key pairs are lost at every reboot',
  /** #93: battery thresholds from 2.5 up to 3.0 V are accepted. */
  'battery-threshold-unchecked': 'battery thresholds up to 3.0 V are accepted',
  /** #87: manifest names merge at 1 KB storage chunk boundaries. */
  'manifest-separator-lost': 'supervised-boot manifest names merge at 1 KB chunk boundaries',
  /** #99: SET_PERIMETER_EVENT_ACTION resets the device, which is busy for 10 s. */
  'perimeter-action-resets': 'setting perimeter actions resets the device (busy for 10 s)',
  /** #114: after SET_PERIMETER_EVENT_ACTION the LED stays dark for about a minute. */
  'perimeter-action-led-off': 'the LED stays dark for a minute after setting perimeter actions',
  /** #126: no supervised-boot policy call; a failure in production destroys the keys. */
  'supboot-policy-unimplemented': 'no supervised-boot policy; production failures self-destruct',
  /** Alpha LED table: 4 (no sub) for low battery, 22/9 for a failed boot file. */
  'led-alpha-codes': 'alpha LED codes (4 for low battery, 22/9 for a failed boot file)',
  /** Beta LED table: 6 for the developer-mode battery self-destruct simulation. */
  'led-beta-battery-code': 'beta LED code 6 for the developer-mode battery self-destruct',
} as const;

/** A quirk name of {@link POLICY_QUIRKS}. */
export type PolicyQuirk = keyof typeof POLICY_QUIRKS;

/**
 * Whether a name is a quirk this model reproduces.
 *
 * @example
 * ```ts
 * isPolicyQuirk('gen-keys-lost-on-reboot'); // true
 * ```
 */
export function isPolicyQuirk(name: string): name is PolicyQuirk {
  return Object.hasOwn(POLICY_QUIRKS, name);
}
