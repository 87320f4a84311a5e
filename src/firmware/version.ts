/**
 * Firmware version strings as Zymbit-class devices report them (`01.02.02release`, `01.00.00`,
 * `00.00.51beta`): parsing, ordering, stages and `[introduced, fixed)` ranges.
 *
 * A version is three two-digit numbers `MM.mm.pp` and an optional suffix of letters and digits
 * that starts with a letter (`release`, `beta`, `alpha`, ...). Only the numbers take part in the
 * ordering: the suffix is a label kept as reported (lower-cased). The stages follow the numbers
 * too, because the vendor never documented the alpha version strings: below 00.00.51 is alpha,
 * 00.00.51 (the documented `00.00.51beta`) up to below 01.00.00 is beta, the rest is release.
 *
 * @packageDocumentation
 */
import { FirmwareError, quoted } from './errors.js';

/** A parsed firmware version. */
export interface FirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** The suffix in lower case (`'release'`, `'beta'`, ...), or null when there is none. */
  readonly suffix: string | null;
  /** The string as given. */
  readonly text: string;
  /** Stage by the numbers (see {@link firmwareStage}). */
  readonly stage: FirmwareStage;
}

/** Firmware stages, by version number. */
export type FirmwareStage = 'alpha' | 'beta' | 'release';

/**
 * Versions `v` with `introduced <= v < fixed`, compared by numbers. A null `introduced` means
 * from the first version; a null `fixed` means no end (every later version).
 */
export interface FirmwareRange {
  readonly introduced: string | null;
  readonly fixed: string | null;
}

/** The first beta version number (the documented `00.00.51beta`); anything below is alpha. */
export const FIRST_BETA = '00.00.51';
/** The first release version number; from 00.00.51 up to below this is beta. */
export const FIRST_RELEASE = '01.00.00';

const PATTERN = /^(\d{2})\.(\d{2})\.(\d{2})([A-Za-z][A-Za-z0-9]{0,15})?$/;

/**
 * Parses `MM.mm.pp` with an optional suffix.
 *
 * @example
 * ```ts
 * parseFirmwareVersion('01.02.02release'); // { major: 1, minor: 2, patch: 2, suffix: 'release', stage: 'release', ... }
 * parseFirmwareVersion('1.2.2'); // throws FirmwareError ERR_FIRMWARE_VERSION
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_VERSION` for anything else (a non-string included).
 */
export function parseFirmwareVersion(text: string): FirmwareVersion {
  const version = tryParseFirmwareVersion(text);
  if (version) return version;
  throw new FirmwareError(
    'ERR_FIRMWARE_VERSION',
    `firmware version ${quoted(text)} is not MM.mm.pp with an optional suffix ` +
      `(two digits each, e.g. 01.02.02release or 01.00.00)`,
  );
}

/**
 * Like {@link parseFirmwareVersion}, but null instead of an error: for strings that come from a
 * device, which must never make the caller fail.
 *
 * @example
 * ```ts
 * tryParseFirmwareVersion('00.00.51beta')?.stage; // 'beta'
 * tryParseFirmwareVersion('garbage'); // null
 * ```
 */
export function tryParseFirmwareVersion(text: unknown): FirmwareVersion | null {
  if (typeof text !== 'string') return null;
  const match = PATTERN.exec(text);
  if (!match) return null;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [
    number,
    number,
    number,
  ];
  const suffix = match[4]?.toLowerCase() ?? null;
  const stage = stageOf(major, minor, patch);
  return Object.freeze({ major, minor, patch, suffix, text, stage });
}

/** A version as given, or parsed strictly from its string. */
function asVersion(version: FirmwareVersion | string): FirmwareVersion {
  return typeof version === 'string' ? parseFirmwareVersion(version) : version;
}

function rank(major: number, minor: number, patch: number): number {
  return (major * 100 + minor) * 100 + patch;
}

const BETA_RANK = 51;
const RELEASE_RANK = rank(1, 0, 0);

function stageOf(major: number, minor: number, patch: number): FirmwareStage {
  const r = rank(major, minor, patch);
  return r < BETA_RANK ? 'alpha' : r < RELEASE_RANK ? 'beta' : 'release';
}

/**
 * Orders two versions by their numbers (the suffix does not count): -1, 0 or 1.
 *
 * @example
 * ```ts
 * compareFirmwareVersions('00.00.51beta', '01.00.00'); // -1
 * compareFirmwareVersions('01.02.02', '01.02.02release'); // 0
 * ['01.00.00', '00.00.51beta'].sort(compareFirmwareVersions); // ['00.00.51beta', '01.00.00']
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_VERSION` for a string that does not parse.
 */
export function compareFirmwareVersions(
  a: FirmwareVersion | string,
  b: FirmwareVersion | string,
): -1 | 0 | 1 {
  const x = asVersion(a);
  const y = asVersion(b);
  const d = rank(x.major, x.minor, x.patch) - rank(y.major, y.minor, y.patch);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/**
 * The stage of a version by its numbers: alpha below 00.00.51, beta below 01.00.00, else release.
 *
 * @example
 * ```ts
 * firmwareStage('00.00.50'); // 'alpha'
 * firmwareStage('00.00.51beta'); // 'beta'
 * firmwareStage('01.00.00'); // 'release'
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_VERSION` for a string that does not parse.
 */
export function firmwareStage(version: FirmwareVersion | string): FirmwareStage {
  return asVersion(version).stage;
}

/**
 * Whether a version lies in `[introduced, fixed)`.
 *
 * @example
 * ```ts
 * inFirmwareRange('00.00.51beta', { introduced: null, fixed: '01.00.00' }); // true
 * inFirmwareRange('01.00.00', { introduced: null, fixed: '01.00.00' }); // false
 * ```
 * @throws FirmwareError `ERR_FIRMWARE_VERSION` for a string (version or bound) that does not parse.
 */
export function inFirmwareRange(version: FirmwareVersion | string, range: FirmwareRange): boolean {
  const v = asVersion(version);
  if (range.introduced !== null && compareFirmwareVersions(v, range.introduced) < 0) return false;
  return range.fixed === null || compareFirmwareVersions(v, range.fixed) < 0;
}
