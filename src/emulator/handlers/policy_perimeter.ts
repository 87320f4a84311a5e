/** Perimeter (tamper) commands, served by the device policies (../policy/). */
import { Command } from '../../protocol/constants.generated.js';
import {
  clearPerimeterEvents,
  getPerimeterDetectInfo,
  setPerimeterEventAction,
  type PerimeterEventRecord,
} from '../policy/index.js';
import { field, type Handler, type HandlerTable } from './types.js';

function waited(e: PerimeterEventRecord): { channel: number; timestamp: number } {
  return { channel: e.channel, timestamp: e.timestamp >>> 0 };
}

export const policyPerimeterHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.SET_PERIMETER_EVENT_ACTION,
    async (d, req) => {
      const channel = field.num(req, 'channel');
      const actions = field.num(req, 'actions');
      await d.policy.apply((p) => setPerimeterEventAction(p, channel, actions));
      return {};
    },
  ],
  [
    Command.WAIT_PERIMETER_EVENT,
    (d, req, context) => {
      const got = d.policy.waitPerimeterEvent(
        context.connectionId,
        field.num(req, 'timeout_ms'),
        context.signal,
      );
      return got instanceof Promise ? got.then(waited) : waited(got);
    },
  ],
  [
    Command.GET_PERIMETER_INFO,
    (d) => ({ first_breach: getPerimeterDetectInfo(d.policy.policy).map((t) => t >>> 0) }),
  ],
  [
    Command.CLEAR_PERIMETER_EVENTS,
    async (d) => {
      await d.policy.apply((p) => clearPerimeterEvents(p));
      return {};
    },
  ],
]);
