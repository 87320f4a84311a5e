/**
 * Background supply of ECDSA presignatures: one worker thread (presign_worker.ts) shared by the
 * P-256 and secp256k1 pools. A synchronous client (a PKCS#11 application calling `C_Sign` in a
 * loop) sends its next request as soon as it has the answer; when the nonce point for the next
 * signature is made on the main thread right after answering, that request waits for it. On a
 * worker it is made meanwhile on another core.
 *
 * The worker starts with the first request, does not keep the process alive, and is not used
 * on a single-core machine (it would only compete with the main thread). When it cannot start
 * or dies, every pending request is answered with an empty batch and the pools top themselves
 * up on the main thread, as they do without a supplier.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Presignature, PresignatureSupplier } from './presign.js';
import type { PresignRequest } from './presign_worker.js';

/** Presignatures asked for at a time: about 2 ms of the worker's time here. */
const CHUNK = 64;

type Deliver = (batch: Presignature[]) => void;

/** The shared worker and the requests it has not answered yet. */
class PresignWorker {
  #worker: Worker | undefined;
  #failed = availableParallelism() < 2;
  #nextId = 1;
  readonly #pending = new Map<number, Deliver>();

  request(curve: PresignRequest['curve'], count: number, deliver: Deliver): boolean {
    const worker = this.#started();
    if (worker === undefined) return false;
    const id = this.#nextId++;
    this.#pending.set(id, deliver);
    worker.postMessage({ id, curve, count: Math.min(count, CHUNK) } satisfies PresignRequest);
    return true;
  }

  #started(): Worker | undefined {
    if (this.#failed) return undefined;
    if (this.#worker !== undefined) return this.#worker;
    let worker: Worker;
    try {
      worker = startWorker();
    } catch {
      this.#failed = true;
      return undefined;
    }
    worker.on('message', (answer: { id: number; batch: Presignature[] }) => {
      const deliver = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      deliver?.(answer.batch);
    });
    const fail = (): void => {
      this.#failed = true;
      this.#worker = undefined;
      const waiting = [...this.#pending.values()];
      this.#pending.clear();
      for (const deliver of waiting) deliver([]);
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    worker.unref(); // after the listeners: adding one refs the worker again
    this.#worker = worker;
    return worker;
  }
}

/**
 * Starts presign_worker: the built .js, or, when these sources run through tsx (tests,
 * development), the .ts with tsx registered in the worker first (Node 20 does not carry a
 * loader registered with --import over to worker threads).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./presign_worker.js', import.meta.url));
  const entry = JSON.stringify(new URL('./presign_worker.ts', import.meta.url).href);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true });
}

let shared: PresignWorker | undefined;

/**
 * The background supplier of one curve's pool.
 *
 * @example
 * ```ts
 * const pool = new PresignaturePool(p256.Point.Fn, nonceSources.p256, {
 *   supplier: presignatureSupplier('p256'),
 * });
 * ```
 */
export function presignatureSupplier(curve: PresignRequest['curve']): PresignatureSupplier {
  return {
    request: (count, deliver) => (shared ??= new PresignWorker()).request(curve, count, deliver),
  };
}
