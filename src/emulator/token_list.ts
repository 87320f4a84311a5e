/**
 * The `records` of TOKEN_LIST (docs/protocol.md, section 5.1): one record per occupied key slot
 * (ascending), per foreign slot (ascending), then per object the ticket may see (ascending
 * handle). Sized first, then written into one buffer.
 *
 * @packageDocumentation
 */
import { KeyRecordFlags, TokenRecord } from '../protocol/constants.generated.js';
import type { DeviceContext } from './device_context.js';
import type { ForeignKeyRecord, KeyRecord, ObjectRecord } from './store/index.js';

/** Bytes of a key record before its public key: tag, slot, foreign, key_type, flags, length. */
const KEY_FIXED = 1 + 4 + 1 + 1 + 1 + 4;
/** Bytes of an object record before its attrs: tag, handle, private, binding, slot, length. */
const OBJECT_FIXED = 1 + 4 + 1 + 1 + 4 + 4;

const EMPTY = new Uint8Array(0);

interface KeyRow {
  slot: number;
  foreign: boolean;
  type: number;
  flags: number;
  publicKey: Uint8Array;
}

const bySlot = (a: { slot: number }, b: { slot: number }): number => a.slot - b.slot;

function ownRow(k: KeyRecord): KeyRow {
  // A wallet master seed (a wallet key without a parent) never exports its public key.
  const hidden = k.exportDisabled || (k.origin === 'wallet' && k.parent === undefined);
  const flags =
    (hidden ? KeyRecordFlags.EXPORT_DISABLED : 0) |
    (k.privateKey.length === 0 ? KeyRecordFlags.PUBLIC_ONLY : 0) |
    (k.origin === 'factory' ? KeyRecordFlags.FACTORY : 0) |
    (k.origin === 'wallet' ? KeyRecordFlags.WALLET_NODE : 0);
  return {
    slot: k.slot,
    foreign: false,
    type: k.type,
    flags,
    publicKey: hidden ? EMPTY : k.publicKey,
  };
}

function foreignRow(k: ForeignKeyRecord): KeyRow {
  const flags =
    KeyRecordFlags.PUBLIC_ONLY | (k.exportDisabled ? KeyRecordFlags.EXPORT_DISABLED : 0);
  return {
    slot: k.slot,
    foreign: true,
    type: k.type,
    flags,
    publicKey: k.exportDisabled ? EMPTY : k.publicKey,
  };
}

/** What a TOKEN_LIST will contain, measured before anything is copied. */
export interface TokenListing {
  /** Bytes of `records`. */
  readonly size: number;
  /** Writes the records. */
  encode(): Uint8Array;
}

/**
 * The listing of the device's keys and of the objects visible with or without a USER login.
 *
 * @example
 * ```ts
 * const listing = tokenListing(device, ticketRole(device, ticket) === 'user');
 * if (listing.size + 8 > maxMessage) throw new DeviceFault('ERR_DATA_TOO_LARGE');
 * return { generation: device.generation.value, records: listing.encode() };
 * ```
 */
export function tokenListing(d: DeviceContext, withPrivate: boolean): TokenListing {
  const keys = [...d.store.keys()].sort(bySlot).map(ownRow);
  const foreign = [...d.store.foreignKeys()].sort(bySlot).map(foreignRow);
  const objects: ObjectRecord[] = [];
  let size = 0;
  for (const row of keys) size += KEY_FIXED + row.publicKey.length;
  for (const row of foreign) size += KEY_FIXED + row.publicKey.length;
  for (const o of d.store.objects()) {
    if (o.private && !withPrivate) continue;
    objects.push(o);
    size += OBJECT_FIXED + o.attrs.length;
  }
  return {
    size,
    encode(): Uint8Array {
      const out = new Uint8Array(size);
      const view = new DataView(out.buffer);
      let at = 0;
      for (const row of [...keys, ...foreign]) {
        view.setUint8(at, TokenRecord.KEY);
        view.setInt32(at + 1, row.slot);
        view.setUint8(at + 5, row.foreign ? 1 : 0);
        view.setUint8(at + 6, row.type);
        view.setUint8(at + 7, row.flags);
        view.setUint32(at + 8, row.publicKey.length);
        out.set(row.publicKey, at + KEY_FIXED);
        at += KEY_FIXED + row.publicKey.length;
      }
      for (const o of objects) {
        view.setUint8(at, TokenRecord.OBJECT);
        view.setUint32(at + 1, o.handle);
        view.setUint8(at + 5, o.private ? 1 : 0);
        view.setUint8(at + 6, o.binding);
        view.setInt32(at + 7, o.slot);
        view.setUint32(at + 11, o.attrs.length);
        out.set(o.attrs, at + OBJECT_FIXED);
        at += OBJECT_FIXED + o.attrs.length;
      }
      return out;
    },
  };
}
