// Generates the protocol constants from spec/status.json and spec/commands.json:
//   native/core/zkb_protocol.h          C defines + lookup prototypes
//   native/core/protocol_names.c        the lookups, as switch statements
//   src/protocol/constants.generated.ts TypeScript constants and info maps
//   docs/protocol.md                    sections 6-8 (everything after the marker line)
// Usage: node scripts/gen_protocol.mjs [--check]
//   --check  regenerate in memory, write nothing, exit 1 when any output is stale.
// Plain Node ESM, no dependencies. Both JSON files are validated first; any problem exits 1.
// The work lives in scripts/protocol/: load_spec (reading + validation), render_c, render_ts,
// render_docs, plus shared constants and text_util. This file only writes or checks.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT_DOC, OUT_HEADER, OUT_NAMES, OUT_TS, ROOT } from './protocol/constants.mjs';
import { loadSpec } from './protocol/load_spec.mjs';
import { genHeader, genNames } from './protocol/render_c.mjs';
import { genDocSections, spliceDoc } from './protocol/render_docs.mjs';
import { genTs } from './protocol/render_ts.mjs';

export { DOC_MARKER } from './protocol/constants.mjs';
export { isKnownType, loadSpec } from './protocol/load_spec.mjs';
export { spliceDoc } from './protocol/render_docs.mjs';

/** Text of a repository-relative file, or null when it does not exist. */
function readIfExists(rel) {
  const abs = join(ROOT, rel);
  return existsSync(abs) ? readFileSync(abs, 'utf8') : null;
}

/** Builds every output in memory: a map from repository-relative path to file text. */
export function generate(spec = loadSpec()) {
  return new Map([
    [OUT_HEADER, genHeader(spec)],
    [OUT_NAMES, genNames(spec)],
    [OUT_TS, genTs(spec)],
    [OUT_DOC, spliceDoc(readIfExists(OUT_DOC) ?? '', genDocSections(spec))],
  ]);
}

function main(argv) {
  const check = argv.includes('--check');
  let outputs;
  try {
    outputs = generate();
  } catch (err) {
    process.stderr.write(`gen_protocol: ${err.message}\n`);
    return 1;
  }
  const stale = [];
  for (const [rel, text] of outputs) {
    if (readIfExists(rel) === text) continue;
    stale.push(rel);
    if (!check) {
      const abs = join(ROOT, rel);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
  }
  if (check) {
    if (stale.length > 0) {
      for (const rel of stale) process.stderr.write(`gen_protocol: stale: ${rel}\n`);
      process.stderr.write(
        'gen_protocol: run `npm run gen` (node scripts/gen_protocol.mjs) and commit the result\n',
      );
      return 1;
    }
    process.stdout.write('gen_protocol: generated protocol files are up to date\n');
    return 0;
  }
  for (const rel of stale) process.stdout.write(`gen_protocol: wrote ${rel}\n`);
  if (stale.length === 0) process.stdout.write('gen_protocol: nothing to do\n');
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
