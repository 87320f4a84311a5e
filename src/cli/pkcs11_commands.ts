/**
 * `zkbridge pkcs11 ...`: where the PKCS#11 library is, and its p11-kit module file.
 *
 * - `zkbridge pkcs11 module` prints the library's absolute path (for `pkcs11-tool --module`,
 *   OpenSSL's MODULE_PATH, pkcs11js `load()`).
 * - `zkbridge pkcs11 p11-kit-module [--install] [--dir D]` prints the module file, or installs it
 *   into D (default: the user's p11-kit module directory, `~/.config/pkcs11/modules`), so that
 *   p11-kit-aware programs (p11tool, GnuTLS, NSS via p11-kit-proxy, the libp11 engine without
 *   MODULE_PATH) find the token without further configuration.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from './usage.js';

export const PKCS11_HELP = `PKCS#11 token:
  pkcs11 module                      print the absolute path of libzkbridge-pkcs11.so
  pkcs11 p11-kit-module [--install] [--dir D]
                                     print the p11-kit module file, or install it (default dir
                                     ~/.config/pkcs11/modules) so p11-kit programs find the token`;

/** The package root (src/cli or dist/cli are two levels below it). */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The built library: `$ZKBRIDGE_PKCS11_LIB` when set, else the package's own build.
 *
 * @example
 * ```ts
 * const lib = pkcs11LibraryPath(); // '/…/zkbridge/build-pkcs11/libzkbridge-pkcs11.so'
 * ```
 * @throws Error when the library has not been built.
 */
export function pkcs11LibraryPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['ZKBRIDGE_PKCS11_LIB'];
  if (fromEnv) return fromEnv;
  const built = join(packageRoot, 'build-pkcs11', 'libzkbridge-pkcs11.so');
  if (!existsSync(built)) {
    throw new Error(
      `the PKCS#11 library is not built (${built} is missing): run 'node scripts/build_pkcs11.mjs'`,
    );
  }
  return built;
}

/** The text of a p11-kit module file that loads the library at `libraryPath`. */
export function p11KitModuleFile(libraryPath: string): string {
  return `# p11-kit module file of the zkbridge PKCS#11 token.\nmodule: ${libraryPath}\ncritical: no\n`;
}

/** Runs `zkbridge pkcs11 <args>`; returns the exit code. */
export async function pkcs11Command(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'module': {
      if (rest.length > 0) throw new UsageError(`'pkcs11 module' takes no arguments`);
      console.log(pkcs11LibraryPath());
      return 0;
    }
    case 'p11-kit-module': {
      const { values } = parseArgs({
        args: rest,
        options: { install: { type: 'boolean' }, dir: { type: 'string' } },
        strict: true,
      });
      const text = p11KitModuleFile(pkcs11LibraryPath());
      if (values.install !== true) {
        if (values.dir !== undefined) throw new UsageError('--dir needs --install');
        process.stdout.write(text);
        return 0;
      }
      const dir = values.dir ?? join(homedir(), '.config', 'pkcs11', 'modules');
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'zkbridge.module');
      await writeFile(file, text);
      console.log(file);
      return 0;
    }
    default:
      throw new UsageError(`usage: zkbridge pkcs11 module | p11-kit-module [--install] [--dir D]`);
  }
}
