/**
 * The client's firmware check: after each HELLO, the device's model and firmware are looked up
 * in the known-issue table (`zkbridge/firmware`). Issues found go to the caller's
 * `onFirmwareIssues` handler when there is one, else into one process warning per process per
 * (serial, firmware). A firmware string the table cannot read finds no issues: this never throws
 * (`NODE_DEBUG=zkbridge` says why nothing was checked).
 *
 * @packageDocumentation
 */
import { debuglog } from 'node:util';
import { checkFirmware, type FirmwareVersion, type KnownIssue } from '../firmware/index.js';
import type { HelloInfo } from './connection.js';

/** The `code` of the process warning about a device firmware with known issues. */
export const FIRMWARE_WARNING_CODE = 'ZKB_FIRMWARE_KNOWN_ISSUE';
/** The `code` of the process warning about an `onFirmwareIssues` handler that threw. */
export const FIRMWARE_HANDLER_WARNING_CODE = 'ZKB_FIRMWARE_HANDLER_FAILED';

/** The device a firmware check was about. */
export interface FirmwareFacts {
  /** As HELLO reported them. */
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  /** The parsed firmware version, or null when it does not parse (then there are no issues). */
  readonly version: FirmwareVersion | null;
}

/**
 * Receives a device's known firmware issues (never an empty list).
 *
 * @example
 * ```ts
 * const handler: FirmwareIssuesHandler = (issues, facts) =>
 *   log.warn({ serial: facts.serial, issues: issues.map((i) => i.id) }, 'firmware issues');
 * ```
 */
export type FirmwareIssuesHandler = (issues: readonly KnownIssue[], facts: FirmwareFacts) => void;

/** How a connection reports known firmware issues (part of the connect options). */
export interface FirmwareIssueOptions {
  /**
   * Takes the issues instead of the process warning: called after a connection whose device
   * has known issues, once per link for each (serial, firmware) it meets (a reconnect to the
   * same device does not call it again). Never called with an empty list. When it throws, the
   * error becomes a `ZKB_FIRMWARE_HANDLER_FAILED` process warning; the connection goes on.
   */
  onFirmwareIssues?: FirmwareIssuesHandler;
  /** `false` silences the process warning (`Device.knownIssues` still lists them). Default true. */
  firmwareWarning?: boolean;
}

const debug = debuglog('zkbridge');

/** Process-wide record of warned (serial, firmware) pairs, shared by every copy of this module. */
const WARNED = Symbol.for('zkbridge.firmwareWarned');

function warned(): Set<string> {
  const registry = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  return (registry[WARNED] ??= new Set<string>());
}

/** A device string fit for one line of a message. */
function printable(text: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(text) ? text : JSON.stringify(text.slice(0, 64));
}

/**
 * Throws a TypeError for firmware options of the wrong type (for callers without TypeScript).
 *
 * @example
 * ```ts
 * checkFirmwareIssueOptions({ firmwareWarning: false }); // fine
 * checkFirmwareIssueOptions({ onFirmwareIssues: 'log' as never }); // TypeError
 * ```
 */
export function checkFirmwareIssueOptions(options: FirmwareIssueOptions): void {
  const { onFirmwareIssues, firmwareWarning } = options;
  if (onFirmwareIssues !== undefined && typeof onFirmwareIssues !== 'function') {
    throw new TypeError('onFirmwareIssues must be a function');
  }
  if (firmwareWarning !== undefined && typeof firmwareWarning !== 'boolean') {
    throw new TypeError('firmwareWarning must be a boolean');
  }
}

/**
 * The text of the warning: the device, then one line per issue with its workaround.
 *
 * @example
 * ```ts
 * firmwareWarningMessage(knownIssues('SCM', '01.02.02release'), facts);
 * // 'SCM serial 4f2a... runs firmware 01.02.02release, which has a known issue:\n  zymbit#159 ...'
 * ```
 */
export function firmwareWarningMessage(
  issues: readonly KnownIssue[],
  facts: FirmwareFacts,
): string {
  const lines = issues.map((issue) => {
    const hardware = issue.hardware ? ` (hardware rev ${issue.hardware.join(', ')})` : '';
    const workaround = issue.workaround ? ` Workaround: ${issue.workaround}.` : '';
    return `  ${issue.id}${hardware}: ${issue.summary}.${workaround}`;
  });
  const which = issues.length === 1 ? 'a known issue' : `${issues.length} known issues`;
  return (
    `${printable(facts.model)} serial ${printable(facts.serial)} runs firmware ` +
    `${printable(facts.firmware)}, which has ${which}:\n${lines.join('\n')}`
  );
}

const DETAIL =
  'See docs/firmware.md. Take the issues with the onFirmwareIssues option of Device.connect, ' +
  `silence this with firmwareWarning: false or node --disable-warning=${FIRMWARE_WARNING_CODE}.`;

/**
 * Checks the HELLO of each new connection of one link and reports its known issues.
 *
 * @example
 * ```ts
 * const reporter = new FirmwareIssueReporter({ firmwareWarning: false });
 * reporter.connected(connection.hello);
 * reporter.issues; // the issues of the latest connection's firmware
 * ```
 */
export class FirmwareIssueReporter {
  readonly #options: FirmwareIssueOptions;
  #issues: readonly KnownIssue[] = [];
  /** serial and firmware of the last connection, so a reconnect to the same device is quiet. */
  #last: string | undefined;

  constructor(options: FirmwareIssueOptions) {
    this.#options = options;
  }

  /** The known issues of the latest connection's device (empty when none or unreadable). */
  get issues(): readonly KnownIssue[] {
    return this.#issues;
  }

  /** A connection completed HELLO. Never throws. */
  connected(hello: HelloInfo): void {
    const check = checkFirmware(hello.model, hello.firmware);
    this.#issues = check.issues;
    const key = `${hello.serial}\n${hello.firmware}`;
    if (key === this.#last) return;
    this.#last = key;
    if (check.problem !== null) {
      debug('firmware not checked for serial %s: %s', hello.serial, check.problem);
    }
    if (check.issues.length === 0) return;
    const facts: FirmwareFacts = {
      model: hello.model,
      serial: hello.serial,
      firmware: hello.firmware,
      version: check.version,
    };
    const handler = this.#options.onFirmwareIssues;
    if (handler) {
      try {
        handler(check.issues, facts);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        process.emitWarning(`onFirmwareIssues threw: ${why}`, {
          type: 'ZkbridgeWarning',
          code: FIRMWARE_HANDLER_WARNING_CODE,
        });
      }
      return;
    }
    if (this.#options.firmwareWarning === false || warned().has(key)) return;
    warned().add(key);
    process.emitWarning(firmwareWarningMessage(check.issues, facts), {
      type: 'ZkbridgeWarning',
      code: FIRMWARE_WARNING_CODE,
      detail: DETAIL,
    });
  }
}
