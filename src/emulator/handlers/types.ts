/** The shape of a command handler: decoded request in, response values out (or a fault). */
import type { Payload } from '../../protocol/payload_codec.js';
import type { DeviceContext } from '../device_context.js';
import type { RequestContext } from '../engine.js';

/** Executes one command; throws DeviceFault (or CryptoOpError / StoreError) to refuse. */
export type Handler = (
  device: DeviceContext,
  request: Payload,
  context: RequestContext,
) => Payload | Promise<Payload>;

/** Handlers by command code. */
export type HandlerTable = ReadonlyMap<number, Handler>;

/** Typed accessors for decoded request fields (the codec has checked types and ranges). */
export const field = {
  num: (p: Payload, name: string): number => p[name] as number,
  bool: (p: Payload, name: string): boolean => p[name] as boolean,
  bytes: (p: Payload, name: string): Uint8Array => p[name] as Uint8Array,
};
