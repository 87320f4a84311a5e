/** Battery and CPU temperature monitor commands, served by the device policies (../policy/). */
import { Command } from '../../protocol/constants.generated.js';
import {
  getAuxTemp,
  getBatteryVoltage,
  getCpuTemp,
  setBatteryVoltageAction,
  setBatteryVoltageThreshold,
  setCpuHighTempThreshold,
  setCpuLowTempThreshold,
  setCpuTempAction,
  type Policy,
  type WipeTarget,
} from '../policy/index.js';
import { field, type Handler, type HandlerTable } from './types.js';

/** A setter command: one numeric field handed to a model operation. */
function setter(name: string, op: (policy: Policy, value: number) => WipeTarget[]): Handler {
  return async (d, req) => {
    const value = field.num(req, name);
    await d.policy.apply((p) => op(p, value));
    return {};
  };
}

export const policyMonitorHandlers: HandlerTable = new Map<number, Handler>([
  [Command.GET_CPU_TEMP, (d) => ({ celsius: getCpuTemp(d.policy.policy) })],
  [
    Command.GET_AUX_TEMP,
    (d, req) => ({ celsius: getAuxTemp(d.policy.policy, field.num(req, 'index')) }),
  ],
  [Command.GET_BATTERY_VOLTAGE, (d) => ({ volts: getBatteryVoltage(d.policy.policy) })],
  [Command.SET_BATTERY_VOLTAGE_ACTION, setter('action', setBatteryVoltageAction)],
  [Command.SET_BATTERY_VOLTAGE_THRESHOLD, setter('volts', setBatteryVoltageThreshold)],
  [Command.SET_CPU_TEMP_ACTION, setter('action', setCpuTempAction)],
  [Command.SET_CPU_LOW_TEMP_THRESHOLD, setter('celsius', setCpuLowTempThreshold)],
  [Command.SET_CPU_HIGH_TEMP_THRESHOLD, setter('celsius', setCpuHighTempThreshold)],
]);
