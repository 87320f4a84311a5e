/**
 * Constants of the device protocol (docs/protocol.md, sections 6-8): status codes, command and
 * event codes, enumerations, feature bits and the per-code info maps, all generated from
 * `spec/*.json`, plus three small lookups.
 *
 * @packageDocumentation
 */
import { COMMAND_INFO, EVENT_INFO, STATUS_INFO } from './constants.generated.js';
import type { CommandName, EventName, StatusName } from './constants.generated.js';

export * from './constants.generated.js';

/** errno the lookups report for a status whose spec entry has no errno (EIO). */
const ERRNO_FALLBACK = -5;

/**
 * Name of a status code.
 *
 * @param code - The `status` field of a response.
 * @returns The status name, or `undefined` when the code is not assigned.
 * @example
 * ```ts
 * statusName(0x0108); // 'ERR_TIMEOUT'
 * statusName(Status.OK); // 'OK'
 * ```
 */
export function statusName(code: number): StatusName | undefined {
  return STATUS_INFO.get(code)?.name;
}

/**
 * The negative errno-style value the vendor C library returns for a status, for clients that
 * imitate that library (0 for `OK`).
 *
 * @param code - The `status` field of a response.
 * @returns The errno value, or `undefined` when the code is not assigned. A status without an
 *   errno of its own gives -5 (EIO), so a failure never reads as success.
 * @example
 * ```ts
 * statusErrno(Status.ERR_TIMEOUT); // -110
 * statusErrno(Status.ERR_INVALID_ARG); // -22
 * ```
 */
export function statusErrno(code: number): number | undefined {
  const info = STATUS_INFO.get(code);
  if (info === undefined) return undefined;
  return info.errno ?? ERRNO_FALLBACK;
}

/**
 * Name of a command or event code (events carry their code in the `command` field).
 *
 * @param code - The `command` field of a message.
 * @returns The command or event name, or `undefined` when the code is not assigned.
 * @example
 * ```ts
 * commandName(0x0401); // 'SIGN_DIGEST'
 * commandName(Event.TAP_EVENT); // 'TAP_EVENT'
 * ```
 */
export function commandName(code: number): CommandName | EventName | undefined {
  return COMMAND_INFO.get(code)?.name ?? EVENT_INFO.get(code)?.name;
}

export * from './payload_codec.js';
export * from './messages.js';
