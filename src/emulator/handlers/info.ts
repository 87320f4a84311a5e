/** Device information, random bytes and the real-time clock. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from '../../protocol/constants.generated.js';
import { systemRandom } from '../crypto/index.js';
import { DeviceFault } from '../fault.js';
import { field, type Handler, type HandlerTable } from './types.js';

/** Largest GET_RANDOM answer (the default max_message). */
export const MAX_RANDOM_BYTES = 16 * 1024 * 1024;

export const infoHandlers: HandlerTable = new Map<number, Handler>([
  [Command.GET_MODEL, (d) => ({ model: d.spec.model })],
  [Command.GET_SERIAL, (d) => ({ serial: d.serial })],
  [Command.GET_FIRMWARE_VERSION, (d) => ({ firmware: d.spec.firmware })],
  [
    Command.GET_RANDOM,
    (_d, req) => {
      const n = field.num(req, 'num_bytes');
      if (n > MAX_RANDOM_BYTES)
        throw new DeviceFault('ERR_DATA_TOO_LARGE', `at most ${MAX_RANDOM_BYTES} bytes`);
      return { data: systemRandom(n) };
    },
  ],
  [
    Command.GET_TIME,
    async (_d, req, context) => {
      if (field.bool(req, 'precise')) {
        // Block until the next second edge, as the device does for a precise reading.
        await sleep(1000 - (Date.now() % 1000), undefined, { signal: context.signal }).catch(
          () => undefined,
        );
      }
      return { epoch_seconds: Math.floor(Date.now() / 1000) >>> 0 };
    },
  ],
  // The emulated RTC is the host clock, kept in step by the host: no drift.
  [Command.GET_RTC_DRIFT, () => ({ drift: 0 })],
]);
