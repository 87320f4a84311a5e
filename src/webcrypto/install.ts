/**
 * Drop-in installation: `install()` makes `globalThis.crypto` a zkbridge {@link Crypto}, so
 * libraries that use the global `crypto.subtle` (jose does) sign with device keys unchanged;
 * `uninstall()` restores what was there. A loaded `@peculiar/x509`, which keeps the global
 * crypto it saw when it loaded, is pointed at the installed object too (and back).
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { createCrypto, type Crypto, type CryptoOptions } from './crypto.js';
import { CryptoKey } from './crypto_key.js';

interface Saved {
  crypto: PropertyDescriptor | undefined;
  cryptoKey: PropertyDescriptor | undefined;
  /** Libraries that captured the global crypto when they loaded, and what they had. */
  captured: { provider: CapturingProvider; previous: unknown }[];
}

/** `@peculiar/x509`'s `cryptoProvider`: it takes `globalThis.crypto` when the module loads. */
interface CapturingProvider {
  get(): unknown;
  set(crypto: unknown): void;
}

/**
 * Loaded copies of `@peculiar/x509`, whose default crypto was fixed when they loaded (before
 * `install()` if the application imported them first). Pointing them at the installed object
 * is what lets an unchanged @peculiar/x509 example use device keys in either import order.
 */
function capturingProviders(): CapturingProvider[] {
  const cache = createRequire(import.meta.url).cache;
  const found: CapturingProvider[] = [];
  for (const [path, module] of Object.entries(cache)) {
    if (!/[\\/]@peculiar[\\/]x509[\\/]/.test(path)) continue;
    const provider = (
      module?.exports as { cryptoProvider?: Partial<CapturingProvider> } | undefined
    )?.cryptoProvider;
    if (typeof provider?.get === 'function' && typeof provider.set === 'function') {
      found.push(provider as CapturingProvider);
    }
  }
  return found;
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
    captured: capturingProviders().map((provider) => ({ provider, previous: provider.get() })),
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
  for (const { provider } of saved.captured) provider.set(crypto);
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
  for (const { provider, previous } of saved.captured) provider.set(previous);
  await crypto.close();
}

/** The installed object, if any. */
export function installedCrypto(): Crypto | undefined {
  return installed?.crypto;
}
