/**
 * Battery, CPU temperature and supply-power monitors (commands 0x09xx) and their simulation
 * inputs. Policies act as the vendor documents:
 *
 * - Production mode (in effect): a SELF_DESTRUCT policy destroys the keys; battery SLEEP holds
 *   the device until the battery recovers; the temperature policy destroys the keys, or, in the
 *   `hold` variant, keeps the device from running ("do not boot" in the SCM FAQ).
 * - Developer mode, SCM class: simulated by a fatal LED code (4/1 low battery, 20/1 too cold,
 *   20/2 too hot), then a reboot; a condition that still holds at the reboot shows the code again,
 *   which is how a bad threshold "locks you out" even in developer mode.
 * - Developer mode, HSM6: destructive policies do nothing; SLEEP still holds the device.
 * - Zymkey4/HSM4 have no monitor commands; with a self-destruct perimeter action live, removing
 *   (or draining to 0 V) the battery destroys the keys.
 * - Thresholds and actions are frozen once production mode is in effect (ERR_ACTION_LOCKED).
 *
 * @packageDocumentation
 */
import { Feature, PerimeterAction, ThresholdAction } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed, batteryLow, temperatureExcursion } from './gate.js';
import { settleLed } from './led.js';
import { selfDestruct, selfDestructLive, type WipeTarget } from './self_destruct.js';
import {
  BATTERY_THRESHOLD_LIMIT_V,
  BATTERY_THRESHOLD_QUIRK_LIMIT_V,
  hasFeature,
  hasQuirk,
  isScmClass,
  type FatalDisplay,
  type Policy,
} from './state.js';

