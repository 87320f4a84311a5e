/**
 * Shared benchmark helpers: timed loops with warm-up and best-of-N, and the output convention
 * (readable lines, then with --json one JSON object as the last line).
 */
import { performance } from 'node:perf_hooks';

/** Runs `fn` repeatedly for about `ms` milliseconds; returns calls per second. */
export function rate(fn: () => void, ms = 300): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  }
  return calls / ((now - start) / 1000);
}

/** Best of `rounds` measurements of `rate(fn)` after one warm-up round. */
export function bestRate(fn: () => void, rounds = 3, ms = 300): number {
  rate(fn, ms / 2);
  let best = 0;
  for (let i = 0; i < rounds; i++) best = Math.max(best, rate(fn, ms));
  return best;
}

/**
 * Keeps `depth` calls of the asynchronous `op` in flight for `seconds`; returns completed calls
 * per second.
 */
export async function inFlightRate(
  op: () => Promise<unknown>,
  depth: number,
  seconds: number,
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: depth }, async () => {
      while (performance.now() < end) {
        await op();
        n++;
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

/** Collects named figures, prints them readably, and as JSON last when asked. */
export class Report {
  readonly #figures: Record<string, number | string> = {};
  readonly #json = process.argv.includes('--json');

  line(text: string): void {
    console.log(text);
  }

  set(key: string, value: number | string, label?: string): void {
    const rounded = typeof value === 'number' ? Number(value.toPrecision(4)) : value;
    this.#figures[key] = rounded;
    if (label !== undefined) console.log(`  ${label.padEnd(58)} ${String(rounded)}`);
  }

  finish(): void {
    if (this.#json) console.log(JSON.stringify(this.#figures));
  }
}
