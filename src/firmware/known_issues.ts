/**
 * Known issues of device firmware versions, as data: which models and versions each one affects,
 * what to do about it, and a stable quirk name the emulator reproduces it by. Sources: the
 * vendor's documentation and issue tracker; where a version bound is our inference, the entry
 * says so (`inferred`, `source`). docs/firmware.md renders this table in prose.
 *
 * @packageDocumentation
 */
import { FirmwareError, quoted } from './errors.js';
import {
  FIRST_BETA,
  FIRST_RELEASE,
  inFirmwareRange,
  parseFirmwareVersion,
  tryParseFirmwareVersion,
  type FirmwareRange,
  type FirmwareVersion,
} from './version.js';

/** Model names as HELLO and GET_MODEL report them. */
export const FIRMWARE_MODELS = ['ZYMKEY4', 'HSM4', 'HSM6', 'SCM'] as const;
/** One of {@link FIRMWARE_MODELS}. */
export type FirmwareModel = (typeof FIRMWARE_MODELS)[number];

/** Stable names of the quirks the emulator can reproduce, one per {@link KnownIssue}. */
export const QUIRK_NAMES = [
  'gen-keys-lost-on-reboot',
  'battery-threshold-unchecked',
  'manifest-separator-lost',
  'seed-removal-timeout',
  'perimeter-action-resets',
  'perimeter-action-led-off',
  'breach-at-shutdown-timestamp',
  'supboot-policy-unimplemented',
  'led-alpha-codes',
  'led-beta-battery-code',
] as const;
/** One of {@link QUIRK_NAMES}. */
export type QuirkName = (typeof QUIRK_NAMES)[number];

/** One known issue of some firmware versions. */
export interface KnownIssue {
  /** Stable id: `zymbit#<issue>` for the vendor's tracker, `zymbit-led-*` for LED-table notes. */
  readonly id: string;
  /** Models whose firmware has it. */
  readonly models: readonly FirmwareModel[];
  /** Hardware revisions it was seen on, or null for all. HELLO does not report the revision. */
  readonly hardware: readonly string[] | null;
  /** The versions the table matches: `[introduced, fixed)` by version number. */
  readonly affected: FirmwareRange;
  /** The version the vendor documents as fixing it, or null when none is documented. */
  readonly fixedIn: string | null;
  /** True when a bound of `affected` is our inference, not the vendor's word (see `source`). */
  readonly inferred: boolean;
  /** One line. */
  readonly summary: string;
  /** The behaviour in full. */
  readonly details: string;
  /** What to do about it; ours when the text says "our suggestion". */
  readonly workaround: string | null;
  /** The emulator's name for reproducing it. */
  readonly reproducible: QuirkName;
  /** Where it comes from and what is documented versus inferred. */
  readonly source: string;
}

const ALPHA: FirmwareRange = { introduced: null, fixed: FIRST_BETA };
const BETA: FirmwareRange = { introduced: FIRST_BETA, fixed: FIRST_RELEASE };
const ALPHA_NOTE =
  'Alpha is every version below 00.00.51 here: the alpha version strings are not documented.';

