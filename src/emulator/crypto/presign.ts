/**
 * ECDSA presignatures: the message-independent half of an ECDSA signature, made ahead of time.
 *
 * For a nonce k, the signature of digest z with key d is r = (k·G).x mod n and
 * s = k⁻¹·(z + r·d) mod n. Everything but the last multiplication depends on k alone, so a pool
 * holds triples (r, k⁻¹, parity of (k·G).y) and a signature costs two modular multiplications.
 * Each triple is used once and then dropped. Filling the pool takes one point multiplication per
 * nonce (done by the caller's fast fixed-base code) and a single modular inversion per batch
 * (Montgomery's trick), which matters because one BigInt inversion costs as much as three point
 * multiplications.
 *
 * @packageDocumentation
 */
import { randomFillSync } from 'node:crypto';
import type { IField } from '@noble/curves/abstract/modular.js';

/** Multiplies the curve's generator by the 32-byte big-endian scalar `k` (1 <= k < n). */
export type BasePointMultiply = (k: Uint8Array) => { x: Uint8Array; yOdd: boolean };

/** A fresh secret nonce k, uniform in [1, n-1], with the x and y parity of k·G. */
export interface NoncePoint {
  k: bigint;
  x: Uint8Array;
  yOdd: boolean;
}

/** Makes one {@link NoncePoint} per call, from a fresh random k. */
export type NonceSource = () => NoncePoint;

/**
 * A {@link NonceSource} from the system CSPRNG and a fixed-base multiplication: k is drawn by
 * rejection sampling (FIPS 186-5 A.3.2), so it is uniform in [1, n-1].
 */
export function randomNonces(order: bigint, multiply: BasePointMultiply): NonceSource {
  const bytes = new Uint8Array(32);
  return () => {
    for (;;) {
      randomFillSync(bytes);
      const k = bytesToBigInt(bytes);
      if (k === 0n || k >= order) continue;
      return { k, ...multiply(bytes) };
    }
  };
}

/** A ready signature: r||s and the recovery id (y parity of the nonce point). */
export interface Presigned {
  readonly signature: Uint8Array;
  readonly recoveryId: 0 | 1;
}

/** The message-independent half of one signature; used once. */
export interface Presignature {
  r: bigint;
  kInverse: bigint;
  yOdd: boolean;
}

/** A nonce whose point is known but whose inverse is still to be computed with its batch. */
interface PendingNonce {
  r: bigint;
  k: bigint;
  yOdd: boolean;
}

/**
 * A fresh nonce ready for a batch: r = R.x mod n. R.x >= n happens with probability about
 * 2^-128 and the device's 0/1 recovery id cannot express it, so such a nonce is skipped.
 */
function pendingNonce(order: bigint, nonces: NonceSource): PendingNonce {
  for (;;) {
    const nonce = nonces();
    const x = bytesToBigInt(nonce.x);
    if (x < order && x !== 0n) return { r: x, k: nonce.k, yOdd: nonce.yOdd };
  }
}

/** Inverts the nonces of a batch together (Montgomery's trick): one inversion for all. */
function finishBatch(fn: IField<bigint>, pending: PendingNonce[], into: Presignature[]): void {
  const inverses = fn.invertBatch(pending.map((p) => p.k));
  pending.forEach((p, i) => {
    const kInverse = inverses[i];
    if (kInverse !== undefined) into.push({ r: p.r, kInverse, yOdd: p.yOdd });
  });
}

/** Makes `count` presignatures from fresh nonces, with one modular inversion for all. */
export function makePresignatures(
  fn: IField<bigint>,
  nonces: NonceSource,
  count: number,
): Presignature[] {
  const pending = Array.from({ length: count }, () => pendingNonce(fn.ORDER, nonces));
  const made: Presignature[] = [];
  finishBatch(fn, pending, made);
  return made;
}

/**
 * Makes presignatures somewhere else (a worker thread) and hands them over later.
 * {@link PresignaturePool} asks for one batch at a time.
 */
export interface PresignatureSupplier {
  /**
   * Asks for `count` presignatures. Returns false when the supplier cannot serve (then the pool
   * tops itself up); otherwise `deliver` is called once, with the batch or with an empty array
   * when the supplier failed meanwhile.
   */
  request(count: number, deliver: (batch: Presignature[]) => void): boolean;
}

/** Options of a {@link PresignaturePool}. */
export interface PresignaturePoolOptions {
  /** Presignatures made per refill (one inversion each). Default 32. */
  batch?: number;
  /**
   * Where background top-ups come from. Without one (or when it cannot serve) the pool tops
   * itself up on this thread, one nonce per event-loop turn.
   */
  supplier?: PresignatureSupplier;
}

/** Presignatures a pool with a supplier keeps in stock. */
const SUPPLIED_STOCK = 1024;

/**
 * Below this many the pool asks its supplier again. Asking after every signature would cost a
 * message to the worker and one back per signature (measured: about 0.2 ms of the main
 * thread's time each when signatures come one at a time, on the 2-core CI machine).
 */
