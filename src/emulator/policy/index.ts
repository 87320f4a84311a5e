/**
 * Device policies of the emulator as a pure model: binding and production mode, perimeter
 * (tamper), battery/temperature/power monitors, self-destruct, LED and I2C address. No I/O, no
 * timers: the state is plain JSON, time and randomness are injected. Every operation is a
 * function whose first argument is a {@link Policy}. See docs/device_policies.md.
 *
 * @example
 * ```ts
 * import { createPolicy, initialPolicyState, reboot, lockBinding } from './policy/index.js';
 * const policy = createPolicy(initialPolicyState('hsm6'), env);
 * reboot(policy, { host: { fingerprint: 'pi-1', salt }, reason: ResetReason.POWER_ON });
 * lockBinding(policy);
 * ```
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './state.js';
export * from './restore.js';
export * from './gate.js';
export * from './binding.js';
export * from './perimeter.js';
export * from './monitors.js';
export * from './self_destruct.js';
export * from './led.js';
export * from './led_timeline.js';
export * from './i2c.js';
export * from './accelerometer.js';
export * from './digital_perimeter.js';
export * from './supervised_boot.js';
export * from './quirks.js';