const TABLE: KnownIssue[] = [
  {
    id: 'zymbit#159',
    models: ['SCM'],
    hardware: ['B1'],
    affected: { introduced: '01.02.02', fixed: '01.02.03' },
    fixedIn: null,
    inferred: false,
    summary: 'keys made by gen_key_pair (slots 16 and up) are removed on reboot',
    details:
      'On SCM hardware revision B1 with firmware 01.02.02release, key pairs made by gen_key_pair ' +
      '(slots 16 and up) are gone after a reboot. Wallet keys, slots 0-15 and foreign public ' +
      'keys are unaffected.',
    workaround:
      'use a one-key BIP32 wallet instead (gen_wallet_master_seed, then gen_wallet_child_key): ' +
      'wallet keys survive reboots',
    reproducible: 'gen-keys-lost-on-reboot',
    source:
      'Vendor issue #159, reported on SCM rev B1 with 01.02.02release. No fix version is ' +
      'documented: the table matches exactly 01.02.02. HELLO does not report the hardware ' +
      'revision, so every SCM on that version matches.',
  },
  {
    id: 'zymbit#93',
    models: ['SCM'],
    hardware: null,
    affected: ALPHA,
    fixedIn: '00.00.51beta',
    inferred: false,
    summary: 'battery thresholds from 2.5 V to 3.0 V are accepted (the contract is below 2.5 V)',
    details:
      'set_battery_voltage_threshold did not reject values between 2.5 and 3.0 V; the API ' +
      'contract is a threshold below 2.5 V.',
    workaround: 'check thresholds on the host and keep them below 2.5 V (our suggestion)',
    reproducible: 'battery-threshold-unchecked',
    source: `Vendor issue #93: SCM alpha firmware, before the 00.00.51beta beta. ${ALPHA_NOTE}`,
  },
  {
    id: 'zymbit#87',
    models: ['SCM'],
    hardware: null,
    affected: ALPHA,
    fixedIn: null,
    inferred: false,
    summary: 'the supervised-boot manifest listing loses name separators at ~1 KB boundaries',
    details:
      'Listing the supervised-boot manifest ran two file names together where the listing ' +
      'crossed a storage chunk boundary (about every 1 KB).',
    workaround:
      'keep your own record of the files added to the manifest instead of parsing the listing ' +
      '(our suggestion)',
    reproducible: 'manifest-separator-lost',
    source: `Vendor issue #87: SCM alpha firmware; no fix version is documented. ${ALPHA_NOTE}`,
  },
  {
    id: 'zymbit#88',
    models: ['SCM'],
    hardware: null,
    affected: ALPHA,
    fixedIn: '00.00.51beta',
    inferred: false,
    summary: 'removing a wallet master seed with about 20 derived children times out',
    details:
      'remove_key on a wallet master seed with about 20 derived children took longer than the ' +
      'host library waited, and the call timed out on the host side.',
    workaround: 'keep wallets small (few derived children per master seed)',
    reproducible: 'seed-removal-timeout',
    source: `Vendor issue #88: SCM alpha, listed as fixed from alpha to beta. ${ALPHA_NOTE}`,
  },
  {
    id: 'zymbit#99',
    models: ['SCM'],
    hardware: null,
    affected: ALPHA,
    fixedIn: '00.00.51beta',
    inferred: false,
    summary: 'set_perimeter_event_actions resets the device',
    details:
      'Changing the perimeter event actions reset the device: commands sent right after it ' +
      'failed until the device was back.',
    workaround: 'wait 10 s after set_perimeter_event_actions before the next command',
    reproducible: 'perimeter-action-resets',
    source: `Vendor issue #99: SCM alpha, listed as fixed for beta. ${ALPHA_NOTE}`,
  },
  {
    id: 'zymbit#114',
    models: ['SCM'],
    hardware: null,
    affected: BETA,
    fixedIn: null,
    inferred: true,
    summary: 'after set_perimeter_event_actions the LED stays off for about a minute',
    details:
      'After set_perimeter_event_actions the status LED went dark for about one minute, then ' +
      'resumed its pattern. The device works meanwhile.',
    workaround: 'none needed: do not read the dark LED as a failure; it comes back by itself',
    reproducible: 'perimeter-action-led-off',
    source:
      'Vendor issue #114, reported on SCM beta firmware (00.00.51 and up). No fix version is ' +
      'documented: the end of the range, before 01.00.00, is our inference.',
  },
  {
    id: 'zymbit#117',
    models: ['SCM'],
    hardware: null,
    affected: { introduced: null, fixed: '01.00.00' },
    fixedIn: '01.00.00',
    inferred: false,
    summary: 'a tamper event stored at shutdown gets a wrong timestamp',
    details:
      'A perimeter (tamper) event recorded while the host was shutting down was stored with a ' +
      'wrong timestamp.',
    workaround:
      'treat the timestamp of a breach recorded around shutdown as unreliable; upgrade to ' +
      '01.00.00 or later',
    reproducible: 'breach-at-shutdown-timestamp',
    source:
      'Vendor issue #117: fixed in firmware 01.00.00. When it appeared is not documented, so ' +
      'the range starts at the first version.',
  },
  {
    id: 'zymbit#126',
    models: ['SCM'],
    hardware: null,
    affected: { introduced: null, fixed: '01.02.02' },
    fixedIn: null,
    inferred: true,
    summary: 'set_supervised_boot_policy is not implemented: a non-empty manifest means enabled',
    details:
      'As of January 2023 set_supervised_boot_policy was not implemented. Any non-empty ' +
      'manifest enabled supervised boot; a failed check flashed 4/2 in developer mode and ' +
      'self-destructed in production mode; there was no hold-in-reset policy.',
    workaround:
      'leave the manifest empty unless supervised boot is wanted, and prove the manifest in ' +
      'developer mode before production mode (our suggestion)',
    reproducible: 'supboot-policy-unimplemented',
    source:
      'Vendor issue #126, status as of January 2023. The fix version is not documented: ' +
      '"versions before 01.02.02release" is our inference.',
  },
  {
    id: 'zymbit-led-alpha',
    models: ['SCM'],
    hardware: null,
    affected: ALPHA,
    fixedIn: null,
    inferred: false,
    summary:
      'LED codes differ: low battery voltage shows 4 with no sub code, a failed boot file 22/9',
    details:
      'Alpha firmware showed main code 4 with no sub code for a low-voltage threshold event, ' +
      'and 22/9 when a supervised-boot file failed its check. Current firmware shows 4/2 for a ' +
      'file that fails its check, and 22/9 only for a true failure of the process.',
    workaround:
      'read the LED with the alpha table: 4 alone is low battery voltage, 22/9 may be a file ' +
      'that failed its supervised-boot check',
    reproducible: 'led-alpha-codes',
    source: `Vendor LED documentation: the alpha notes against the current SCM tables. ${ALPHA_NOTE}`,
  },
  {
    id: 'zymbit-led-beta',
    models: ['SCM'],
    hardware: null,
    affected: BETA,
    fixedIn: null,
    inferred: false,
    summary: 'a last-gasp battery self-destruct in developer mode shows 6 flashes',
    details:
      'Beta firmware showed 6 flashes when the last-gasp battery self-destruct happened in ' +
      'developer mode, a form the current LED tables do not list.',
    workaround: 'read 6 flashes after a battery loss in developer mode as that self-destruct',
    reproducible: 'led-beta-battery-code',
    source: 'Vendor LED documentation: the beta notes (00.00.51 up to below 01.00.00 here).',
  },
];

