/**
 * On-disk layout of the state directory's two data files (little-endian throughout).
 *
 * Both start with a 24-byte header: magic u32 (`ZKSJ` journal, `ZKSS` snapshot), format version
 * u16 (1), flags u16 (0), sequence u64 (journal: the sequence its first record follows, i.e. the
 * snapshot it continues; snapshot: the last record sequence it includes), count u32 (snapshot:
 * number of entries; journal: 0), and CRC-32C of the preceding 20 bytes.
 *
 * Journal record: `len u32 | payloadCrc u32 | headerCrc u32 | payload`, where payload is
 * `kind u8 | seq u64 | body` (`len` counts the payload), payloadCrc is the CRC-32C of the payload
 * and headerCrc the CRC-32C of the first 8 bytes, so a damaged length is recognised as damage
 * rather than mistaken for a record cut short by a crash. Sequences are consecutive from
 * header.seq + 1.
 *
 * Snapshot: header, then `count` entries `kind u8 | len u32 | body` (kinds PUT_KEY, PUT_FOREIGN,
 * PUT_SETTING, PUT_TOKEN, PUT_OBJECT in ascending handle order and HANDLE_FLOOR only), then
 * CRC-32C of everything before it (u32).
 *
 * @packageDocumentation
 */
import { crc32c } from '../../native/index.js';
import { StoreError, corrupt } from './errors.js';
import { DecodeError, Reader, Writer } from './binary.js';
import { MAX_BODY, RecordKind, bodySizeHint, decodeOp, encodeOp, type Op } from './records.js';
import type { DeviceState, OpTarget } from './state.js';

/** File names inside the state directory. */
export const SNAPSHOT_FILE = 'snapshot.bin';
export const JOURNAL_FILE = 'journal.bin';
export const LOCK_FILE = 'lock';
/** Suffix of files being written before their atomic rename. */
export const TMP_SUFFIX = '.tmp';
/** Suffix of a replaced data file held (hard link) until its bytes are overwritten (erase.ts). */
export const ERASE_SUFFIX = '.erase';

export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 24;
export const RECORD_HEADER_SIZE = 12;
/** kind u8 + seq u64 before the body. */
const PAYLOAD_PREFIX = 9;
const JOURNAL_MAGIC = 0x4a534b5a; // 'ZKSJ'
const SNAPSHOT_MAGIC = 0x53534b5a; // 'ZKSS'

/** Which data file. */
export type FileKind = 'journal' | 'snapshot';

/** Encodes a 24-byte header. */
export function encodeHeader(kind: FileKind, seq: number, count: number): Uint8Array {
  const w = new Writer(HEADER_SIZE);
  w.u32(kind === 'journal' ? JOURNAL_MAGIC : SNAPSHOT_MAGIC);
  w.u16(FORMAT_VERSION);
  w.u16(0);
  w.u64(seq);
  w.u32(count);
  w.u32(crc32c(w.result()));
  return w.result().slice();
}

/** Checks and decodes a header; throws {@link StoreError} naming `file`. */
export function decodeHeader(
  buf: Uint8Array,
  file: string,
  kind: FileKind,
): { seq: number; count: number } {
  if (buf.length < HEADER_SIZE) throw corrupt(file, 0, `file too short for a ${kind} header`);
  const r = new Reader(buf, 0, HEADER_SIZE);
  if (r.u32() !== (kind === 'journal' ? JOURNAL_MAGIC : SNAPSHOT_MAGIC)) {
    throw corrupt(file, 0, `not a zkbridge ${kind} file (bad magic)`);
  }
  const version = r.u16();
  const flags = r.u16();
  const seq = r.u64();
  const count = r.u32();
  if (r.u32() !== crc32c(buf.subarray(0, HEADER_SIZE - 4))) {
    throw corrupt(file, 0, `${kind} header checksum mismatch`);
  }
  if (version !== FORMAT_VERSION || flags !== 0) {
    throw new StoreError(
      'ERR_STORAGE_VERSION',
      `${file}: ${kind} format version ${version} (flags ${flags}) is not supported; this build reads version ${FORMAT_VERSION}`,
      { file, offset: 4 },
    );
  }
  return { seq, count };
}

