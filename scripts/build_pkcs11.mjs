// Builds the PKCS#11 library for the installed package: build-pkcs11/libzkbridge-pkcs11.so and
// build-pkcs11/zkbridge.module (a p11-kit module file naming it by absolute path).
//   node scripts/build_pkcs11.mjs
// Uses CMake when it is there (the same CMakeLists.txt as the tests); otherwise compiles the
// sources directly with cc, so `npm install` works on a machine with only a C compiler.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { coreSources } from './core_sources.mjs';
import { must, root } from './run_util.mjs';

const out = join(root, 'build-pkcs11');

/**
 * Node's own headers, whose openssl/ the engine is compiled against (its symbols then resolve
 * to node's OpenSSL at load time): next to the node binary (Debian and NodeSource packages,
 * official tarballs), npm's nodedir, or node-gyp's download for this version.
 */
function findNodeInclude() {
  const candidates = [
    join(dirname(realpathSync(process.execPath)), '..', 'include', 'node'),
    ...(process.env.npm_config_nodedir
      ? [join(process.env.npm_config_nodedir, 'include', 'node')]
      : []),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'openssl', 'engine.h')));
}
const nodeInclude = findNodeInclude();
if (!nodeInclude) {
  console.warn(
    "build_pkcs11: Node's OpenSSL headers not found; libzkbridge-engine.so (mTLS from Node) is not built",
  );
}
const lib = join(out, 'libzkbridge-pkcs11.so');
mkdirSync(out, { recursive: true });

function have(cmd) {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

if (have('cmake')) {
  const dir = join(out, 'cmake');
  must(
    'cmake',
    [
      '-S',
      '.',
      '-B',
      dir,
      '-Wno-dev',
      '--log-level=WARNING',
      '-DCMAKE_BUILD_TYPE=Release',
      '-DZKB_TESTS=OFF',
      '-DZKB_BENCH=OFF',
      `-DCMAKE_LIBRARY_OUTPUT_DIRECTORY=${out}`,
      ...(nodeInclude ? [`-DZKB_NODE_INCLUDE=${nodeInclude}`] : []),
    ],
    'cmake configure (pkcs11)',
  );
  must('cmake', ['--build', dir, '--target', 'zkbridge_pkcs11', '-j', '2'], 'cmake build (pkcs11)');
  if (nodeInclude) {
    must(
      'cmake',
      ['--build', dir, '--target', 'zkbridge_engine', '-j', '2'],
      'cmake build (engine)',
    );
  }
} else {
  const cc = process.env.CC ?? 'cc';
  /** The .c files of native/<dir>. */
  const cSources = (dir) =>
    readdirSync(join(root, 'native', dir))
      .filter((f) => f.endsWith('.c'))
      .map((f) => `native/${dir}/${f}`);
  /** Compiles one shared library with the flags both libraries share. */
  const sharedLibrary = (name, output, args) =>
    must(
      cc,
      ['-std=c11', '-O2', '-fPIC', '-shared', '-D_GNU_SOURCE', ...args, '-o', output, '-pthread'],
      `${cc} (${name})`,
    );
  sharedLibrary('pkcs11', lib, [
    '-fvisibility=hidden',
    '-Inative/core',
    '-Inative/pkcs11',
    ...coreSources(),
    ...cSources('pkcs11'),
    '-Wl,--version-script=native/pkcs11/exports.map',
    '-Wl,--no-undefined',
  ]);
  if (nodeInclude) {
    // No -fvisibility=hidden: the version script alone hides all but bind_engine and v_check,
    // which OpenSSL's IMPLEMENT_DYNAMIC_* macros declare without a visibility attribute.
    sharedLibrary('engine', join(out, 'libzkbridge-engine.so'), [
      '-Inative/engine',
      '-Inative/pkcs11',
      '-isystem',
      nodeInclude,
      ...cSources('engine'),
      '-Wl,--version-script=native/engine/exports.map',
      '-ldl',
    ]);
  }
}

writeFileSync(
  join(out, 'zkbridge.module'),
  `# p11-kit module file of the zkbridge PKCS#11 token.\n# Install with: zkbridge pkcs11 p11-kit-module --install\nmodule: ${lib}\ncritical: no\n`,
);
console.log(lib);
