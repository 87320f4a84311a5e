/**
 * `zkbridge/firmware`: device firmware versions and their known issues, as data shared by the
 * device client (which warns about them) and the emulator (which reproduces them). See
 * docs/firmware.md.
 *
 * @example
 * ```ts
 * import { knownIssues } from 'zkbridge/firmware';
 *
 * for (const issue of knownIssues('SCM', '01.02.02release')) {
 *   console.log(`${issue.id}: ${issue.summary}; workaround: ${issue.workaround ?? 'none'}`);
 * }
 * ```
 *
 * @packageDocumentation
 */
export { FirmwareError, type FirmwareErrorCode } from './errors.js';
export {
  FIRST_BETA,
  FIRST_RELEASE,
  parseFirmwareVersion,
  tryParseFirmwareVersion,
  compareFirmwareVersions,
  firmwareStage,
  inFirmwareRange,
  type FirmwareVersion,
  type FirmwareStage,
  type FirmwareRange,
} from './version.js';
export {
  FIRMWARE_MODELS,
  QUIRK_NAMES,
  KNOWN_ISSUES,
  parseFirmwareModel,
  issueAffects,
  knownIssues,
  knownQuirks,
  knownIssueByQuirk,
  knownIssueById,
  checkFirmware,
  type FirmwareModel,
  type QuirkName,
  type KnownIssue,
  type FirmwareCheck,
} from './known_issues.js';