/** Validates `op` and frames it as a journal record whose sequence and CRCs are set later. */
export function frameRecord(op: Op): Uint8Array {
  const w = new Writer(RECORD_HEADER_SIZE + PAYLOAD_PREFIX + bodySizeHint(op));
  w.u32(0);
  w.u32(0);
  w.u32(0);
  w.u8(op.kind);
  w.u64(0);
  encodeOp(w, op);
  const written = w.result();
  let bytes = written;
  if (written.length !== w.capacity) {
    bytes = written.slice();
    written.fill(0); // the record may hold key bytes: no stray copy in the buffer pool
  }
  const len = bytes.length - RECORD_HEADER_SIZE;
  if (len - PAYLOAD_PREFIX > MAX_BODY) throw new RangeError('record too large');
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(0, len, true);
  return bytes;
}

/** Stamps `seq` into a framed record and computes its checksums. */
export function sealRecord(bytes: Uint8Array, seq: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(13, seq % 0x100000000, true);
  view.setUint32(17, Math.floor(seq / 0x100000000), true);
  view.setUint32(4, crc32c(bytes.subarray(RECORD_HEADER_SIZE)), true);
  view.setUint32(8, crc32c(bytes.subarray(0, 8)), true);
}

/** Decodes the op of a framed record (as produced by {@link frameRecord}). */
export function recordOp(bytes: Uint8Array): Op {
  const r = new Reader(bytes, RECORD_HEADER_SIZE + PAYLOAD_PREFIX, bytes.length);
  return decodeOp(bytes[RECORD_HEADER_SIZE] ?? 0, r);
}

/** What {@link scanJournal} found. */
export interface JournalScan {
  /** Sequence of the last intact record (header.seq when there is none). */
  lastSeq: number;
  /** Offset just past the last intact record. */
  goodEnd: number;
  /** Offset of the first record with a sequence above `applyAfter` (goodEnd when none). */
  keepFrom: number;
  /** Intact records. */
  records: number;
  /** Why bytes after goodEnd were judged a torn tail (undefined when the file ends cleanly). */
  torn: string | undefined;
}

/**
 * Reads every record of a journal, applying to `state` those with a sequence above
 * `applyAfter`. Damage is an error except a torn tail (see the store's module comment):
 * (1) fewer than 12 bytes left for a record header; (2) an intact header (its own CRC matches)
 * whose record runs past end of file; (3) an intact header whose record ends exactly at end of
 * file with a payload CRC mismatch. Any other checksum, length or sequence failure, or a bad
 * record followed by more data, throws ERR_STORAGE_CORRUPTED naming the file and offset.
 */
export function scanJournal(
  buf: Uint8Array,
  file: string,
  baseSeq: number,
  applyAfter: number,
  state: OpTarget,
): JournalScan {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = buf.length;
  let pos = HEADER_SIZE;
  let expected = baseSeq + 1;
  let keepFrom = -1;
  let records = 0;
  let torn: string | undefined;
  const r = new Reader(buf, 0, size);
  while (pos < size) {
    if (size - pos < RECORD_HEADER_SIZE) {
      torn = 'incomplete record header';
      break;
    }
    const len = view.getUint32(pos, true);
    if (view.getUint32(pos + 8, true) !== crc32c(buf.subarray(pos, pos + 8))) {
      throw corrupt(file, pos, 'record header checksum mismatch');
    }
    if (len < PAYLOAD_PREFIX || len > PAYLOAD_PREFIX + MAX_BODY) {
      throw corrupt(file, pos, `bad record length ${len}`);
    }
    const end = pos + RECORD_HEADER_SIZE + len;
    if (end > size) {
      torn = 'final record runs past end of file';
      break;
    }
    const payload = buf.subarray(pos + RECORD_HEADER_SIZE, end);
    if (view.getUint32(pos + 4, true) !== crc32c(payload)) {
      if (end === size) {
        torn = 'final record checksum mismatch';
        break;
      }
      throw corrupt(file, pos, 'record checksum mismatch (more records follow)');
    }
    const kind = payload[0] ?? 0;
    const seq = view.getUint32(pos + 13, true) + view.getUint32(pos + 17, true) * 0x100000000;
    if (seq !== expected) throw corrupt(file, pos, `record sequence ${seq}, expected ${expected}`);
    let op: Op;
    try {
      r.pos = pos + RECORD_HEADER_SIZE + PAYLOAD_PREFIX;
      r.end = end;
      op = decodeOp(kind, r);
    } catch (e) {
      if (e instanceof DecodeError) throw corrupt(file, e.offset, e.message);
      throw e;
    }
    if (seq > applyAfter) {
      if (keepFrom < 0) keepFrom = pos;
      state.apply(op);
    }
    records++;
    expected++;
    pos = end;
  }
  return {
    lastSeq: expected - 1,
    goodEnd: pos,
    keepFrom: keepFrom < 0 ? pos : keepFrom,
    records,
    torn,
  };
}

