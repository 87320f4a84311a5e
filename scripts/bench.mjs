// Runs one benchmark from bench/:  npm run bench -- <name> [--json]
// With --json the benchmark's last line of output is one JSON object of named figures.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './run_util.mjs';

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && f !== 'harness.ts')
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--json]\nbenchmarks: ${available.join(', ')}`);
  process.exit(2);
}
if (!existsSync(join(root, 'node_modules'))) run('npm', ['ci', '--no-audit', '--no-fund']);
process.exit(run('node', ['--import', 'tsx', join('bench', `${name}.ts`), ...rest]));
