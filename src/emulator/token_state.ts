/**
 * The token's state as the TOKEN_* handlers use it: its settings with their defaults, the flags
 * TOKEN_GET_INFO reports, ticket roles, and the PIN check with its try counter (docs/protocol.md,
 * section 7, PKCS#11 token).
 *
 * @packageDocumentation
 */
import { TokenFlags } from '../protocol/constants.generated.js';
import type { DeviceContext } from './device_context.js';
import { DeviceFault } from './fault.js';
import { checkPin, pinLengthOk } from './pin_verifier.js';
import type { PinRole, TokenSettings } from './store/index.js';
import { TICKET_BYTES } from './token_tickets.js';

/** Tries a PIN starts with (and gets back after a right PIN). */
export const MAX_PIN_TRIES = 5;
/** Longest token label in UTF-8 bytes. */
export const MAX_LABEL_BYTES = 32;
/** Largest attrs of one object. */
export const MAX_OBJECT_ATTRS = 65_536;

const EMPTY = new Uint8Array(0);

/** The settings of a token that was never initialized. */
export const UNINITIALIZED_TOKEN: TokenSettings = Object.freeze({
  initialized: false,
  label: '',
  soVerifier: EMPTY,
  userVerifier: EMPTY,
  soTries: MAX_PIN_TRIES,
  userTries: MAX_PIN_TRIES,
});

/** The token's settings (the defaults until TOKEN_INIT). */
export function tokenSettings(d: DeviceContext): TokenSettings {
  return d.store.token ?? UNINITIALIZED_TOKEN;
}

/** The TOKEN_GET_INFO flags of a token. */
export function tokenFlags(t: TokenSettings): number {
  const counter = (tries: number, low: number, final: number, locked: number): number =>
    (tries < MAX_PIN_TRIES ? low : 0) | (tries === 1 ? final : 0) | (tries === 0 ? locked : 0);
  return (
    (t.initialized ? TokenFlags.INITIALIZED : 0) |
    (t.userVerifier.length > 0 ? TokenFlags.USER_PIN_SET : 0) |
    counter(
      t.userTries,
      TokenFlags.USER_COUNT_LOW,
      TokenFlags.USER_FINAL_TRY,
      TokenFlags.USER_LOCKED,
    ) |
    counter(t.soTries, TokenFlags.SO_COUNT_LOW, TokenFlags.SO_FINAL_TRY, TokenFlags.SO_LOCKED)
  );
}

/** The role of a request's ticket: undefined for zeros, unknown or revoked tickets. */
export function ticketRole(d: DeviceContext, ticket: Uint8Array): PinRole | undefined {
  return ticket.length === TICKET_BYTES ? d.tickets.role(ticket) : undefined;
}

/** Refuses (ERR_NOT_LOGGED_IN) unless the ticket is a valid ticket of `role`. */
export function requireRole(d: DeviceContext, ticket: Uint8Array, role: PinRole): void {
  if (ticketRole(d, ticket) !== role) {
    throw new DeviceFault('ERR_NOT_LOGGED_IN', `the request needs a valid ${role} ticket`);
  }
}

/** Refuses with ERR_PIN_LEN_RANGE unless every PIN has 4..64 bytes. */
export function requirePinLength(...pins: Uint8Array[]): void {
  if (!pins.every(pinLengthOk)) {
    throw new DeviceFault('ERR_PIN_LEN_RANGE', 'a PIN has 4 to 64 bytes');
  }
}

/** The checks before a role's PIN is compared: token initialized, user PIN set. */
export function requirePinSet(t: TokenSettings, role: PinRole): void {
  if (!t.initialized) throw new DeviceFault('ERR_TOKEN_NOT_INITIALIZED', 'run TOKEN_INIT first');
  if (role === 'user' && t.userVerifier.length === 0) {
    throw new DeviceFault('ERR_PIN_NOT_INITIALIZED', 'no user PIN is set');
  }
}

/**
 * Compares `pin` with the role's PIN under its try counter. A locked PIN is ERR_PIN_LOCKED
 * whatever was given. A wrong PIN uses one try, durably (a change of `command`), before the
 * ERR_PIN_INCORRECT goes out. A right PIN returns the settings with the role's tries restored:
 * the caller writes them (alone, or together with its own change, as one record).
 *
 * Must run in the state-changing request's turn: the counter read before the hash is the one
 * written after it.
 */
export async function verifyPin(
  d: DeviceContext,
  role: PinRole,
  pin: Uint8Array,
  command: number,
): Promise<TokenSettings> {
  const t = tokenSettings(d);
  const tries = role === 'so' ? t.soTries : t.userTries;
  if (tries === 0) throw new DeviceFault('ERR_PIN_LOCKED', `the ${role} PIN is locked`);
  const ok = await checkPin(role === 'so' ? t.soVerifier : t.userVerifier, pin);
  if (!ok) {
    await d.commit(command, (w) => d.store.setPinTries(role, tries - 1, w));
    throw new DeviceFault('ERR_PIN_INCORRECT', `wrong ${role} PIN (${tries - 1} tries left)`);
  }
  return role === 'so' ? { ...t, soTries: MAX_PIN_TRIES } : { ...t, userTries: MAX_PIN_TRIES };
}
