/** Key type names as the vendor's Python module spells them, and the protocol's numbers. */
import { KeyType } from '../protocol/constants.generated.js';

/** A key type: the protocol number, or a vendor name ("nistp256", "secp256k1", ...). */
export type KeyTypeInput = KeyType | 'secp256r1' | 'nistp256' | 'secp256k1' | 'ed25519' | 'x25519';

const NAMES: Readonly<Record<string, KeyType>> = {
  secp256r1: KeyType.P256,
  nistp256: KeyType.P256,
  secp256k1: KeyType.SECP256K1,
  ed25519: KeyType.ED25519,
  x25519: KeyType.X25519,
};

/**
 * The protocol number of a key type.
 *
 * @example
 * ```ts
 * keyTypeOf('nistp256'); // 0
 * ```
 * @throws TypeError for an unknown name or number.
 */
export function keyTypeOf(input: KeyTypeInput): KeyType {
  if (typeof input === 'number' && Object.values(KeyType).includes(input)) return input;
  const named = typeof input === 'string' ? NAMES[input.toLowerCase()] : undefined;
  if (named === undefined) throw new TypeError(`unknown key type ${String(input)}`);
  return named;
}
