/** Accelerometer and tap commands (0x0Axx), served by the device policies (../policy/). */
import { Command } from '../../protocol/constants.generated.js';
import {
  getAccelerometerData,
  setTapSensitivity,
  type AxisData,
  type TapRecord,
} from '../policy/index.js';
import { tapFields } from '../policy_runtime/change_events.js';
import { field, type Handler, type HandlerTable } from './types.js';

function axes(data: readonly AxisData[]): Record<string, number> {
  const [x, y, z] = data;
  return {
    x_g: x?.g ?? 0,
    x_tap_dir: x?.tapDir ?? 0,
    y_g: y?.g ?? 0,
    y_tap_dir: y?.tapDir ?? 0,
    z_g: z?.g ?? 0,
    z_tap_dir: z?.tapDir ?? 0,
  };
}

export const policyAccelerometerHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.SET_TAP_SENSITIVITY,
    async (d, req) => {
      const axis = field.num(req, 'axis');
      const percent = field.num(req, 'percent');
      await d.policy.apply((p) => {
        setTapSensitivity(p, axis, percent);
        return undefined;
      });
      return {};
    },
  ],
  [
    Command.WAIT_FOR_TAP,
    (d, req, context) => {
      // Refusals (halted, no accelerometer) come first, as for any other command.
      getAccelerometerData(d.policy.policy);
      const got = d.policy.waitForTap(
        context.connectionId,
        field.num(req, 'timeout_ms'),
        context.signal,
      );
      return got instanceof Promise ? got.then((t: TapRecord) => tapFields(t)) : tapFields(got);
    },
  ],
  [Command.GET_ACCELEROMETER_DATA, (d) => axes(getAccelerometerData(d.policy.policy))],
]);
