// Prints the C core's sources (native/core/sources.txt) as paths relative to the repository
// root, one per line. binding.gyp expands this with <!@(...); CMake reads the list itself.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function coreSources() {
  const list = readFileSync(
    fileURLToPath(new URL('../native/core/sources.txt', import.meta.url)),
    'utf8',
  );
  return list
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((name) => `native/core/${name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(coreSources().join('\n') + '\n');
}
