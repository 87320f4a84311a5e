/**
 * Errors of the device client, one class with stable codes. Device statuses keep their protocol
 * name as the code (`ERR_NO_SUCH_SLOT`, ...) with the vendor library's errno alongside; failures
 * of the client itself have codes of their own.
 *
 * @packageDocumentation
 */
import { STATUS_INFO } from '../protocol/constants.generated.js';
import { statusErrno } from '../protocol/index.js';

/** Codes of failures that happen in the client, not on the device. */
export type ClientErrorCode =
  | 'ERR_DEVICE_TIMEOUT'
  | 'ERR_DEVICE_DISCONNECTED'
  | 'ERR_DEVICE_UNREACHABLE'
  | 'ERR_DEVICE_PROTOCOL'
  | 'ERR_DEVICE_CLOSED';

/**
 * A device request that failed. `status` is the device's status code (undefined for client-side
 * failures); `errno` is what the vendor's C library returns for that status (negative).
 *
 * @example
 * ```ts
 * try { await device.request(cmd, payload); }
 * catch (e) { if (e instanceof DeviceError && e.code === 'ERR_NO_SUCH_SLOT') ... }
 * ```
 */
export class DeviceError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly errno: number | undefined;

  constructor(message: string, code: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeviceError';
    this.code = code;
    this.status = status;
    // An unassigned status still reads as a failure (-5, EIO), never as success.
    this.errno = status === undefined ? undefined : (statusErrno(status) ?? -5);
  }

  /** The error for a device status, with its catalogue description as the message. */
  static fromStatus(status: number, command: string): DeviceError {
    const info = STATUS_INFO.get(status);
    const name = info?.name ?? `status 0x${status.toString(16).padStart(4, '0')}`;
    const detail = info?.description ?? 'unknown status';
    return new DeviceError(
      `${command}: ${name}: ${detail}`,
      info?.name ?? 'ERR_UNKNOWN_STATUS',
      status,
    );
  }

  /** An error raised by the client itself. */
  static client(code: ClientErrorCode, message: string, cause?: unknown): DeviceError {
    return new DeviceError(message, code, undefined, cause === undefined ? undefined : { cause });
  }
}
