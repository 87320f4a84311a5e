/**
 * What the two shared libraries that load into other programs link and export, read from their
 * ELF dynamic sections (binutils' readelf and nm):
 * - libzkbridge-pkcs11.so needs libc only (no libcrypto: Node exports its own OpenSSL, and two
 *   copies in one process crash) and exports only the Cryptoki C_* functions;
 * - libzkbridge-engine.so needs no libcrypto either: its OpenSSL symbols stay undefined and
 *   resolve to the loading process's OpenSSL (node's in Node); it exports only the dynamic
 *   engine entry points.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { enginePath } from '../../src/tls/index.ts';
import { libraryPath, root } from './fixtures/pkcs11_env.ts';

function needed(lib: string): string[] {
  const out = execFileSync('readelf', ['-d', lib], { encoding: 'utf8' });
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1] ?? '');
}

function symbols(lib: string, which: '--defined-only' | '--undefined-only'): string[] {
  const out = execFileSync('nm', ['-D', which, lib], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((name) => name !== '');
}

const libraries = [
  { name: 'libzkbridge-pkcs11.so', path: libraryPath() },
  { name: 'libzkbridge-engine.so', path: enginePath() },
  {
    name: 'libzkbridge-pkcs11.so (CMake test build)',
    path: join(root, 'build-c', 'release', 'libzkbridge-pkcs11.so'),
  },
];

for (const { name, path } of libraries) {
  void test(`${name} links no OpenSSL`, { skip: !existsSync(path) && `${path} not built` }, () => {
    const libs = needed(path);
    assert.ok(
      libs.some((l) => l.startsWith('libc.so')),
      `needs libc: ${libs.join(', ')}`,
    );
    const forbidden = libs.filter((l) => /libcrypto|libssl/.test(l));
    assert.deepEqual(forbidden, [], `${name} needs ${forbidden.join(', ')}`);
  });
}

void test('libzkbridge-pkcs11.so exports the Cryptoki functions and nothing else', () => {
  const exported = symbols(libraryPath(), '--defined-only');
  assert.ok(exported.includes('C_GetFunctionList') && exported.includes('C_GetInterface'));
  const other = exported.filter((s) => !/^C_[A-Za-z]+$/.test(s));
  assert.deepEqual(other, []);
});

void test('libzkbridge-engine.so exports bind_engine and v_check only, and takes OpenSSL from its host', () => {
  const path = enginePath();
  assert.deepEqual(symbols(path, '--defined-only').sort(), ['bind_engine', 'v_check']);
  const undefinedSymbols = symbols(path, '--undefined-only');
  for (const s of ['EC_KEY_METHOD_new', 'ENGINE_set_id', 'ECDSA_SIG_new', 'ERR_vset_error']) {
    assert.ok(undefinedSymbols.includes(s), `${s} should come from the loading process`);
  }
});
