// Builds the libFuzzer target (clang, ASan + UBSan) and runs it for a bounded time.
//   node scripts/fuzz.mjs [seconds]     (default: FUZZ_SECONDS or 60)
// Seeds come from test/vectors/frames.json; any crash, leak or sanitizer report fails the run.
import { mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildC } from './build_c.mjs';
import { root, run } from './run_util.mjs';

export function fuzz(seconds) {
  const dir = buildC('fuzz');
  const corpus = join(root, 'build-c', 'fuzz-corpus');
  rmSync(corpus, { recursive: true, force: true });
  mkdirSync(corpus, { recursive: true });
  const vectors = JSON.parse(readFileSync(join(root, 'test/vectors/frames.json'), 'utf8'));
  vectors.decode.forEach((c, i) => {
    // First byte selects max_payload (bit 0) and the chunking seed (bits 1-7).
    const bytes = Buffer.concat([
      Buffer.from([c.max_payload === 256 ? 1 : 0]),
      Buffer.from(c.input, 'hex'),
    ]);
    if (bytes.length < 70000) writeFileSync(join(corpus, `seed_${i}`), bytes);
  });
  const status = run(join(root, dir, 'fuzz_frame_decode'), [
    `-max_total_time=${seconds}`,
    '-max_len=4200',
    '-timeout=10',
    '-rss_limit_mb=2048',
    '-print_final_stats=1',
    `-artifact_prefix=${join(root, 'build-c')}/`,
    corpus,
  ]);
  if (status !== 0) {
    console.error(
      `fuzz_frame_decode found a problem (exit ${status}); see the artifact in build-c/`,
    );
  }
  return status;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(fuzz(Number(process.argv[2] ?? process.env.FUZZ_SECONDS ?? 60)));
}