/** Record kinds a snapshot may hold. */
const SNAPSHOT_KINDS: ReadonlySet<number> = new Set([
  RecordKind.PutKey,
  RecordKind.PutForeign,
  RecordKind.PutSetting,
  RecordKind.PutToken,
  RecordKind.PutObject,
  RecordKind.HandleFloor,
]);

/** Encodes the whole state as a snapshot that includes every record up to `lastSeq`. */
export function encodeSnapshot(state: DeviceState, lastSeq: number): Uint8Array {
  const w = new Writer(
    HEADER_SIZE + 4 + state.keys.size * 140 + state.objects.size * 16 + state.objects.bytes + 4096,
  );
  w.bytes(new Uint8Array(HEADER_SIZE));
  let count = 0;
  const entry = (op: Op): void => {
    w.u8(op.kind);
    const at = w.pos;
    w.u32(0);
    encodeOp(w, op);
    w.patchU32(at, w.pos - at - 4);
    count++;
  };
  for (const rec of state.keys.values()) entry({ kind: RecordKind.PutKey, rec });
  for (const rec of state.foreign.values()) entry({ kind: RecordKind.PutForeign, rec });
  for (const [name, value] of state.settings) entry({ kind: RecordKind.PutSetting, name, value });
  if (state.token !== undefined) {
    entry({ kind: RecordKind.PutToken, token: state.token, wipeObjects: false });
  }
  for (const rec of state.objects.sorted()) entry({ kind: RecordKind.PutObject, rec });
  // Last, so the objects above load in ascending order below it.
  const floor = state.objects.highHandle;
  if (floor > 0) entry({ kind: RecordKind.HandleFloor, handle: floor });
  const out = w.result();
  out.set(encodeHeader('snapshot', lastSeq, count), 0);
  w.u32(crc32c(out));
  return w.result();
}

/** Verifies a snapshot and loads its entries into `state`; returns its last sequence. */
export function decodeSnapshot(buf: Uint8Array, file: string, state: OpTarget): number {
  const { seq, count } = decodeHeader(buf, file, 'snapshot');
  const end = buf.length - 4;
  if (end < HEADER_SIZE) throw corrupt(file, buf.length, 'snapshot has no checksum trailer');
  const stored = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(end, true);
  if (stored !== crc32c(buf.subarray(0, end)))
    throw corrupt(file, end, 'snapshot checksum mismatch');
  const r = new Reader(buf, HEADER_SIZE, end);
  try {
    for (let i = 0; i < count; i++) {
      r.end = end;
      const kind = r.u8();
      if (!SNAPSHOT_KINDS.has(kind)) {
        throw new DecodeError(`unexpected snapshot entry kind ${kind}`, r.pos - 1);
      }
      const len = r.u32();
      if (len > end - r.pos)
        throw new DecodeError('snapshot entry runs past the trailer', r.pos - 5);
      r.end = r.pos + len;
      state.apply(decodeOp(kind, r));
    }
    r.end = end;
    r.done();
  } catch (e) {
    if (e instanceof DecodeError) throw corrupt(file, e.offset, e.message);
    throw e;
  }
  return seq;
}