const SUPPLIED_LOW = SUPPLIED_STOCK / 2;

/** Big-endian bytes to bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex'));
}

function bigIntTo32(value: bigint, into: Uint8Array, offset: number): void {
  into.set(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'), offset);
}

/** A pool of presignatures for one curve, refilled in batches. */
export class PresignaturePool {
  readonly #fn: IField<bigint>;
  readonly #nonces: NonceSource;
  readonly #batch: number;
  readonly #pool: Presignature[] = [];
  #pending: PendingNonce[] = [];
  readonly #scalars = new WeakMap<Uint8Array, bigint>();
  readonly #supplier: PresignatureSupplier | undefined;
  #topUpScheduled = false;
  #supplyRequested = false;

  /**
   * @param fn - the scalar field (integers mod the group order n).
   * @param nonces - fresh nonces with their points.
   * @param options - batch size and background supplier; a number is the batch size.
   */
  constructor(
    fn: IField<bigint>,
    nonces: NonceSource,
    options: PresignaturePoolOptions | number = {},
  ) {
    const { batch = 32, supplier } = typeof options === 'number' ? { batch: options } : options;
    this.#fn = fn;
    this.#nonces = nonces;
    this.#batch = batch;
    this.#supplier = supplier;
  }

  /** Presignatures ready now. */
  get size(): number {
    return this.#pool.length;
  }

  /**
   * Signs the 32-byte digest `digest` with the private scalar `privateKey` (checked by the
   * caller: 32 bytes, 1 <= d < n). s is returned as computed, not forced low.
   */
  sign(privateKey: Uint8Array, digest: Uint8Array): Presigned {
    const fn = this.#fn;
    let d = this.#scalars.get(privateKey);
    if (d === undefined) {
      d = bytesToBigInt(privateKey);
      this.#scalars.set(privateKey, d);
    }
    const z = fn.create(bytesToBigInt(digest));
    for (;;) {
      const pre = this.#pool.pop() ?? this.#refillAndTake();
      const s = fn.mul(pre.kInverse, fn.add(z, fn.mul(pre.r, d)));
      if (s === 0n) continue; // probability about 2^-256: use another nonce
      this.#afterTake();
      const signature = new Uint8Array(64);
      bigIntTo32(pre.r, signature, 0);
      bigIntTo32(s, signature, 32);
      return { signature, recoveryId: pre.yOdd ? 1 : 0 };
    }
  }

  /** Makes presignatures now until a whole batch is ready. */
  refill(): void {
    this.#addNonces(this.#batch - this.#pending.length);
    this.#finishBatch();
  }

  /** Adds `count` fresh nonces (with their points) to the batch being built. */
  #addNonces(count: number): void {
    for (let added = 0; added < count; added++) {
      this.#pending.push(pendingNonce(this.#fn.ORDER, this.#nonces));
    }
  }

  /** Inverts the pending nonces together and moves them into the pool. */
  #finishBatch(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    finishBatch(this.#fn, pending, this.#pool);
  }

  /**
   * Keeps the stock up after a presignature was taken: below {@link SUPPLIED_LOW} the supplier
   * is asked for more, one request at a time, until the stock is full again; without a supplier
   * the pool tops up on this thread.
   */
  #afterTake(): void {
    if (this.#supplier === undefined) {
      if (this.#pool.length < this.#batch) this.#scheduleTopUp();
      return;
    }
    if (this.#pool.length < SUPPLIED_LOW) this.#askSupplier(this.#supplier);
  }

  #askSupplier(supplier: PresignatureSupplier): void {
    if (this.#supplyRequested) return;
    this.#supplyRequested = true;
    const asked = supplier.request(SUPPLIED_STOCK - this.#pool.length, (batch) => {
      this.#supplyRequested = false;
      for (const pre of batch) this.#pool.push(pre);
      if (batch.length > 0 && this.#pool.length < SUPPLIED_STOCK) this.#askSupplier(supplier);
    });
    if (!asked) {
      this.#supplyRequested = false;
      if (this.#pool.length < this.#batch) this.#scheduleTopUp();
    }
  }

  #refillAndTake(): Presignature {
    this.refill();
    const pre = this.#pool.pop();
    if (!pre) throw new Error('presignature pool refill produced nothing');
    return pre;
  }

  /**
   * Tops the pool up in the background, one nonce per event-loop turn, after that turn's
   * replies are written: a single point multiplication fits in the gap before a client's next
   * request, so one-at-a-time callers rarely wait for it. Busy pipelined callers outrun the
   * top-up and refill a whole batch when the pool runs dry.
   */
  #scheduleTopUp(): void {
    if (this.#topUpScheduled) return;
    this.#topUpScheduled = true;
    setImmediate(() => {
      this.#topUpScheduled = false;
      this.#addNonces(1);
      if (this.#pending.length >= this.#batch) this.#finishBatch();
      if (this.#pool.length + this.#pending.length < 2 * this.#batch) this.#scheduleTopUp();
    }).unref();
  }
}
