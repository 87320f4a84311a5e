// Writes test/vectors/frames.json: frame codec vectors shared by the C and TypeScript tests.
//
// Independent of src/ and native/ on purpose: a bit-by-bit CRC-32C, a plain encoder over
// arrays of numbers, and a slow reference decoder that follows docs/protocol.md section 4 over
// the whole stream with one index. Every decode case is built from pieces whose expected frames
// are known by construction; the reference decoder must find exactly those frames, and it gives
// the counters and the pending byte count. Where a case states counters worked out by hand,
// the reference decoder must agree with them too.
//
// Usage: node scripts/gen_frame_vectors.mjs [--check]
//   --check  exit 1 when the committed file differs from what this script generates
import { readFileSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { fileURLToPath, URL } from 'node:url';

const OUT_PATH = fileURLToPath(new URL('../test/vectors/frames.json', import.meta.url));
const MAX_PAYLOAD = 65536;

// ---------------------------------------------------------------------------------------------
// CRC-32C, one bit at a time (reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF).

function crc32c(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
  }
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Small helpers over arrays of byte values.

const be16 = (v) => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const rd16 = (a, i) => (a[i] << 8) | a[i + 1];
const rd32 = (a, i) => ((a[i] << 24) | (a[i + 1] << 16) | (a[i + 2] << 8) | a[i + 3]) >>> 0;
const hex = (a) => Buffer.from(a).toString('hex');

function assert(cond, message) {
  if (!cond) {
    throw new Error(`gen_frame_vectors: ${message}`);
  }
}

/** mulberry32: a tiny seeded PRNG, so the file is the same on every run. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(0x5eed0001);
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const randBytes = (n) => Array.from({ length: n }, () => randInt(0, 255));
/** Random bytes without 0xA5, so none of them can start a candidate. */
const randNoMagic = (n) => randBytes(n).map((b) => (b === 0xa5 ? 0x00 : b));

// ---------------------------------------------------------------------------------------------
// Encoder. `frame` uses the JSON field names; `raw` overrides wire fields to build bad frames.

function frame(fields) {
  return {
    kind: fields.kind ?? 0,
    more: fields.more ?? false,
    request_id: fields.request_id ?? 0,
    command: fields.command ?? 0,
    status: fields.status ?? 0,
    frag_index: fields.frag_index ?? 0,
    payload: fields.payload ?? [],
  };
}

/**
 * Encodes `f`. `raw` may set `version`, `flags`, `length` (the header field only), `hcheckXor`
 * (applied after computing hcheck), `crcXor` (applied to the trailer) and `flipPayloadBit`
 * (a bit index flipped in the payload after the trailer was computed).
 */
function encode(f, raw = {}) {
  const flags = raw.flags ?? f.kind | (f.more ? 0x04 : 0);
  const length = raw.length ?? f.payload.length;
  const header = [
    0xa5,
    0x5a,
    raw.version ?? 1,
    flags,
    ...be32(f.request_id),
    ...be16(f.command),
    ...be16(f.status),
    ...be32(length),
    ...be16(f.frag_index),
  ];
  assert(header.length === 18, 'header is 18 bytes before hcheck');
  const hcheck = (crc32c(header) & 0xffff) ^ (raw.hcheckXor ?? 0);
  const body = [...header, ...be16(hcheck), ...f.payload];
  const crc = (crc32c(body) ^ (raw.crcXor ?? 0)) >>> 0;
  const out = [...body, ...be32(crc)];
  if (raw.flipPayloadBit !== undefined) {
    out[20 + (raw.flipPayloadBit >>> 3)] ^= 1 << (raw.flipPayloadBit & 7);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference decoder: docs/protocol.md section 4, literally, over the whole stream.

function referenceDecode(stream, maxPayload) {
  const stats = {
    frames: 0,
    garbage_bytes: 0,
    header_errors: 0,
    version_errors: 0,
    oversize_errors: 0,
    crc_errors: 0,
  };
  const frames = [];
  const n = stream.length;
  let p = 0;
  const dropOne = () => {
    stats.garbage_bytes += 1;
    p += 1;
  };
  while (p < n) {
    // 1. Scan.
    if (stream[p] !== 0xa5) {
      dropOne();
      continue;
    }
    if (p + 1 >= n) {
      break; // a lone 0xA5 at the end stays pending
    }
    if (stream[p + 1] !== 0x5a) {
      dropOne();
      continue;
    }
    // 2. Header.
    if (n - p < 20) {
      break;
    }
    const header = stream.slice(p, p + 20);
    if ((crc32c(header.slice(0, 18)) & 0xffff) !== rd16(header, 18)) {
      stats.header_errors += 1;
      dropOne();
      continue;
    }
    const version = header[2];
    const flags = header[3];
    if (version !== 1 || (flags & 0x03) === 3 || (flags & 0xf8) !== 0) {
      stats.version_errors += 1;
      dropOne();
      continue;
    }
    const length = rd32(header, 12);
    if (length > maxPayload) {
      stats.oversize_errors += 1;
      dropOne();
      continue;
    }
    // 3. Body.
    if (n - p < 24 + length) {
      break;
    }
    if (crc32c(stream.slice(p, p + 20 + length)) !== rd32(stream, p + 20 + length)) {
      stats.crc_errors += 1;
      dropOne();
      continue;
    }
    // 4. Frame.
    frames.push({
      kind: flags & 0x03,
      more: (flags & 0x04) !== 0,
      request_id: rd32(header, 4),
      command: rd16(header, 8),
      status: rd16(header, 10),
      frag_index: rd16(header, 16),
      payload: hex(stream.slice(p + 20, p + 20 + length)),
    });
    stats.frames += 1;
    p += 24 + length;
  }
  return { frames, stats, pending: n - p };
}

// ---------------------------------------------------------------------------------------------
// Case construction.

const jsonFrame = (f) => ({ ...f, payload: hex(f.payload) });

/** A piece of a stream that decodes to the frame `f`. */
const good = (f) => ({ bytes: encode(f), frames: [f] });
/** A piece of a stream that yields no frame. */
const junk = (bytes) => ({ bytes, frames: [] });

const decodeCases = [];

/**
 * Adds a decode case built from `pieces`. `expect` may give counters (a subset) and `pending`
 * worked out by hand; they are checked against the reference decoder.
 */
function decodeCase(name, source, pieces, { maxPayload = MAX_PAYLOAD, expect = {} } = {}) {
  const input = pieces.flatMap((piece) => piece.bytes);
  const constructed = pieces.flatMap((piece) => piece.frames).map(jsonFrame);
  const result = referenceDecode(input, maxPayload);
  assert(
    JSON.stringify(result.frames) === JSON.stringify(constructed),
    `${name}: the reference decoder does not find the constructed frames`,
  );
  assert(result.stats.frames === constructed.length, `${name}: frame count`);
  for (const [key, value] of Object.entries(expect)) {
    const actual = key === 'pending' ? result.pending : result.stats[key];
    assert(actual === value, `${name}: ${key} is ${actual}, worked out by hand as ${value}`);
  }
  decodeCases.push({
    name,
    source,
    max_payload: maxPayload,
    input: hex(input),
    frames: result.frames,
    stats: result.stats,
    pending: result.pending,
  });
}

/** Asserts that none of `bytes` (wire bytes after the magic's first byte) is 0xA5. */
function assertNoMagic(name, bytes) {
  assert(!bytes.includes(0xa5), `${name}: bytes meant to be plain garbage contain 0xA5`);
}

const payloadNoMagic = (n) => randNoMagic(n);

// Plain frames.
const minimalRequest = frame({ kind: 0, request_id: 1, command: 0x0001 });
decodeCase('minimal request, empty payload', 'docs/protocol.md section 2', [good(minimalRequest)], {
  expect: { frames: 1, garbage_bytes: 0, pending: 0 },
});

decodeCase(
  'response with status and payload',
  'docs/protocol.md section 2',
  [
    good(
      frame({
        kind: 1,
        request_id: 0x01020304,
        command: 0x0102,
        status: 0x0007,
        payload: randBytes(37),
      }),
    ),
  ],
  { expect: { frames: 1, garbage_bytes: 0, pending: 0 } },
);

decodeCase(
  'event',
  'docs/protocol.md section 2 (events carry request id 0)',
  [good(frame({ kind: 2, request_id: 0, command: 0x0801, payload: [0x01, 0x00, 0x02] }))],
  { expect: { frames: 1, pending: 0 } },
);

const maxFields = frame({
  kind: 1,
  more: true,
  request_id: 0xffffffff,
  command: 0xffff,
  status: 0xffff,
  frag_index: 0xffff,
  payload: [0xff],
});
decodeCase(
  'request_id, command, status and frag_index at their maximum',
  'docs/protocol.md section 2',
  [good(maxFields)],
);

decodeCase(
  'maximum payload of 65536 bytes',
  'docs/protocol.md section 2 (ZKB_MAX_PAYLOAD)',
  [good(frame({ kind: 1, request_id: 9, command: 0x0301, payload: randBytes(MAX_PAYLOAD) }))],
  { expect: { frames: 1, garbage_bytes: 0, pending: 0 } },
);

{
  // Section 3: 600 bytes at max_payload 256 make fragments of 256, 256 and 88 bytes.
  const message = randBytes(600);
  const fragments = [0, 1, 2].map((i) =>
    frame({
      kind: 0,
      more: i < 2,
      request_id: 0x42,
      command: 0x0405,
      frag_index: i,
      payload: message.slice(i * 256, Math.min(600, (i + 1) * 256)),
    }),
  );
  decodeCase(
    'message fragmented into 3 frames at max_payload 256',
    'docs/protocol.md section 3',
    fragments.map(good),
    { maxPayload: 256, expect: { frames: 3, garbage_bytes: 0, pending: 0 } },
  );
}

{
  const pieces = [];
  for (let i = 0; i < 25; i++) {
    pieces.push(
      good(
        frame({
          kind: randInt(0, 2),
          more: rand() < 0.3,
          request_id: randInt(0, 0xffffffff),
          command: randInt(0, 0xffff),
          status: randInt(0, 0xffff),
          frag_index: randInt(0, 5),
          payload: randBytes(randInt(0, 300)),
        }),
      ),
    );
  }
  decodeCase(
    'many frames in one stream',
    'docs/protocol.md section 1 (many frames per read)',
    pieces,
    {
      expect: { frames: 25, garbage_bytes: 0, pending: 0 },
    },
  );
}

// Garbage.
{
  const garbage = randNoMagic(50);
  decodeCase(
    'garbage prefix without 0xA5',
    'docs/protocol.md section 4 step 1',
    [junk(garbage), good(frame({ kind: 1, request_id: 5, command: 0x0101, payload: [1, 2, 3] }))],
    { expect: { frames: 1, garbage_bytes: 50, header_errors: 0, pending: 0 } },
  );
}

decodeCase(
  'garbage prefix with stray A5 and A5 5A pairs',
  'docs/protocol.md section 4 steps 1-2',
  [
    // A5 followed by other bytes; A5 5A with a bogus 18-byte header; A5 5A whose 20-byte window
    // runs into the real frame.
    junk([0x00, 0xa5, 0x01, 0xa5, 0x00, 0x5a, 0xa5, 0xa5, 0x5a, ...randNoMagic(18), 0x33]),
    junk([0xa5, 0x5a, 0x10, 0x20, 0x30]),
    good(frame({ kind: 0, request_id: 77, command: 0x0203, payload: randBytes(12) })),
  ],
  { expect: { frames: 1, header_errors: 2, pending: 0 } },
);

decodeCase(
  'garbage between frames',
  'docs/protocol.md section 1 (garbage between frames)',
  [
    good(frame({ kind: 0, request_id: 1, command: 0x0101, payload: randBytes(10) })),
    junk(randNoMagic(7)),
    good(frame({ kind: 1, request_id: 1, command: 0x0101, payload: randBytes(20) })),
    junk([0xa5, 0x00, 0xa5, 0xa5, 0x5a, 0x01, 0x02]),
    good(frame({ kind: 2, request_id: 0, command: 0x0802, payload: [] })),
    junk(randNoMagic(3)),
  ],
  { expect: { frames: 3, header_errors: 1, pending: 0 } },
);

// Truncation.
{
  const cut = encode(
    frame({ kind: 0, request_id: 3, command: 0x0101, payload: payloadNoMagic(100) }),
  );
  decodeCase(
    'truncated frame at the end stays pending',
    'docs/protocol.md section 4 (input ending inside a candidate)',
    [
      good(frame({ kind: 1, request_id: 2, command: 0x0101, payload: [9] })),
      junk(cut.slice(0, 30)),
    ],
    { expect: { frames: 1, garbage_bytes: 0, crc_errors: 0, pending: 30 } },
  );
  decodeCase(
    'truncated header at the end stays pending',
    'docs/protocol.md section 4 step 2 (wait for 20 bytes)',
    [
      good(frame({ kind: 1, request_id: 2, command: 0x0101, payload: [9] })),
      junk(cut.slice(0, 11)),
    ],
    { expect: { frames: 1, garbage_bytes: 0, header_errors: 0, pending: 11 } },
  );
}

{
  // The truncated frame claims 40 payload bytes but only 10 follow its header; the complete frame
  // after it (24 + 30 = 54 bytes) fills the claimed length, so the truncated candidate fails its
  // CRC once 64 bytes are in. Rescanning from its second byte drops its remaining 29 bytes and
  // finds the complete frame at offset 30.
  const truncated = encode(
    frame({ kind: 0, request_id: 0x11, command: 0x0101, payload: payloadNoMagic(40) }),
  );
  const partial = truncated.slice(0, 30);
  assertNoMagic('truncated frame then complete frame', partial.slice(1));
  const complete = frame({
    kind: 1,
    request_id: 0x12,
    command: 0x0102,
    payload: payloadNoMagic(30),
  });
  decodeCase(
    'truncated frame followed by a complete frame',
    'docs/protocol.md section 4 step 3 (a real frame inside a rejected one)',
    [junk(partial), good(complete)],
    { expect: { frames: 1, garbage_bytes: 30, crc_errors: 1, header_errors: 0, pending: 0 } },
  );
  const long = encode(
    frame({ kind: 0, request_id: 0x13, command: 0x0101, payload: payloadNoMagic(200) }),
  );
  decodeCase(
    'truncated frame whose length runs past the end keeps the next frame pending',
    'docs/protocol.md section 4 step 3 (wait for the whole candidate)',
    [junk(long.slice(0, 30)), junk(encode(complete))],
    { expect: { frames: 0, garbage_bytes: 0, crc_errors: 0, pending: 84 } },
  );
}

// Corrupted frames, each followed by a good frame that must still be found.
const after = () =>
  good(frame({ kind: 1, request_id: 0xabc, command: 0x0101, payload: [0x00, 0x01] }));

{
  const f = frame({ kind: 1, request_id: 0x21, command: 0x0101, payload: payloadNoMagic(16) });
  const bad = encode(f, { crcXor: 0x00000001 });
  assertNoMagic('bad CRC in the trailer', bad.slice(1));
  decodeCase('bad CRC in the trailer', 'docs/protocol.md section 4 step 3', [junk(bad), after()], {
    expect: { frames: 1, crc_errors: 1, garbage_bytes: 40, pending: 0 },
  });
  const flipped = encode(f, { flipPayloadBit: 21 });
  assertNoMagic('bad CRC from a flipped payload bit', flipped.slice(1));
  decodeCase(
    'bad CRC from a flipped payload bit',
    'docs/protocol.md section 4 step 3',
    [junk(flipped), after()],
    {
      expect: { frames: 1, crc_errors: 1, garbage_bytes: 40, pending: 0 },
    },
  );
  const badH = encode(f, { hcheckXor: 0x0100 });
  assertNoMagic('bad hcheck', badH.slice(1));
  decodeCase('bad hcheck', 'docs/protocol.md section 4 step 2 (hcheck)', [junk(badH), after()], {
    expect: { frames: 1, header_errors: 1, crc_errors: 0, garbage_bytes: 40, pending: 0 },
  });
}

{
  const f = frame({ kind: 0, request_id: 0x31, command: 0x0101, payload: payloadNoMagic(8) });
  const cases = [
    ['version 2', { version: 2 }],
    ['kind 3', { flags: 0x03 }],
    ['reserved flag bit 3 set', { flags: 0x08 }],
    ['reserved flag bit 7 set', { flags: 0x80 }],
  ];
  for (const [name, raw] of cases) {
    const bad = encode(f, raw);
    assertNoMagic(name, bad.slice(1));
    decodeCase(
      name,
      'docs/protocol.md section 4 step 2 (version, kind, reserved flags)',
      [junk(bad), after()],
      {
        expect: {
          frames: 1,
          version_errors: 1,
          header_errors: 0,
          crc_errors: 0,
          garbage_bytes: 32,
          pending: 0,
        },
      },
    );
  }
}

{
  // Only the header is checked for an oversize candidate: its 19 bytes after the dropped 0xA5 are
  // rescanned, then the good frame right after the header is found.
  const header = encode(frame({ kind: 0, request_id: 0x41, command: 0x0101 }), {
    length: 65537,
  }).slice(0, 20);
  assertNoMagic('oversize length 65537', header.slice(1));
  decodeCase(
    'oversize length 65537 with a correct hcheck',
    'docs/protocol.md section 4 step 2 (length)',
    [junk(header), after()],
    {
      expect: { frames: 1, oversize_errors: 1, header_errors: 0, garbage_bytes: 20, pending: 0 },
    },
  );
  // Lengths with the top bit set must compare as unsigned 32-bit numbers.
  for (const length of [0x80000000, 0xffffffff]) {
    const name = `oversize length 0x${length.toString(16)} compares unsigned`;
    const huge = encode(frame({ kind: 0, request_id: 0x43, command: 0x0101 }), { length }).slice(
      0,
      20,
    );
    assertNoMagic(name, huge.slice(1));
    decodeCase(
      name,
      'docs/protocol.md section 2 (length is u32) and section 4 step 2',
      [junk(huge), after()],
      {
        expect: { frames: 1, oversize_errors: 1, header_errors: 0, garbage_bytes: 20, pending: 0 },
      },
    );
  }
  // A frame that would be valid at max_payload 65536 but announces 300 bytes at max_payload 256.
  const big = encode(
    frame({ kind: 1, request_id: 0x42, command: 0x0101, payload: payloadNoMagic(300) }),
  );
  assertNoMagic('oversize 300 at max_payload 256', big.slice(1));
  decodeCase(
    'oversize length 300 at max_payload 256',
    'docs/protocol.md section 4 step 2 (length against a lowered max_payload)',
    [junk(big), after()],
    {
      maxPayload: 256,
      expect: { frames: 1, oversize_errors: 1, crc_errors: 0, garbage_bytes: 324, pending: 0 },
    },
  );
  // The same frame is fine at the full maximum.
  decodeCase('payload of 300 bytes at max_payload 65536', 'docs/protocol.md section 2', [
    {
      bytes: big,
      frames: [frame({ kind: 1, request_id: 0x42, command: 0x0101, payload: big.slice(20, 320) })],
    },
  ]);
}

{
  // Check order (section 4 step 2): only the first failing check counts.
  const f = frame({ kind: 0, request_id: 0x51, command: 0x0101, payload: payloadNoMagic(4) });
  const badBoth = encode(f, { version: 2, hcheckXor: 0x0001 });
  assertNoMagic('check order hcheck', badBoth.slice(1));
  decodeCase(
    'bad hcheck and version 2 count as a header error only',
    'docs/protocol.md section 4 step 2 (order)',
    [junk(badBoth), after()],
    {
      expect: { frames: 1, header_errors: 1, version_errors: 0, garbage_bytes: 28, pending: 0 },
    },
  );
  const header = encode(f, { version: 3, length: 70000 }).slice(0, 20);
  assertNoMagic('check order version', header.slice(1));
  decodeCase(
    'version 3 and oversize count as a version error only',
    'docs/protocol.md section 4 step 2 (order)',
    [junk(header), after()],
    {
      expect: { frames: 1, version_errors: 1, oversize_errors: 0, garbage_bytes: 20, pending: 0 },
    },
  );
}

{
  // A rejected frame whose payload carries a whole valid frame: rescanning after the CRC failure
  // finds the inner frame, then drops the rest of the outer frame.
  const inner = frame({ kind: 2, request_id: 0, command: 0x0803, payload: payloadNoMagic(5) });
  const innerBytes = encode(inner);
  const outer = encode(
    frame({
      kind: 1,
      request_id: 0x61,
      command: 0x0101,
      payload: [0x01, 0x02, ...innerBytes, 0x03],
    }),
    {
      crcXor: 0x80000000,
    },
  );
  assertNoMagic('frame inside a rejected frame (outer header)', outer.slice(1, 22));
  decodeCase(
    'valid frame inside the payload of a rejected frame',
    'docs/protocol.md section 4 step 3 (rescan from p + 1)',
    [{ bytes: outer, frames: [inner] }, after()],
    { expect: { frames: 2, crc_errors: 1, pending: 0 } },
  );
}

// Ends of input.
decodeCase(
  'lone A5 at the very end stays pending',
  'docs/protocol.md section 4 step 1',
  [good(frame({ kind: 1, request_id: 4, command: 0x0101 })), junk([0xa5])],
  { expect: { frames: 1, garbage_bytes: 0, pending: 1 } },
);
decodeCase(
  'A5 A5 5A: the first A5 is garbage',
  'docs/protocol.md section 4 step 1',
  [junk([0xa5]), good(frame({ kind: 0, request_id: 8, command: 0x0101, payload: [0x5a] }))],
  { expect: { frames: 1, garbage_bytes: 1, pending: 0 } },
);
decodeCase(
  'bare A5 A5 5A keeps A5 5A pending',
  'docs/protocol.md section 4 steps 1-2',
  [junk([0xa5, 0xa5, 0x5a])],
  {
    expect: { frames: 0, garbage_bytes: 1, pending: 2 },
  },
);
decodeCase('empty input', 'docs/protocol.md section 4', [], {
  expect: { frames: 0, garbage_bytes: 0, pending: 0 },
});
decodeCase('only garbage', 'docs/protocol.md section 4 step 1', [junk(randNoMagic(64))], {
  expect: { frames: 0, garbage_bytes: 64, pending: 0 },
});

// ---------------------------------------------------------------------------------------------
// Encode cases.

const encodeCases = [];

function encodeCase(name, source, f) {
  const encoded = encode(f);
  const decoded = referenceDecode(encoded, MAX_PAYLOAD);
  assert(
    JSON.stringify(decoded.frames) === JSON.stringify([jsonFrame(f)]) && decoded.pending === 0,
    `${name}: encoded frame does not decode to itself`,
  );
  encodeCases.push({ name, source, frame: jsonFrame(f), encoded: hex(encoded) });
}

encodeCase('request with empty payload', 'docs/protocol.md section 2', minimalRequest);
encodeCase(
  'response with status and payload',
  'docs/protocol.md section 2',
  frame({
    kind: 1,
    request_id: 0x00c0ffee,
    command: 0x0102,
    status: 0x0005,
    payload: [0xde, 0xad, 0xbe, 0xef],
  }),
);
encodeCase(
  'event',
  'docs/protocol.md section 2',
  frame({ kind: 2, command: 0x0801, payload: [0x01] }),
);
encodeCase('all fields at their maximum', 'docs/protocol.md section 2', maxFields);
encodeCase(
  'fragment with MORE set',
  'docs/protocol.md section 3',
  frame({
    kind: 0,
    more: true,
    request_id: 0x42,
    command: 0x0405,
    frag_index: 1,
    payload: randBytes(256),
  }),
);
encodeCase(
  'last fragment without MORE',
  'docs/protocol.md section 3',
  frame({
    kind: 0,
    more: false,
    request_id: 0x42,
    command: 0x0405,
    frag_index: 2,
    payload: randBytes(3),
  }),
);
encodeCase(
  'payload holding the magic bytes',
  'docs/protocol.md section 2',
  frame({ kind: 1, request_id: 7, command: 0x0101, payload: [0xa5, 0x5a, 0xa5, 0x5a, 0x01] }),
);
encodeCase(
  'payload with every byte value',
  'docs/protocol.md section 2',
  frame({
    kind: 0,
    request_id: 0x80000000,
    command: 0x8000,
    payload: Array.from({ length: 256 }, (_, i) => i),
  }),
);

// ---------------------------------------------------------------------------------------------

// Self-check of the CRC against the documented check value.
assert(crc32c([...'123456789'].map((c) => c.charCodeAt(0))) === 0xe3069283, 'CRC-32C check value');

const document = {
  description:
    'Frame codec vectors generated by scripts/gen_frame_vectors.mjs (do not edit by hand). ' +
    'decode: feed "input" (hex) to a decoder with "max_payload"; it must return "frames" in order, ' +
    'end with exactly "stats", and hold "pending" bytes. encode: "frame" must encode to "encoded".',
  format: 'docs/protocol.md section 2',
  decode: decodeCases,
  encode: encodeCases,
};
const text = JSON.stringify(document, null, 2) + '\n';

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUT_PATH, 'utf8');
  } catch {
    current = '';
  }
  if (current !== text) {
    console.error('test/vectors/frames.json is stale: run node scripts/gen_frame_vectors.mjs');
    process.exit(1);
  }
  console.log(
    `test/vectors/frames.json is up to date (${decodeCases.length} decode, ${encodeCases.length} encode cases)`,
  );
} else {
  writeFileSync(OUT_PATH, text);
  console.log(
    `wrote test/vectors/frames.json (${decodeCases.length} decode, ${encodeCases.length} encode cases)`,
  );
}
