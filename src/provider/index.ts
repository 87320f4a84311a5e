/**
 * The device client: connect to a device (or an embedded emulator) and use its key slots.
 *
 * @packageDocumentation
 */
export { Device, type DeviceOptions, type DigestSignature } from './device.js';
export { DeviceError, type ClientErrorCode } from './errors.js';
export { parseAddress, addressFromEnv, type DeviceAddress } from './address.js';
export { keyTypeOf, type KeyTypeInput } from './key_types.js';
export type { ConnectionOptions, HelloInfo } from './connection.js';
export type { LinkOptions, ReconnectOptions } from './link.js';
export {
  FIRMWARE_WARNING_CODE,
  FIRMWARE_HANDLER_WARNING_CODE,
  type FirmwareFacts,
  type FirmwareIssueOptions,
  type FirmwareIssuesHandler,
} from './firmware_issues.js';
export type { KnownIssue } from '../firmware/index.js';
