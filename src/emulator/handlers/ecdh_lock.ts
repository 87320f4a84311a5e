/** ECDH (raw and with a KDF) and data lock/unlock. */
import { Command, type Kdf, KeyType } from '../../protocol/constants.generated.js';
import { KDF_LIMITS, ecdhKdf, ecdhRaw, lockData, unlockData } from '../crypto/index.js';
import { DeviceFault } from '../fault.js';
import type { DeviceContext } from '../device_context.js';
import { field, type Handler, type HandlerTable } from './types.js';
import type { Payload } from '../../protocol/payload_codec.js';

/** Largest plaintext LOCK_DATA accepts (and locked blob UNLOCK_DATA accepts). */
export const MAX_LOCK_BYTES = 8 * 1024 * 1024;

/** The shared secret of a local slot and a peer key (by value, or by slot). */
function secret(d: DeviceContext, req: Payload): Uint8Array {
  const key = d.privateKey(field.num(req, 'slot'));
  if (key.type === KeyType.ED25519)
    throw new DeviceFault('ERR_KEY_TYPE_MISMATCH', 'Ed25519 keys cannot do ECDH');
  let peer: Uint8Array;
  if ('peer_slot' in req) {
    const peerKey = d.key(field.num(req, 'peer_slot'), field.bool(req, 'peer_is_foreign'));
    if (peerKey.type !== key.type)
      throw new DeviceFault('ERR_KEY_TYPE_MISMATCH', 'the peer key is of another type');
    peer = peerKey.publicKey;
  } else {
    peer = field.bytes(req, 'peer_public_key');
  }
  return ecdhRaw(key.type, key.privateKey, peer);
}

function kdf(d: DeviceContext, req: Payload): Payload {
  // Arguments first: a request with an oversized salt or info does no ECDH at all.
  const salt = field.bytes(req, 'salt');
  const info = field.bytes(req, 'info');
  if (salt.length > KDF_LIMITS.maxSaltLength || info.length > KDF_LIMITS.maxInfoLength) {
    throw new DeviceFault('ERR_OUT_OF_RANGE', 'salt and info are at most 128 bytes each');
  }
  const derived = ecdhKdf(
    field.num(req, 'kdf') as Kdf,
    secret(d, req),
    salt,
    info,
    field.num(req, 'iterations'),
    field.num(req, 'derived_key_size'),
    { allowRfcMaximum: true }, // docs/protocol.md allows RFC 5869's own maximum
  );
  return { derived_key: derived };
}

export const ecdhLockHandlers: HandlerTable = new Map<number, Handler>([
  [Command.ECDH_RAW, (d, req) => ({ secret: secret(d, req) })],
  [Command.ECDH_RAW_WITH_SLOT, (d, req) => ({ secret: secret(d, req) })],
  [Command.ECDH_KDF, kdf],
  [Command.ECDH_KDF_WITH_SLOT, kdf],
  [
    Command.LOCK_DATA,
    (d, req) => {
      const data = field.bytes(req, 'data');
      if (data.length > MAX_LOCK_BYTES)
        throw new DeviceFault('ERR_DATA_TOO_LARGE', `at most ${MAX_LOCK_BYTES} bytes`);
      return { locked: lockData(d.lockSecrets, field.bool(req, 'use_shared_key'), data) };
    },
  ],
  [
    Command.UNLOCK_DATA,
    (d, req) => {
      const locked = field.bytes(req, 'locked');
      if (locked.length > MAX_LOCK_BYTES + 1024)
        throw new DeviceFault('ERR_DATA_TOO_LARGE', 'locked data too large');
      const result = unlockData(d.lockSecrets, field.bool(req, 'use_shared_key'), locked);
      if (!result.valid && result.reason === 'malformed') {
        throw new DeviceFault('ERR_CIPHERTEXT_MALFORMED', 'not data locked by this device format');
      }
      return { valid: result.valid, data: result.valid ? result.plaintext : new Uint8Array(0) };
    },
  ],
]);
