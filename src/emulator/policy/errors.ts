/**
 * Errors of the device policy model. Every refusal throws a {@link PolicyError} whose `code` is,
 * wherever the protocol has one, the exact status name of spec/status.json, so the emulator maps
 * it 1:1 with {@link policyErrorStatus}.
 *
 * @packageDocumentation
 */
import type { StatusName } from '../../protocol/constants.generated.js';

/**
 * Stable codes of {@link PolicyError}, all protocol status names:
 *
 * - `ERR_INVALID_ARG`: an argument is malformed (unknown flag bits, NaN, a non-integer).
 * - `ERR_OUT_OF_RANGE`: a well-formed number outside its range (channel above 1, on_ms 0).
 * - `ERR_THRESHOLD_RANGE`: a monitor threshold outside its window.
 * - `ERR_I2C_ADDRESS_INVALID`: an I2C address outside 0x30-0x37 and 0x60-0x67.
 * - `ERR_UNSUPPORTED_MODEL`: the model or variant lacks the command or option.
 * - `ERR_NOT_BOUND`: no host binding yet (security commands only).
 * - `ERR_BINDING_BROKEN`: production mode and the binding factors changed: cannot bind, for ever.
 * - `ERR_ALREADY_LOCKED`: the binding is already locked.
 * - `ERR_ACTION_LOCKED`: production mode froze the setting, or its one post-lock change is used.
 * - `ERR_SELF_DESTRUCTED`: the keys were destroyed; the device is unusable for ever.
 * - `ERR_BROWNOUT`: supply power is out of tolerance; security commands wait for stable power.
 * - `ERR_DEVICE_HALTED`: the device is not running: it shows a fatal code before rebooting, or a
 *   battery "sleep", production temperature or supervised-boot hold keeps it from booting.
 * - `ERR_SUPBOOT_PATH_INVALID`, `ERR_SUPBOOT_NOT_IN_MANIFEST`, `ERR_SUPBOOT_SLOT_INVALID`,
 *   `ERR_SUPBOOT_MANIFEST_FULL`, `ERR_SUPBOOT_POLICY_UNSUPPORTED`: supervised-boot refusals.
 */
export type PolicyErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_THRESHOLD_RANGE'
  | 'ERR_I2C_ADDRESS_INVALID'
  | 'ERR_UNSUPPORTED_MODEL'
  | 'ERR_NOT_BOUND'
  | 'ERR_BINDING_BROKEN'
  | 'ERR_ALREADY_LOCKED'
  | 'ERR_ACTION_LOCKED'
  | 'ERR_SELF_DESTRUCTED'
  | 'ERR_BROWNOUT'
  | 'ERR_DEVICE_HALTED'
  | 'ERR_SUPBOOT_PATH_INVALID'
  | 'ERR_SUPBOOT_NOT_IN_MANIFEST'
  | 'ERR_SUPBOOT_SLOT_INVALID'
  | 'ERR_SUPBOOT_MANIFEST_FULL'
  | 'ERR_SUPBOOT_POLICY_UNSUPPORTED';

/** Protocol status for each {@link PolicyErrorCode} (identical names). */
export const policyErrorStatus: Readonly<Record<PolicyErrorCode, StatusName>> = {
  ERR_INVALID_ARG: 'ERR_INVALID_ARG',
  ERR_OUT_OF_RANGE: 'ERR_OUT_OF_RANGE',
  ERR_THRESHOLD_RANGE: 'ERR_THRESHOLD_RANGE',
  ERR_I2C_ADDRESS_INVALID: 'ERR_I2C_ADDRESS_INVALID',
  ERR_UNSUPPORTED_MODEL: 'ERR_UNSUPPORTED_MODEL',
  ERR_NOT_BOUND: 'ERR_NOT_BOUND',
  ERR_BINDING_BROKEN: 'ERR_BINDING_BROKEN',
  ERR_ALREADY_LOCKED: 'ERR_ALREADY_LOCKED',
  ERR_ACTION_LOCKED: 'ERR_ACTION_LOCKED',
  ERR_SELF_DESTRUCTED: 'ERR_SELF_DESTRUCTED',
  ERR_BROWNOUT: 'ERR_BROWNOUT',
  ERR_DEVICE_HALTED: 'ERR_DEVICE_HALTED',
  ERR_SUPBOOT_PATH_INVALID: 'ERR_SUPBOOT_PATH_INVALID',
  ERR_SUPBOOT_NOT_IN_MANIFEST: 'ERR_SUPBOOT_NOT_IN_MANIFEST',
  ERR_SUPBOOT_SLOT_INVALID: 'ERR_SUPBOOT_SLOT_INVALID',
  ERR_SUPBOOT_MANIFEST_FULL: 'ERR_SUPBOOT_MANIFEST_FULL',
  ERR_SUPBOOT_POLICY_UNSUPPORTED: 'ERR_SUPBOOT_POLICY_UNSUPPORTED',
};

/**
 * A request the device policy refuses.
 *
 * @example
 * ```ts
 * try { lockBinding(policy); }
 * catch (e) { if (e instanceof PolicyError) status = policyErrorStatus[e.code]; }
 * ```
 */
export class PolicyError extends Error {
  /** Stable machine-readable code. */
  readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string = code) {
    super(message);
    this.name = 'PolicyError';
    this.code = code;
  }
}