function requireFeature(policy: Policy, feature: number, what: string): void {
  assertAllowed(policy.state, 'device');
  if (!hasFeature(policy.state, feature)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${policy.state.model} has no ${what}`);
  }
}

function requireUnfrozen(policy: Policy): void {
  if (policy.state.binding.production) {
    throw new PolicyError('ERR_ACTION_LOCKED', 'monitor policies are frozen in production mode');
  }
}

function finite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new PolicyError('ERR_INVALID_ARG', `${name} must be finite`);
}

function showFatal(policy: Policy, fatal: FatalDisplay): void {
  if (policy.state.led.fatal === null) policy.state.led.fatal = fatal;
}

/**
 * Applies the monitor policies to the present readings. Called after every reading or policy
 * change and at every boot; the caller does not need to call it.
 *
 * @example
 * ```ts
 * const wiped = evaluateMonitors(policy); // [] unless a policy destroyed the keys just now
 * ```
 * @returns What the emulator must wipe now.
 */
export function evaluateMonitors(policy: Policy): WipeTarget[] {
  const s = policy.state;
  if (s.destroyed !== null) return [];
  const live = selfDestructLive(s);
  const scmDev = isScmClass(s) && !s.binding.production;
  if (!hasFeature(s, Feature.BATTERY_MONITOR)) {
    const armed = s.perimeter.channels.some(
      (c) => (c.actions & PerimeterAction.SELF_DESTRUCT) !== 0,
    );
    if (s.battery.volts === 0 && live && armed) return selfDestruct(policy, 'battery-removed');
  } else if (batteryLow(s) && s.battery.action !== ThresholdAction.NONE) {
    if (s.battery.action === ThresholdAction.SELF_DESTRUCT && live) {
      return selfDestruct(policy, 'battery');
    }
    if (scmDev) showFatal(policy, batteryDeveloperCode(policy));
  }
  const excursion = temperatureExcursion(s);
  if (
    hasFeature(s, Feature.CPU_TEMP_MONITOR) &&
    excursion !== null &&
    s.temperature.action === ThresholdAction.SELF_DESTRUCT
  ) {
    if (live && s.variant.productionTemperature === 'self-destruct') {
      return selfDestruct(policy, 'temperature');
    }
    if (scmDev) {
      const sub = excursion === 'low' ? 1 : 2;
      showFatal(policy, { main: 20, sub, cause: `temperature-${excursion}` });
    }
  }
  return [];
}

/**
 * The code an SCM in developer mode shows for a low battery. 4/1 comes from the SCM FAQ's
 * developer/production table (the same page's main-code table has no 4/1 row); alpha firmware
 * showed 4 with no sub code, and beta showed 6 for the last-gasp self-destruct.
 */
function batteryDeveloperCode(policy: Policy): FatalDisplay {
  const s = policy.state;
  if (s.battery.action === ThresholdAction.SELF_DESTRUCT && hasQuirk(s, 'led-beta-battery-code')) {
    return { main: 6, sub: 0, cause: 'battery' };
  }
  return { main: 4, sub: hasQuirk(s, 'led-alpha-codes') ? 0 : 1, cause: 'battery' };
}

function afterChange(policy: Policy): WipeTarget[] {
  const wiped = evaluateMonitors(policy);
  settleLed(policy);
  return wiped;
}

/**
 * GET_BATTERY_VOLTAGE.
 *
 * @example
 * ```ts
 * getBatteryVoltage(policy); // 3.0 on a new HSM6
 * ```
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL` on Zymkey4/HSM4.
 */
export function getBatteryVoltage(policy: Policy): number {
  requireFeature(policy, Feature.BATTERY_MONITOR, 'battery monitor');
  return policy.state.battery.volts;
}

/**
 * SET_BATTERY_VOLTAGE_ACTION: NONE, SELF_DESTRUCT or SLEEP.
 *
 * @example
 * ```ts
 * setBatteryVoltageAction(policy, ThresholdAction.SLEEP);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` (unknown action), `ERR_UNSUPPORTED_MODEL` (no monitor,
 *   or SELF_DESTRUCT on the EDU variant), `ERR_ACTION_LOCKED` (production mode).
 */
export function setBatteryVoltageAction(policy: Policy, action: number): WipeTarget[] {
  requireFeature(policy, Feature.BATTERY_MONITOR, 'battery monitor');
  if (action !== 0 && action !== 1 && action !== 2) {
    throw new PolicyError('ERR_INVALID_ARG', 'unknown threshold action');
  }
  if (action === ThresholdAction.SELF_DESTRUCT && policy.state.variant.noSelfDestruct) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', 'this variant never self-destructs');
  }
  requireUnfrozen(policy);
  policy.state.battery.action = action;
  return afterChange(policy);
}

/**
 * SET_BATTERY_VOLTAGE_THRESHOLD: above 0 and below 2.5 V (default 2.3 V). The
 * `battery-threshold-unchecked` quirk reproduces early SCM firmware, which let values up to 3.0 V
 * through (issue #93).
 *
 * @example
 * ```ts
 * setBatteryVoltageThreshold(policy, 2.4);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` (NaN, infinity), `ERR_THRESHOLD_RANGE`,
 *   `ERR_UNSUPPORTED_MODEL`, `ERR_ACTION_LOCKED`.
 */
export function setBatteryVoltageThreshold(policy: Policy, volts: number): WipeTarget[] {
  requireFeature(policy, Feature.BATTERY_MONITOR, 'battery monitor');
  finite(volts, 'threshold');
  const limit = hasQuirk(policy.state, 'battery-threshold-unchecked')
    ? BATTERY_THRESHOLD_QUIRK_LIMIT_V
    : BATTERY_THRESHOLD_LIMIT_V;
  if (volts <= 0 || volts >= limit) {
    throw new PolicyError('ERR_THRESHOLD_RANGE', `battery threshold must be in (0, ${limit}) V`);
  }
  requireUnfrozen(policy);
  policy.state.battery.threshold = volts;
  return afterChange(policy);
}

/**
 * GET_CPU_TEMP in °C.
 *
 * @example
 * ```ts
 * getCpuTemp(policy); // 35 on a new SCM
 * ```
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL` on Zymkey4/HSM4.
 */
export function getCpuTemp(policy: Policy): number {
  requireFeature(policy, Feature.CPU_TEMP_MONITOR, 'CPU temperature monitor');
  return policy.state.temperature.celsius;
}

/**
 * GET_AUX_TEMP (SCM; "internal Zymbit use only"). The model has one auxiliary sensor, index 0,
 * on the same board as the CPU: it reads the CPU temperature.
 *
 * @example
 * ```ts
 * getAuxTemp(policy, 0); // 35 on a new SCM
 * ```
 * @throws PolicyError `ERR_OUT_OF_RANGE` (index above 0), `ERR_UNSUPPORTED_MODEL`.
 */
export function getAuxTemp(policy: Policy, index: number): number {
  requireFeature(policy, Feature.AUX_TEMP, 'auxiliary temperature sensor');
  if (index !== 0) throw new PolicyError('ERR_OUT_OF_RANGE', 'the only AUX sensor is index 0');
  return policy.state.temperature.celsius;
}

/**
 * SET_CPU_TEMP_ACTION: NONE or SELF_DESTRUCT (SLEEP is not a temperature action).
 *
 * @example
 * ```ts
 * setCpuTempAction(policy, ThresholdAction.SELF_DESTRUCT);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG`, `ERR_UNSUPPORTED_MODEL`, `ERR_ACTION_LOCKED`.
 */
export function setCpuTempAction(policy: Policy, action: number): WipeTarget[] {
  requireFeature(policy, Feature.CPU_TEMP_MONITOR, 'CPU temperature monitor');
  if (action !== 0 && action !== 1) {
    throw new PolicyError('ERR_INVALID_ARG', 'temperature action must be NONE or SELF_DESTRUCT');
  }
  if (action === ThresholdAction.SELF_DESTRUCT && policy.state.variant.noSelfDestruct) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', 'this variant never self-destructs');
  }
  requireUnfrozen(policy);
  policy.state.temperature.action = action;
  return afterChange(policy);
}