function deepFreeze(issue: KnownIssue): KnownIssue {
  Object.freeze(issue.models);
  if (issue.hardware) Object.freeze(issue.hardware);
  Object.freeze(issue.affected);
  return Object.freeze(issue);
}

/**
 * Every known issue, in the order of docs/firmware.md. Frozen.
 *
 * @example
 * ```ts
 * KNOWN_ISSUES.filter((issue) => issue.inferred).map((issue) => issue.id); // ['zymbit#114', 'zymbit#126']
 * ```
 */
export const KNOWN_ISSUES: readonly KnownIssue[] = Object.freeze(TABLE.map(deepFreeze));

/**
 * A model name in any case as a {@link FirmwareModel} (`'scm'` and `'SCM'` are both SCM).
 *
 * @example
 * ```ts
 * parseFirmwareModel('hsm6'); // 'HSM6'
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_MODEL` for any other name.
 */
export function parseFirmwareModel(model: string): FirmwareModel {
  const upper = typeof model === 'string' ? model.toUpperCase() : '';
  const found = FIRMWARE_MODELS.find((name) => name === upper);
  if (found) return found;
  throw new FirmwareError(
    'ERR_FIRMWARE_MODEL',
    `model ${quoted(model)} is none of ${FIRMWARE_MODELS.join(', ')}`,
  );
}

/**
 * Whether an issue affects a model on a firmware version.
 *
 * @example
 * ```ts
 * issueAffects(knownIssueByQuirk('gen-keys-lost-on-reboot'), 'SCM', '01.02.02release'); // true
 * ```
 * @throws FirmwareError for an unknown model or a version that does not parse.
 */
