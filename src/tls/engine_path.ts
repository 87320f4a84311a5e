/**
 * Where `libzkbridge-engine.so` is: `$ZKBRIDGE_ENGINE`, else the package's own build
 * (`build-pkcs11/`, made by `npm install` next to `libzkbridge-pkcs11.so`).
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TlsError } from './errors.js';

/** The package root: two levels above this module, in `src/` and in `dist/` alike. */
const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The absolute path of the OpenSSL engine that loads HSM keys.
 *
 * @example
 * ```ts
 * tls.connect({ privateKeyEngine: enginePath(), privateKeyIdentifier: 'pkcs11:id=%00%00%00%10', cert });
 * ```
 * @throws TlsError ERR_TLS_ENGINE_MISSING when it was not built.
 */
export function enginePath(): string {
  const fromEnv = process.env['ZKBRIDGE_ENGINE'];
  const path =
    fromEnv !== undefined && fromEnv !== ''
      ? fromEnv
      : `${PACKAGE_ROOT}build-pkcs11/libzkbridge-engine.so`;
  if (!existsSync(path)) {
    throw new TlsError(
      'ERR_TLS_ENGINE_MISSING',
      `${path} does not exist: build it with \`npm run build:pkcs11\` (it needs Node's OpenSSL headers)`,
    );
  }
  return path;
}
