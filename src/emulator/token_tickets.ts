/**
 * Login tickets of the token (TOKEN_LOGIN): random 16-byte values bound to a role and to the
 * connection that obtained them. A ticket is usable from any connection; it ends with
 * TOKEN_LOGOUT, when its connection closes, with TOKEN_INIT, or with the device (they live in
 * memory only).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { PinRole } from './store/index.js';

/** Length of a ticket in bytes. */
export const TICKET_BYTES = 16;

interface Ticket {
  readonly role: PinRole;
  readonly connectionId: number;
}

const key = (ticket: Uint8Array): string => Buffer.from(ticket).toString('hex');

/**
 * The tickets issued by one device.
 *
 * @example
 * ```ts
 * const ticket = tickets.issue('user', context.connectionId);
 * tickets.role(ticket); // 'user'
 * tickets.revokeConnection(context.connectionId);
 * tickets.role(ticket); // undefined
 * ```
 */
export class LoginTickets {
  readonly #tickets = new Map<string, Ticket>();
  readonly #byConnection = new Map<number, Set<string>>();

  /** Number of valid tickets. */
  get size(): number {
    return this.#tickets.size;
  }

  /** A new random ticket for `role`, owned by connection `connectionId`. */
  issue(role: PinRole, connectionId: number): Uint8Array {
    for (;;) {
      const ticket = new Uint8Array(randomBytes(TICKET_BYTES));
      const k = key(ticket);
      // All zeros means "no login"; a repeat is as unlikely, but costs nothing to rule out.
      if (ticket.every((b) => b === 0) || this.#tickets.has(k)) continue;
      this.#tickets.set(k, { role, connectionId });
      let owned = this.#byConnection.get(connectionId);
      if (owned === undefined) {
        owned = new Set();
        this.#byConnection.set(connectionId, owned);
      }
      owned.add(k);
      return ticket;
    }
  }

  /** The role of a valid ticket; undefined for zeros, unknown and revoked tickets. */
  role(ticket: Uint8Array): PinRole | undefined {
    return this.#tickets.get(key(ticket))?.role;
  }

  /** Revokes one ticket; false when it was not valid. */
  revoke(ticket: Uint8Array): boolean {
    const k = key(ticket);
    const t = this.#tickets.get(k);
    if (t === undefined) return false;
    this.#tickets.delete(k);
    const owned = this.#byConnection.get(t.connectionId);
    owned?.delete(k);
    if (owned?.size === 0) this.#byConnection.delete(t.connectionId);
    return true;
  }

  /** Revokes every ticket a connection obtained (it closed). */
  revokeConnection(connectionId: number): void {
    const owned = this.#byConnection.get(connectionId);
    if (owned === undefined) return;
    for (const k of owned) this.#tickets.delete(k);
    this.#byConnection.delete(connectionId);
  }

  /** Revokes every ticket (TOKEN_INIT). */
  revokeAll(): void {
    this.#tickets.clear();
    this.#byConnection.clear();
  }
}
