/**
 * Errors of the emulator's durable state store.
 *
 * @packageDocumentation
 */

/** Stable codes of {@link StoreError}. */
export type StoreErrorCode =
  /** A checksum or structural check failed; the state was not used (spec/status.json name). */
  | 'ERR_STORAGE_CORRUPTED'
  /** A state file has a format version this build does not read. */
  | 'ERR_STORAGE_VERSION'
  /** Reading or writing the state failed; the mutation was not applied (spec/status.json name). */
  | 'ERR_STORAGE_IO'
  /** Another live process holds the state directory's lock. */
  | 'ERR_STORAGE_LOCKED'
  /** The store was closed. */
  | 'ERR_STORAGE_CLOSED';

/** The device status (spec/status.json) a {@link StoreError} is reported to clients as. */
export type StoreStatusName = 'ERR_STORAGE_CORRUPTED' | 'ERR_STORAGE_IO';

/** Options of {@link StoreError}. */
export interface StoreErrorOptions {
  /** The state file concerned. */
  file?: string;
  /** Byte offset in {@link file} where the problem was found. */
  offset?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A failure of the durable state store, with a stable `code`, the device status to report and,
 * for damaged files, the file and byte offset.
 *
 * @example
 * ```ts
 * try { await DeviceStore.open(dir); } catch (e) {
 *   if (e instanceof StoreError && e.code === 'ERR_STORAGE_CORRUPTED') console.error(e.message);
 * }
 * ```
 */
export class StoreError extends Error {
  /** Stable machine-readable code. */
  readonly code: StoreErrorCode;
  /** The state file concerned, when there is one. */
  readonly file: string | undefined;
  /** Byte offset in {@link file} where the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.file = options.file;
    this.offset = options.offset;
  }

  /** The device status name clients get for this error (damaged or unreadable state vs I/O). */
  get status(): StoreStatusName {
    return this.code === 'ERR_STORAGE_CORRUPTED' || this.code === 'ERR_STORAGE_VERSION'
      ? 'ERR_STORAGE_CORRUPTED'
      : 'ERR_STORAGE_IO';
  }
}

/** A corruption error naming the file and offset. */
export function corrupt(file: string, offset: number, what: string): StoreError {
  return new StoreError('ERR_STORAGE_CORRUPTED', `${file}: ${what} at offset ${offset}`, {
    file,
    offset,
  });
}

/** Wraps an unexpected file-system failure. */
export function ioError(action: string, cause: unknown, file?: string): StoreError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StoreError('ERR_STORAGE_IO', `${action} failed: ${detail}`, {
    cause,
    ...(file === undefined ? {} : { file }),
  });
}
