/**
 * The two build definitions compile the same C core from one list (native/core/sources.txt):
 * nothing may drift between CMakeLists.txt, binding.gyp and the files on disk.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const read = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const listed = read('native/core/sources.txt')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

void test('every C file in native/core is listed exactly once, and every listed file exists', () => {
  const onDisk = readdirSync(new URL('../../native/core', import.meta.url))
    .filter((f) => f.endsWith('.c'))
    .sort();
  assert.deepEqual([...listed].sort(), onDisk);
  assert.equal(new Set(listed).size, listed.length, 'duplicate entry in sources.txt');
});

void test('CMakeLists.txt and binding.gyp take the core sources from the list, not by hand', () => {
  const cmake = read('CMakeLists.txt');
  const gyp = read('binding.gyp');
  assert.match(cmake, /file\(STRINGS native\/core\/sources\.txt/);
  assert.match(gyp, /<!@\(node scripts\/core_sources\.mjs\)/);
  for (const name of listed) {
    // The name as a whole path component (fuzz_frame_decode.c is not frame_decode.c).
    const direct = new RegExp(`(^|[\\s/"'(])${name.replace('.', '\\.')}`, 'm');
    assert.ok(!direct.test(cmake), `CMakeLists.txt names ${name} directly`);
    assert.ok(!direct.test(gyp), `binding.gyp names ${name} directly`);
  }
});

void test('the gyp expansion yields exactly the listed files', () => {
  const out = execFileSync('node', ['scripts/core_sources.mjs'], {
    cwd: new URL('../..', import.meta.url),
    encoding: 'utf8',
  });
  assert.deepEqual(
    out.trim().split('\n'),
    listed.map((n) => `native/core/${n}`),
  );
});

void test('the C core includes no Node, N-API, PKCS#11 or OpenSSL header and does no I/O', () => {
  const dir = new URL('../../native/core/', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => /\.[ch]$/.test(f))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const includes = [...text.matchAll(/#include\s+[<"]([^>"]+)[>"]/g)].map((m) => m[1] ?? '');
    for (const inc of includes) {
      assert.ok(
        !/node|napi|pkcs11|openssl|stdio|unistd|socket|fcntl/i.test(inc),
        `${file}: ${inc}`,
      );
    }
  }
});
