/** ECDSA over 32-byte digests, Ed25519 over whole messages, and verification. */
import { Command, KeyType } from '../../protocol/constants.generated.js';
import {
  signDigest,
  signEd25519,
  validatePublicKey,
  verifyDigest,
  verifyEd25519,
} from '../crypto/index.js';
import { DeviceFault } from '../fault.js';
import type { SlotKey } from '../device_context.js';
import { field, type Handler, type HandlerTable } from './types.js';

function refuseX25519(key: SlotKey): void {
  if (key.type === KeyType.X25519)
    throw new DeviceFault('ERR_SLOT_IS_X25519', 'X25519 keys do ECDH only');
}

function requireEd25519(key: SlotKey): void {
  if (key.type !== KeyType.ED25519) {
    throw new DeviceFault('ERR_KEY_TYPE_MISMATCH', 'the slot does not hold an Ed25519 key');
  }
}

/** Verifies a 32-byte digest signature with a key of any signing type. */
function verifyWith(key: SlotKey, digest: Uint8Array, signature: Uint8Array): boolean {
  refuseX25519(key);
  return key.type === KeyType.ED25519
    ? verifyEd25519(key.publicKey, digest, signature)
    : verifyDigest(key.type, key.publicKey, digest, signature);
}

export const signingHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.SIGN_DIGEST,
    (d, req) => {
      const key = d.privateKey(field.num(req, 'slot'));
      refuseX25519(key);
      const digest = field.bytes(req, 'digest');
      if (key.type === KeyType.ED25519) {
        // The library's one signing call signs the 32 bytes as an Ed25519 message.
        return { signature: signEd25519(key.privateKey, digest), recovery_id: 0 };
      }
      // docs/protocol.md: s is returned as computed, not forced low.
      const sig = signDigest(key.type, key.privateKey, digest, { lowS: false });
      return { signature: sig.signature, recovery_id: sig.recoveryId };
    },
  ],
  [
    Command.VERIFY_DIGEST,
    (d, req) => {
      const key = d.key(field.num(req, 'slot'), field.bool(req, 'foreign'));
      return { valid: verifyWith(key, field.bytes(req, 'digest'), field.bytes(req, 'signature')) };
    },
  ],
  [
    Command.SIGN_EDDSA,
    (d, req) => {
      const key = d.privateKey(field.num(req, 'slot'));
      requireEd25519(key);
      return { signature: signEd25519(key.privateKey, field.bytes(req, 'message')) };
    },
  ],
  [
    Command.VERIFY_EDDSA,
    (d, req) => {
      const key = d.key(field.num(req, 'slot'), field.bool(req, 'foreign'));
      requireEd25519(key);
      const ok = verifyEd25519(
        key.publicKey,
        field.bytes(req, 'message'),
        field.bytes(req, 'signature'),
      );
      return { valid: ok };
    },
  ],
  [
    Command.VERIFY_EDDSA_WITH_PUBKEY,
    (_d, req) => {
      const publicKey = validatePublicKey(KeyType.ED25519, field.bytes(req, 'public_key'));
      const ok = verifyEd25519(
        publicKey,
        field.bytes(req, 'message'),
        field.bytes(req, 'signature'),
      );
      return { valid: ok };
    },
  ],
  [
    Command.VERIFY_DIGEST_WITH_PUBKEY,
    (d, req) => {
      const type = field.num(req, 'key_type') as KeyType;
      if (!d.spec.curves.includes(type)) {
        throw new DeviceFault(
          'ERR_UNSUPPORTED_CURVE',
          `${d.spec.model} does not know key type ${type}`,
        );
      }
      const publicKey = validatePublicKey(type, field.bytes(req, 'public_key'));
      const key = { type, publicKey, exportDisabled: false };
      if (type === KeyType.X25519)
        throw new DeviceFault('ERR_KEY_TYPE_MISMATCH', 'X25519 cannot verify');
      return { valid: verifyWith(key, field.bytes(req, 'digest'), field.bytes(req, 'signature')) };
    },
  ],
]);
