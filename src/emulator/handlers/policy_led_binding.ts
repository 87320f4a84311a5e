/** LED, binding and I2C address commands, served by the device policies (../policy/). */
import { Command } from '../../protocol/constants.generated.js';
import {
  getCurrentBindingInfo,
  ledFlash,
  ledOff,
  ledOn,
  lockBinding,
  setI2cAddress,
} from '../policy/index.js';
import { field, type Handler, type HandlerTable } from './types.js';

export const policyLedBindingHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.LED_ON,
    async (d) => {
      await d.policy.apply(
        (p) => {
          ledOn(p);
          return undefined;
        },
        { ledCommand: true },
      );
      return {};
    },
  ],
  [
    Command.LED_OFF,
    async (d) => {
      await d.policy.apply(
        (p) => {
          ledOff(p);
          return undefined;
        },
        { ledCommand: true },
      );
      return {};
    },
  ],
  [
    Command.LED_FLASH,
    async (d, req) => {
      const onMs = field.num(req, 'on_ms');
      const offMs = field.num(req, 'off_ms');
      const flashes = field.num(req, 'num_flashes');
      await d.policy.apply(
        (p) => {
          ledFlash(p, onMs, offMs, flashes);
          return undefined;
        },
        { ledCommand: true },
      );
      return {};
    },
  ],
  [
    Command.LOCK_BINDING,
    async (d) => {
      await d.policy.apply((p) => {
        lockBinding(p);
        return undefined;
      });
      return {};
    },
  ],
  [
    Command.GET_BINDING_INFO,
    (d) => {
      const { locked, bound } = getCurrentBindingInfo(d.policy.policy);
      return { binding_locked: locked, is_bound: bound };
    },
  ],
  [
    Command.SET_I2C_ADDRESS,
    async (d, req) => {
      const address = field.num(req, 'address');
      let reset = false;
      // The answer goes out first; then the device resets (DEVICE_RESET, LED_CHANGED).
      await d.policy.apply(
        (p) => {
          const change = setI2cAddress(p, address);
          reset = change.reset;
          return { wiped: change.boot?.wiped ?? [], reset };
        },
        { afterAnswer: true },
      );
      return { reset };
    },
  ],
]);
