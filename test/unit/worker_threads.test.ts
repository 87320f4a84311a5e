/**
 * The codec works in worker threads as well as the main thread: each thread loads the addon
 * (per-environment state), and errors raised natively in a worker are that worker's CodecError.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { backend } from '../../src/native/index.ts';

interface WorkerResult {
  backend: string;
  crcs: number;
  frames: number;
  nativeError: string;
}

function runWorker(seed: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fixtures/codec_worker.mjs', import.meta.url), {
      workerData: { seed },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

void test('four workers at once use the same backend and get the same results', async () => {
  const results = await Promise.all([1, 2, 1, 2].map(runWorker));
  for (const r of results) {
    assert.equal(r.backend, backend.name);
    assert.equal(r.frames, 2000);
    if (backend.name === 'addon') assert.equal(r.nativeError, 'ERR_NATIVE_ENCODE');
  }
  assert.equal(results[0]?.crcs, results[2]?.crcs);
  assert.equal(results[1]?.crcs, results[3]?.crcs);
  assert.notEqual(results[0]?.crcs, results[1]?.crcs);
});
