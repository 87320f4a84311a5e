/** Accelerometer and tap commands (0x0Axx), served by the device policies (../policy/). */
import { Command } from '../../protocol/constants.generated.js';
import {
  getAccelerometerData,
  requireAccelerometer,
  setTapSensitivity,
  type TapRecord,
} from '../policy/index.js';
import { axisFields } from '../policy_runtime/change_events.js';
import { field, type Handler, type HandlerTable } from './types.js';

const tapAnswer = (t: TapRecord): Record<string, number> => axisFields(t.g, t.dirs);

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
      requireAccelerometer(d.policy.policy);
      const got = d.policy.waitForTap(
        context.connectionId,
        field.num(req, 'timeout_ms'),
        context.signal,
      );
      return got instanceof Promise ? got.then(tapAnswer) : tapAnswer(got);
    },
  ],
  [
    Command.GET_ACCELEROMETER_DATA,
    (d) => {
      const data = getAccelerometerData(d.policy.policy);
      return axisFields(
        data.map((a) => a.g),
        data.map((a) => a.tapDir),
      );
    },
  ],
]);
