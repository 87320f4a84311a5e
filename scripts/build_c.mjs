// Configures and builds the CMake project into build-c/<variant>.
//   node scripts/build_c.mjs [release|asan|fuzz]
import { fileURLToPath } from 'node:url';
import { must } from './run_util.mjs';

const VARIANTS = {
  release: ['-DCMAKE_BUILD_TYPE=Release'],
  asan: ['-DCMAKE_BUILD_TYPE=Debug', '-DZKB_SANITIZE=ON', '-DZKB_BENCH=OFF'],
  fuzz: [
    '-DCMAKE_BUILD_TYPE=Debug',
    '-DCMAKE_C_COMPILER=clang',
    '-DZKB_FUZZ=ON',
    '-DZKB_TESTS=OFF',
    '-DZKB_BENCH=OFF',
  ],
};

/** Builds one variant; returns its build directory (relative to the repository root). */
export function buildC(variant) {
  const flags = VARIANTS[variant];
  if (!flags) throw new Error(`unknown variant ${variant}`);
  const dir = `build-c/${variant}`;
  must(
    'cmake',
    ['-S', '.', '-B', dir, '-Wno-dev', '--log-level=WARNING', ...flags],
    `cmake configure (${variant})`,
  );
  must('cmake', ['--build', dir, '-j', '2'], `cmake build (${variant})`);
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildC(process.argv[2] ?? 'release');
}
