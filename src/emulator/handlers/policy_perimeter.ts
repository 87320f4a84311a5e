/** Perimeter (tamper) commands, served by the device policies (../policy/). */
import { Command } from '../../protocol/constants.generated.js';
import {
  clearPerimeterEvents,
  getPerimeterDetectInfo,
  setDigitalPerimeterDelays,
  setDigitalPerimeterLpMaxBits,
  setDigitalPerimeterLpPeriod,
  setPerimeterEventAction,
  type PerimeterEventRecord,
  type Policy,
} from '../policy/index.js';
import { afterPerimeterAction } from '../policy_runtime/perimeter_quirks.js';
import { field, type Handler, type HandlerTable } from './types.js';

/** A tuning setter: numeric fields handed to a model operation that returns nothing. */
function tuning(names: readonly string[], op: (p: Policy, ...values: number[]) => void): Handler {
  return async (d, req) => {
    const values = names.map((n) => field.num(req, n));
    await d.policy.apply((p) => {
      op(p, ...values);
      return undefined;
    });
    return {};
  };
}

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
      await afterPerimeterAction(d.policy);
      return {};
    },
  ],
  [
    Command.SET_DIGITAL_PERIMETER_LP_PERIOD,
    tuning(['lp_period_us'], (p, v) => {
      setDigitalPerimeterLpPeriod(p, v ?? 0);
    }),
  ],
  [
    Command.SET_DIGITAL_PERIMETER_LP_MAX_BITS,
    tuning(['max_num_bits'], (p, v) => {
      setDigitalPerimeterLpMaxBits(p, v ?? 0);
    }),
  ],
  [
    Command.SET_DIGITAL_PERIMETER_DELAYS,
    tuning(['min_delay_ns', 'max_delay_ns'], (p, lo, hi) => {
      setDigitalPerimeterDelays(p, lo ?? 0, hi ?? 0);
    }),
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
