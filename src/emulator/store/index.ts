/**
 * The emulator's durable device state: keys, foreign public keys, settings and the PKCS#11 token
 * in a state directory, with a checksummed journal, atomic snapshots and an exclusive directory
 * lock.
 * See device_store.ts and compaction.ts for the crash-safety rules, erase.ts for how replaced
 * files are overwritten, and format.ts / records.ts for the file format.
 *
 * @packageDocumentation
 */
export { DeviceStore, type WriteOptions } from './device_store.js';
export type { CompactionStep, StoreOptions, StoreStats } from './options.js';
export {
  StoreError,
  type StoreErrorCode,
  type StoreErrorOptions,
  type StoreStatusName,
} from './errors.js';
export { type ForeignKeyRecord, type KeyOrigin, type KeyRecord } from './records.js';
export {
  type ObjectBindingCode,
  type ObjectRecord,
  type PinRole,
  type TokenSettings,
} from './token_records.js';
