/**
 * The I2C address of I2C-attached models (SET_I2C_ADDRESS, 0x0Bxx). Valid addresses are
 * 0x30-0x37 and 0x60-0x67 (factory 0x30). A change resets the device so that it answers on the
 * new address; setting the present address succeeds without a reset. USB-attached devices (the
 * SCM) have no I2C address.
 *
 * @packageDocumentation
 */
import { Feature, ResetReason } from '../../protocol/constants.generated.js';
import { reboot, type BootResult } from './binding.js';
import { PolicyError } from './errors.js';
import { assertAllowed } from './gate.js';
import { hasFeature, type Policy } from './state.js';

/**
 * Whether `address` is one the device accepts.
 *
 * @example
 * ```ts
 * isValidI2cAddress(0x37); // true
 * isValidI2cAddress(0x38); // false
 * ```
 */
export function isValidI2cAddress(address: number): boolean {
  return (
    Number.isInteger(address) &&
    ((address >= 0x30 && address <= 0x37) || (address >= 0x60 && address <= 0x67))
  );
}

/** Result of {@link setI2cAddress}. */
export interface I2cChange {
  /** True when the device reset to use the new address. */
  reset: boolean;
  /** What the reset's boot found (null without a reset). */
  boot: BootResult | null;
}

/**
 * SET_I2C_ADDRESS. A new address is stored and the device resets (reason I2C_ADDRESS) at once
 * in the model; the emulator sends the response first, then DEVICE_RESET.
 *
 * @example
 * ```ts
 * setI2cAddress(policy, 0x31); // { reset: true, boot: { ... } }
 * setI2cAddress(policy, 0x31); // { reset: false, boot: null }
 * ```
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL` (SCM), `ERR_INVALID_ARG` (not an integer),
 *   `ERR_I2C_ADDRESS_INVALID` (outside both ranges).
 */
export function setI2cAddress(policy: Policy, address: number): I2cChange {
  const s = policy.state;
  if (!hasFeature(s, Feature.I2C_ADDRESS)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${s.model} has no I2C address`);
  }
  assertAllowed(s, 'device');
  if (!Number.isInteger(address))
    throw new PolicyError('ERR_INVALID_ARG', 'address not an integer');
  if (!isValidI2cAddress(address)) {
    throw new PolicyError('ERR_I2C_ADDRESS_INVALID', 'address must be 0x30-0x37 or 0x60-0x67');
  }
  if (address === s.i2c.address) return { reset: false, boot: null };
  s.i2c.address = address;
  return { reset: true, boot: reboot(policy, { reason: ResetReason.I2C_ADDRESS }) };
}
