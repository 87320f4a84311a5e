/** A request the device refuses with a status (thrown by handlers, turned into a reply). */
import type { StatusName } from '../protocol/constants.generated.js';

/**
 * A refusal with a protocol status.
 *
 * @example
 * ```ts
 * if (!key) throw new DeviceFault('ERR_NO_SUCH_SLOT', `slot ${slot} holds no key`);
 * ```
 */
export class DeviceFault extends Error {
  readonly status: StatusName;

  constructor(status: StatusName, message: string = status) {
    super(message);
    this.name = 'DeviceFault';
    this.status = status;
  }
}