function setTempBound(policy: Policy, which: 'low' | 'high', celsius: number): WipeTarget[] {
  requireFeature(policy, Feature.CPU_TEMP_MONITOR, 'CPU temperature monitor');
  finite(celsius, 'threshold');
  const t = policy.state.temperature;
  if (which === 'low' ? celsius >= t.high : celsius <= t.low) {
    throw new PolicyError('ERR_THRESHOLD_RANGE', 'the low bound must stay below the high bound');
  }
  requireUnfrozen(policy);
  t[which] = celsius;
  return afterChange(policy);
}

/**
 * SET_CPU_LOW_TEMP_THRESHOLD (default −10 °C; the vendor advises 20 °C or lower).
 *
 * @example
 * ```ts
 * setCpuLowTempThreshold(policy, 0);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG`, `ERR_THRESHOLD_RANGE` (not below the high bound),
 *   `ERR_UNSUPPORTED_MODEL`, `ERR_ACTION_LOCKED`.
 */
export function setCpuLowTempThreshold(policy: Policy, celsius: number): WipeTarget[] {
  return setTempBound(policy, 'low', celsius);
}

/**
 * SET_CPU_HIGH_TEMP_THRESHOLD (default 65 °C; the vendor advises 40 °C or higher).
 *
 * @example
 * ```ts
 * setCpuHighTempThreshold(policy, 70);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG`, `ERR_THRESHOLD_RANGE` (not above the low bound),
 *   `ERR_UNSUPPORTED_MODEL`, `ERR_ACTION_LOCKED`.
 */
export function setCpuHighTempThreshold(policy: Policy, celsius: number): WipeTarget[] {
  return setTempBound(policy, 'high', celsius);
}

/**
 * Simulation input: the battery now reads `volts` (0 = removed or dead). Works on every model,
 * as every model has a backup battery.
 *
 * @example
 * ```ts
 * const wiped = setBatteryReading(policy, 0); // pull the battery
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` for a negative or non-finite value.
 */
export function setBatteryReading(policy: Policy, volts: number): WipeTarget[] {
  finite(volts, 'volts');
  if (volts < 0) throw new PolicyError('ERR_INVALID_ARG', 'volts must not be negative');
  policy.state.battery.volts = volts;
  return afterChange(policy);
}

/**
 * Simulation input: the CPU temperature is now `celsius`.
 *
 * @example
 * ```ts
 * setCpuTempReading(policy, 80);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` for a non-finite value.
 */
export function setCpuTempReading(policy: Policy, celsius: number): WipeTarget[] {
  finite(celsius, 'celsius');
  policy.state.temperature.celsius = celsius;
  return afterChange(policy);
}

/**
 * Simulation input: supply power is in tolerance (`true`) or browning out (`false`). Security
 * commands are refused with ERR_BROWNOUT until it is stable again.
 *
 * @example
 * ```ts
 * setSupplyStable(policy, false);
 * ```
 */
export function setSupplyStable(policy: Policy, stable: boolean): void {
  policy.state.power.supplyStable = stable;
  settleLed(policy);
}

/**
 * Simulation input: the device can (`true`) or cannot (`false`) reach the host. Zymkey4/HSM show
 * the 8-blink failure while it lasts; an SCM shows main code 8 and reboots.
 *
 * @example
 * ```ts
 * setHostComms(policy, false);
 * ```
 */
export function setHostComms(policy: Policy, ok: boolean): void {
  policy.state.power.hostComms = ok;
  if (!ok && isScmClass(policy.state) && policy.state.destroyed === null) {
    showFatal(policy, { main: 8, sub: 0, cause: 'comms' });
  }
  settleLed(policy);
}
