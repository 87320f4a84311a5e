/**
 * `import 'zkbridge/install'`: installs the zkbridge WebCrypto as `globalThis.crypto` (device
 * from `ZKBRIDGE_DEVICE`, else a private embedded emulator) before the importing module runs.
 *
 * @example
 * ```ts
 * import 'zkbridge/install';
 * import { SignJWT } from 'jose'; // now signs with device keys
 * ```
 *
 * @packageDocumentation
 */
import { install } from './webcrypto/install.js';

await install();
