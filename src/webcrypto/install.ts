/**
 * Drop-in installation: `install()` makes `globalThis.crypto` a zkbridge {@link Crypto}, so
 * libraries that use the global `crypto.subtle` (jose does) sign with device keys unchanged;
 * `uninstall()` restores what was there.
 *
 * @packageDocumentation
 */
import { createCrypto, type Crypto, type CryptoOptions } from './crypto.js';
import { CryptoKey } from './crypto_key.js';

interface Saved {
  crypto: PropertyDescriptor | undefined;
  cryptoKey: PropertyDescriptor | undefined;
}

let installed: { crypto: Crypto; saved: Saved } | undefined;

/**
 * Replaces `globalThis.crypto` (and `globalThis.CryptoKey`) with zkbridge's; resolves with the
 * installed object. Installing twice returns the installed object.
 *
 * @example
 * ```ts
 * import { install } from 'zkbridge/webcrypto';
 * const crypto = await install();
 * // jose, or any code using globalThis.crypto.subtle, now sees device keys
 * ```
 */
export async function install(options: CryptoOptions = {}): Promise<Crypto> {
  if (installed) return installed.crypto;
  const crypto = await createCrypto(options);
  if (installed) {
    // Another install() won the race while this one connected.
    await crypto.close();
    return (installed as { crypto: Crypto }).crypto;
  }
  const saved: Saved = {
    crypto: Object.getOwnPropertyDescriptor(globalThis, 'crypto'),
    cryptoKey: Object.getOwnPropertyDescriptor(globalThis, 'CryptoKey'),
  };
  const define = (name: string, value: unknown): void => {
    Object.defineProperty(globalThis, name, {
      value,
      configurable: true,
      enumerable: false,
      writable: true,
    });
  };
  define('crypto', crypto);
  define('CryptoKey', CryptoKey);
  installed = { crypto, saved };
  return crypto;
}

/** Restores the original `globalThis.crypto` and closes the installed object's device. */
export async function uninstall(): Promise<void> {
  if (!installed) return;
  const { crypto, saved } = installed;
  installed = undefined;
  const restore = (name: string, descriptor: PropertyDescriptor | undefined): void => {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else Reflect.deleteProperty(globalThis, name);
  };
  restore('crypto', saved.crypto);
  restore('CryptoKey', saved.cryptoKey);
  await crypto.close();
}

/** The installed object, if any. */
export function installedCrypto(): Crypto | undefined {
  return installed?.crypto;
}