export function issueAffects(
  issue: KnownIssue,
  model: string,
  firmware: FirmwareVersion | string,
): boolean {
  const name = parseFirmwareModel(model);
  const version = typeof firmware === 'string' ? parseFirmwareVersion(firmware) : firmware;
  return issue.models.includes(name) && inFirmwareRange(version, issue.affected);
}

/**
 * The known issues of a model (any case, `'scm'` or `'SCM'`) on a firmware version, in table
 * order; empty when there are none. Strict: for strings a device sent, use {@link checkFirmware}.
 *
 * @example
 * ```ts
 * knownIssues('SCM', '01.02.02release').map((issue) => issue.id); // ['zymbit#159']
 * knownIssues('hsm6', '01.01.05release'); // []
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_MODEL` or `ERR_FIRMWARE_VERSION`.
 */
export function knownIssues(
  model: string,
  firmware: FirmwareVersion | string,
): readonly KnownIssue[] {
  const name = parseFirmwareModel(model);
  const version = typeof firmware === 'string' ? parseFirmwareVersion(firmware) : firmware;
  return KNOWN_ISSUES.filter(
    (issue) => issue.models.includes(name) && inFirmwareRange(version, issue.affected),
  );
}

/**
 * The quirk names of {@link knownIssues}: what an emulator of that model and version reproduces.
 *
 * @example
 * ```ts
 * knownQuirks('scm', '00.00.51beta'); // ['perimeter-action-led-off', 'breach-at-shutdown-timestamp', 'supboot-policy-unimplemented', 'led-beta-battery-code']
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_MODEL` or `ERR_FIRMWARE_VERSION`.
 */
export function knownQuirks(model: string, firmware: FirmwareVersion | string): QuirkName[] {
  return knownIssues(model, firmware).map((issue) => issue.reproducible);
}

/**
 * The issue a quirk reproduces.
 *
 * @example
 * ```ts
 * knownIssueByQuirk('perimeter-action-resets').workaround; // 'wait 10 s after ...'
 * ```
 */
export function knownIssueByQuirk(quirk: QuirkName): KnownIssue {
  const issue = KNOWN_ISSUES.find((entry) => entry.reproducible === quirk);
  if (!issue) throw new TypeError(`unknown quirk ${quoted(quirk)}`);
  return issue;
}

/**
 * The issue with an id, or undefined.
 *
 * @example
 * ```ts
 * knownIssueById('zymbit#117')?.fixedIn; // '01.00.00'
 * ```
 */
export function knownIssueById(id: string): KnownIssue | undefined {
  return KNOWN_ISSUES.find((issue) => issue.id === id);
}

/** What {@link checkFirmware} found. */
export interface FirmwareCheck {
  /** The matching issues; empty when there are none or the facts could not be checked. */
  readonly issues: readonly KnownIssue[];
  /** The parsed version, or null when the string does not parse. */
  readonly version: FirmwareVersion | null;
  /** Why nothing could be checked (unknown model, unparsable version), else null. */
  readonly problem: string | null;
}

/**
 * Like {@link knownIssues} for facts a device reported: never throws. A model or version it
 * cannot read gives no issues and a `problem` saying why.
 *
 * @example
 * ```ts
 * checkFirmware('SCM', '01.02.02release').issues.length; // 1
 * checkFirmware('SCM', '\u0000garbage').problem; // 'firmware version "\u0000garbage" is not MM.mm.pp ...'
 * ```
 */
export function checkFirmware(model: unknown, firmware: unknown): FirmwareCheck {
  const version = tryParseFirmwareVersion(firmware);
  const upper = typeof model === 'string' ? model.toUpperCase() : '';
  const name = FIRMWARE_MODELS.find((known) => known === upper);
  let problem: string | null = null;
  if (!name) problem = `model ${quoted(model)} is none of ${FIRMWARE_MODELS.join(', ')}`;
  else if (!version) {
    problem = `firmware version ${quoted(firmware)} is not MM.mm.pp with an optional suffix`;
  }
  const issues = name && version ? knownIssues(name, version) : [];
  return { issues, version, problem };
}
