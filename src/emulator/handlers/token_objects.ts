/** The token's object store: TOKEN_LIST, TOKEN_CREATE_OBJECT, TOKEN_SET_OBJECT, TOKEN_DESTROY_OBJECT. */
import { Command, ObjectBinding } from '../../protocol/constants.generated.js';
import { DEFAULT_MAX_MESSAGE } from '../../protocol/messages.js';
import type { Payload } from '../../protocol/payload_codec.js';
import type { DeviceContext } from '../device_context.js';
import { DeviceFault } from '../fault.js';
import type { ObjectBindingCode, ObjectRecord } from '../store/index.js';
import { tokenListing } from '../token_list.js';
import { MAX_OBJECT_ATTRS, requireRole, ticketRole } from '../token_state.js';
import { field, type Handler, type HandlerTable } from './types.js';

/** Largest handle; the store is full once it is used. */
const MAX_HANDLE = 0xffffffff;

function requireAttrsSize(attrs: Uint8Array): void {
  if (attrs.length > MAX_OBJECT_ATTRS) {
    throw new DeviceFault('ERR_DATA_TOO_LARGE', `attrs are at most ${MAX_OBJECT_ATTRS} bytes`);
  }
}

/** Refuses a private object (or a change to one) without a USER ticket. */
function requireAccess(d: DeviceContext, ticket: Uint8Array, isPrivate: boolean): void {
  if (isPrivate) requireRole(d, ticket, 'user');
}

/** The object with this handle, or ERR_OBJECT_NOT_FOUND. */
function object(d: DeviceContext, handle: number): ObjectRecord {
  const found = d.store.getObject(handle);
  if (!found) throw new DeviceFault('ERR_OBJECT_NOT_FOUND', `no object ${handle}`);
  return found;
}

/** Refuses when the store would hold more than its capacity after a change. */
function requireRoom(d: DeviceContext, addObjects: number, addBytes: number): void {
  const { tokenObjects, tokenBytes } = d.spec;
  if (d.store.objectCount + addObjects > tokenObjects) {
    throw new DeviceFault('ERR_OBJECT_STORE_FULL', `the token store holds ${tokenObjects} objects`);
  }
  if (d.store.objectBytes + addBytes > tokenBytes) {
    throw new DeviceFault('ERR_OBJECT_STORE_FULL', `the token store holds ${tokenBytes} bytes`);
  }
}

/** A bound slot must hold a key now (not the ephemeral key, which is never stored). */
function requireBoundKey(d: DeviceContext, binding: ObjectBindingCode, slot: number): void {
  if (binding === ObjectBinding.NONE) return;
  const held = binding === ObjectBinding.KEY_SLOT ? d.store.getKey(slot) : d.store.getForeign(slot);
  if (held === undefined) {
    throw new DeviceFault('ERR_NO_SUCH_SLOT', `slot ${slot} holds no key to bind to`);
  }
}

function list(d: DeviceContext, req: Payload, maxMessage: number): Payload {
  const listing = tokenListing(d, ticketRole(d, field.bytes(req, 'ticket')) === 'user');
  if (8 + listing.size > maxMessage) {
    throw new DeviceFault(
      'ERR_DATA_TOO_LARGE',
      `the listing has ${8 + listing.size} bytes; this connection's max_message is ${maxMessage}`,
    );
  }
  return { generation: d.generation.value, records: listing.encode() };
}

async function create(d: DeviceContext, req: Payload): Promise<Payload> {
  const attrs = field.bytes(req, 'attrs');
  const isPrivate = field.bool(req, 'private');
  const binding = field.num(req, 'binding') as ObjectBindingCode;
  const slot = field.num(req, 'slot');
  requireAttrsSize(attrs);
  requireAccess(d, field.bytes(req, 'ticket'), isPrivate);
  requireBoundKey(d, binding, slot);
  requireRoom(d, 1, attrs.length);
  const handle = d.store.highHandle + 1;
  if (handle > MAX_HANDLE) throw new DeviceFault('ERR_OBJECT_STORE_FULL', 'no handles left');
  const rec = { handle, private: isPrivate, binding, slot, attrs };
  const { generation } = await d.commit(Command.TOKEN_CREATE_OBJECT, (w) =>
    d.store.putObject(rec, w),
  );
  return { handle, generation };
}

async function update(d: DeviceContext, req: Payload): Promise<Payload> {
  const attrs = field.bytes(req, 'attrs');
  const isPrivate = field.bool(req, 'private');
  requireAttrsSize(attrs);
  const old = object(d, field.num(req, 'handle'));
  requireAccess(d, field.bytes(req, 'ticket'), old.private || isPrivate);
  requireRoom(d, 0, attrs.length - old.attrs.length);
  const rec = { ...old, private: isPrivate, attrs };
  const { generation } = await d.commit(Command.TOKEN_SET_OBJECT, (w) => d.store.putObject(rec, w));
  return { generation };
}

async function destroy(d: DeviceContext, req: Payload): Promise<Payload> {
  const old = object(d, field.num(req, 'handle'));
  requireAccess(d, field.bytes(req, 'ticket'), old.private);
  const { generation } = await d.commit(Command.TOKEN_DESTROY_OBJECT, (w) =>
    d.store.removeObject(old.handle, w),
  );
  return { generation };
}

export const tokenObjectHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.TOKEN_LIST,
    (d, req, context) => list(d, req, context.maxMessage ?? DEFAULT_MAX_MESSAGE),
  ],
  [Command.TOKEN_CREATE_OBJECT, create],
  [Command.TOKEN_SET_OBJECT, update],
  [Command.TOKEN_DESTROY_OBJECT, destroy],
]);
