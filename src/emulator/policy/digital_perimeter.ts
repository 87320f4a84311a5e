/**
 * Digital perimeter tuning (commands 0x0804-0x0806, HSM6-class and SCM): the low-power sampling
 * period, the bits checked per sample, and the accepted loop delay window. The vendor documents
 * the calls and their units but neither ranges nor factory values; the bounds below are this
 * model's, chosen wide enough for any plausible setting and named in docs/device_policies.md.
 * The settings persist and may be changed in production mode too (nothing says otherwise).
 *
 * @packageDocumentation
 */
import { Feature } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed } from './gate.js';
import { hasFeature, type DigitalPerimeterState, type Policy } from './state.js';

/** The model's bounds of each setting (inclusive). */
export const DIGITAL_PERIMETER_LIMITS = {
  lpPeriodUs: { min: 1, max: 10_000_000 },
  lpMaxBits: { min: 1, max: 32 },
  delayNs: { min: 0, max: 1_000_000 },
} as const;

function requireDigitalPerimeter(policy: Policy): DigitalPerimeterState {
  assertAllowed(policy.state, 'device');
  if (!hasFeature(policy.state, Feature.DIGITAL_PERIMETER)) {
    throw new PolicyError(
      'ERR_UNSUPPORTED_MODEL',
      `${policy.state.model} has no digital perimeter tuning`,
    );
  }
  return policy.state.digitalPerimeter;
}

function within(value: number, name: string, range: { min: number; max: number }): number {
  if (!Number.isInteger(value)) throw new PolicyError('ERR_INVALID_ARG', `${name} is an integer`);
  if (value < range.min || value > range.max) {
    throw new PolicyError('ERR_OUT_OF_RANGE', `${name} must be ${range.min}..${range.max}`);
  }
  return value;
}

/**
 * SET_DIGITAL_PERIMETER_LP_PERIOD in microseconds.
 *
 * @example
 * ```ts
 * setDigitalPerimeterLpPeriod(policy, 250_000);
 * ```
 * @throws PolicyError `ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG`, `ERR_UNSUPPORTED_MODEL`,
 *   `ERR_DEVICE_HALTED`.
 */
export function setDigitalPerimeterLpPeriod(policy: Policy, periodUs: number): void {
  const d = requireDigitalPerimeter(policy);
  d.lpPeriodUs = within(periodUs, 'lp_period_us', DIGITAL_PERIMETER_LIMITS.lpPeriodUs);
}

/**
 * SET_DIGITAL_PERIMETER_LP_MAX_BITS.
 *
 * @example
 * ```ts
 * setDigitalPerimeterLpMaxBits(policy, 16);
 * ```
 * @throws PolicyError `ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG`, `ERR_UNSUPPORTED_MODEL`,
 *   `ERR_DEVICE_HALTED`.
 */
export function setDigitalPerimeterLpMaxBits(policy: Policy, maxBits: number): void {
  const d = requireDigitalPerimeter(policy);
  d.lpMaxBits = within(maxBits, 'max_num_bits', DIGITAL_PERIMETER_LIMITS.lpMaxBits);
}

/**
 * SET_DIGITAL_PERIMETER_DELAYS in nanoseconds; both or neither change.
 *
 * @example
 * ```ts
 * setDigitalPerimeterDelays(policy, 1_000, 50_000);
 * ```
 * @throws PolicyError `ERR_OUT_OF_RANGE` (either out of bounds, or min above max),
 *   `ERR_INVALID_ARG`, `ERR_UNSUPPORTED_MODEL`, `ERR_DEVICE_HALTED`.
 */
export function setDigitalPerimeterDelays(policy: Policy, minNs: number, maxNs: number): void {
  const d = requireDigitalPerimeter(policy);
  const min = within(minNs, 'min_delay_ns', DIGITAL_PERIMETER_LIMITS.delayNs);
  const max = within(maxNs, 'max_delay_ns', DIGITAL_PERIMETER_LIMITS.delayNs);
  if (min > max) throw new PolicyError('ERR_OUT_OF_RANGE', 'min_delay_ns above max_delay_ns');
  d.minDelayNs = min;
  d.maxDelayNs = max;
}
