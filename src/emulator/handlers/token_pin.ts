/** The token's PINs and logins: TOKEN_GET_INFO, TOKEN_INIT, LOGIN, LOGOUT, INIT_PIN, SET_PIN. */
import { Command, UserType } from '../../protocol/constants.generated.js';
import type { Payload } from '../../protocol/payload_codec.js';
import type { DeviceContext } from '../device_context.js';
import { DeviceFault } from '../fault.js';
import { makePinVerifier } from '../pin_verifier.js';
import type { PinRole } from '../store/index.js';
import {
  MAX_LABEL_BYTES,
  MAX_PIN_TRIES,
  requirePinLength,
  requirePinSet,
  requireRole,
  tokenFlags,
  tokenSettings,
  verifyPin,
} from '../token_state.js';
import { field, type Handler, type HandlerTable } from './types.js';

const EMPTY = new Uint8Array(0);

function role(req: Payload): PinRole {
  return field.num(req, 'user_type') === UserType.SO ? 'so' : 'user';
}

function info(d: DeviceContext): Payload {
  const t = tokenSettings(d);
  const free = Math.max(0, d.spec.tokenBytes - d.store.objectBytes);
  return {
    label: t.label,
    flags: tokenFlags(t),
    user_tries_left: t.userTries,
    so_tries_left: t.soTries,
    max_tries: MAX_PIN_TRIES,
    generation: d.generation.value,
    objects: d.store.objectCount,
    free_bytes: Math.min(free, 0xffffffff),
  };
}

/**
 * TOKEN_INIT: a new token gets its SO PIN; an initialized one needs it. Either way the label is
 * set, the user PIN removed, every object destroyed and every ticket revoked, in one record.
 */
async function init(d: DeviceContext, req: Payload): Promise<Payload> {
  const soPin = field.bytes(req, 'so_pin');
  const label = req['label'] as string;
  const labelBytes = Buffer.byteLength(label, 'utf8');
  if (labelBytes === 0 || labelBytes > MAX_LABEL_BYTES) {
    throw new DeviceFault('ERR_INVALID_ARG', `a label has 1 to ${MAX_LABEL_BYTES} bytes`);
  }
  requirePinLength(soPin);
  const current = tokenSettings(d);
  const soVerifier = current.initialized
    ? (await verifyPin(d, 'so', soPin, Command.TOKEN_INIT)).soVerifier
    : await makePinVerifier(soPin);
  const token = {
    initialized: true,
    label,
    soVerifier,
    userVerifier: EMPTY,
    soTries: MAX_PIN_TRIES,
    userTries: MAX_PIN_TRIES,
  };
  await d.commit(Command.TOKEN_INIT, (w) => {
    const written = d.store.putToken(token, true, w);
    // Before the next change starts: no old ticket may create an object after the wipe.
    d.tickets.revokeAll();
    return written;
  });
  return {};
}

/** TOKEN_LOGIN: a ticket for a right PIN; a wrong one uses a try (verifyPin). */
async function login(
  d: DeviceContext,
  req: Payload,
  signal: AbortSignal,
  connectionId: number,
): Promise<Payload> {
  const who = role(req);
  const pin = field.bytes(req, 'pin');
  requirePinSet(tokenSettings(d), who);
  requirePinLength(pin);
  const before = tokenSettings(d);
  const after = await verifyPin(d, who, pin, Command.TOKEN_LOGIN);
  if (after.soTries !== before.soTries || after.userTries !== before.userTries) {
    await d.commit(Command.TOKEN_LOGIN, (w) => d.store.setPinTries(who, MAX_PIN_TRIES, w));
  }
  // A connection that closed meanwhile gets no ticket: nobody could ever revoke it.
  if (signal.aborted) throw new DeviceFault('ERR_NOT_LOGGED_IN', 'the connection closed');
  return { ticket: d.tickets.issue(who, connectionId) };
}

/** TOKEN_INIT_PIN: the SO sets (or resets, also when locked) the user PIN. */
async function initPin(d: DeviceContext, req: Payload): Promise<Payload> {
  requireRole(d, field.bytes(req, 'ticket'), 'so');
  const pin = field.bytes(req, 'pin');
  requirePinLength(pin);
  const userVerifier = await makePinVerifier(pin);
  const token = { ...tokenSettings(d), userVerifier, userTries: MAX_PIN_TRIES };
  await d.commit(Command.TOKEN_INIT_PIN, (w) => d.store.putToken(token, false, w));
  return {};
}

/** TOKEN_SET_PIN: checks the old PIN like LOGIN, then stores the new one with full tries. */
async function setPin(d: DeviceContext, req: Payload): Promise<Payload> {
  const who = role(req);
  const oldPin = field.bytes(req, 'old_pin');
  const newPin = field.bytes(req, 'new_pin');
  requirePinSet(tokenSettings(d), who);
  requirePinLength(oldPin, newPin);
  const checked = await verifyPin(d, who, oldPin, Command.TOKEN_SET_PIN);
  const verifier = await makePinVerifier(newPin);
  const token =
    who === 'so'
      ? { ...checked, soVerifier: verifier, soTries: MAX_PIN_TRIES }
      : { ...checked, userVerifier: verifier, userTries: MAX_PIN_TRIES };
  await d.commit(Command.TOKEN_SET_PIN, (w) => d.store.putToken(token, false, w));
  return {};
}

export const tokenPinHandlers: HandlerTable = new Map<number, Handler>([
  [Command.TOKEN_GET_INFO, (d) => info(d)],
  [Command.TOKEN_INIT, init],
  [Command.TOKEN_LOGIN, (d, req, context) => login(d, req, context.signal, context.connectionId)],
  [
    Command.TOKEN_LOGOUT,
    (d, req) => {
      if (!d.tickets.revoke(field.bytes(req, 'ticket'))) {
        throw new DeviceFault('ERR_NOT_LOGGED_IN', 'not a valid ticket');
      }
      return {};
    },
  ],
  [Command.TOKEN_INIT_PIN, initPin],
  [Command.TOKEN_SET_PIN, setPin],
]);
