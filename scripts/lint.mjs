// Lint and type checks: prettier, ESLint, tsc (sources, tests, benchmarks), clang-format.
//   node scripts/lint.mjs            check only
//   node scripts/lint.mjs --fix-c    rewrite C/C++ files with clang-format
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { must, root, step } from './run_util.mjs';

const C_DIRS = ['native'];
const GENERATED = new Set([
  'native/core/crc32c_table.c',
  'native/core/protocol_names.c',
  'native/core/zkb_protocol.h',
]);

function cFiles() {
  return C_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.(c|h|cc)$/.test(e.name))
      .map((e) => join(e.parentPath ?? e.path, e.name).slice(root.length))
      .filter((f) => !GENERATED.has(f)),
  );
}

if (process.argv.includes('--fix-c')) {
  must('clang-format', ['-i', ...cFiles()], 'clang-format');
  process.exit(0);
}
step('prettier');
must('npx', ['prettier', '--check', '--log-level=warn', '.'], 'prettier');
step('eslint');
must('npx', ['eslint', '--max-warnings=0', 'src', 'test', 'bench', 'scripts'], 'eslint');
step('tsc (sources, tests, benchmarks)');
must('npx', ['tsc', '-p', 'tsconfig.check.json'], 'tsc');
step('clang-format');
must('clang-format', ['--dry-run', '-Werror', ...cFiles()], 'clang-format');
console.log('lint: ok');
