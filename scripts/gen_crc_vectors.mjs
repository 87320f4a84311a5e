// Generates test/vectors/crc.json, the CRC test vectors shared by the C and TypeScript tests.
// Plain Node, no dependencies. Every expected value comes from the slow bit-by-bit references
// below, which know nothing of tables, slicing or hardware; published values (RFC 3720, the
// ATECC figures of anchors.md 4.1) are asserted against those references before writing.
//
//   node scripts/gen_crc_vectors.mjs            write the file
//   node scripts/gen_crc_vectors.mjs --check    exit 1 when the file is stale
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const OUT = fileURLToPath(new URL('../test/vectors/crc.json', import.meta.url));

// CRC-32C, reflected: register starts at all ones, each byte enters LSB first, the register
// shifts right and takes the reflected polynomial when a one falls out, result inverted.
function crc32cBitwise(bytes) {
  let r = 0xffffffff;
  for (const byte of bytes) {
    r ^= byte;
    for (let bit = 0; bit < 8; bit++) r = r & 1 ? (r >>> 1) ^ 0x82f63b78 : r >>> 1;
  }
  return ~r >>> 0;
}

// ATECC CRC-16 (anchors.md 4.1): register starts at 0, data bits LSB first, each compared with
// the register's top bit; shift left and XOR 0x8005 when they differ. No reflection, no xorout.
function crc16AteccBitwise(bytes) {
  let r = 0;
  for (const byte of bytes) {
    for (let bit = 0; bit < 8; bit++) {
      const dataBit = (byte >> bit) & 1;
      const topBit = (r >> 15) & 1;
      r = (r << 1) & 0xffff;
      if (dataBit !== topBit) r ^= 0x8005;
    }
  }
  return r;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const ascii = (s) => Buffer.from(s, 'latin1');
const fromHex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const pattern = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));

const cases = [];

function crc32cCase(name, source, input, published) {
  const value = crc32cBitwise(input);
  const expected = value.toString(16).padStart(8, '0');
  if (published !== undefined && published !== expected) {
    throw new Error(`${name}: bitwise reference gives ${expected}, published ${published}`);
  }
  cases.push({ name, source, algorithm: 'crc32c', input_hex: hex(input), expected });
}

function crc16Case(name, source, input, publishedWire) {
  const value = crc16AteccBitwise(input);
  const wire = Buffer.from([value & 0xff, value >> 8]); // sent little-endian
  if (publishedWire !== undefined && publishedWire !== hex(wire)) {
    throw new Error(
      `${name}: bitwise reference gives wire ${hex(wire)}, published ${publishedWire}`,
    );
  }
  cases.push({
    name,
    source,
    algorithm: 'crc16_atecc',
    input_hex: hex(input),
    expected: value.toString(16).padStart(4, '0'),
    wire_hex: hex(wire),
  });
}

// --- CRC-32C: published values ----------------------------------------------------------------
const CATALOGUE = 'CRC catalogue check value (CRC-32/ISCSI)';
const RFC = 'RFC 3720 appendix B.4';
crc32cCase('crc32c check "123456789"', CATALOGUE, ascii('123456789'), 'e3069283');
crc32cCase('rfc3720 32 bytes of zeroes', RFC, Buffer.alloc(32, 0), '8a9136aa');
crc32cCase('rfc3720 32 bytes of ones', RFC, Buffer.alloc(32, 0xff), '62a8ab43');
crc32cCase(
  'rfc3720 32 incrementing bytes 00..1f',
  RFC,
  Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
  '46dd794e',
);
crc32cCase(
  'rfc3720 32 decrementing bytes 1f..00',
  RFC,
  Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)),
  '113fdb5c',
);
crc32cCase(
  'rfc3720 iscsi read command pdu',
  RFC,
  fromHex(`01c00000 00000000 00000000 00000000 14000000 00000400
           00000014 00000018 28000000 00000000 02000000 00000000`),
  'd9963a56',
);

// --- CRC-32C: edge cases and every path boundary -------------------------------------------------
const REF = 'bitwise reference (scripts/gen_crc_vectors.mjs)';
crc32cCase('crc32c empty input', REF, Buffer.alloc(0), '00000000');
for (const b of [0x00, 0x01, 0x80, 0xff]) {
  crc32cCase(`crc32c single byte ${b.toString(16).padStart(2, '0')}`, REF, Buffer.from([b]));
}
// Lengths around every boundary of the implementations: the 8-byte step and its 4/2/1-byte tail,
// the hardware path's TRIPLE block (192 = 3 x 64) and MIX block (4352 = 3 x 768 + 2048) and
// their multiples and sums (576, 4544, 8704, 13056), powers of two, and frame sizes (84 = frame
// with a 64-byte payload, 65560 = largest frame).
const around = (n) => [n - 1, n, n + 1];
const lengths = [
  ...Array.from({ length: 20 }, (_, i) => i + 1), // 18: the frame header check
  ...[24, 32, 64, 128, 192, 256, 384, 576, 4096, 4352, 4544, 8704, 13056].flatMap(around),
  84,
  65536,
  65560,
  100000,
];
for (const n of lengths) {
  crc32cCase(`crc32c pattern length ${n}`, `${REF}; byte i = (i*31+7) & 0xff`, pattern(n));
}

// --- ATECC CRC-16 ---------------------------------------------------------------------------------
const ANCHORS = 'anchors.md 4.1 (cryptoauthlib atCRC re-implementation)';
crc16Case('atecc check "123456789"', ANCHORS, ascii('123456789'), 'ddbc');
crc16Case(
  'atecc wake reply 04 11',
  `${ANCHORS}; hal_check_wake expects 04 11 33 43`,
  fromHex('0411'),
  '3343',
);
crc16Case('atecc random command 07 1b 00 00 00', ANCHORS, fromHex('071b000000'), '24cd');
crc16Case('atecc info command 07 30 00 00 00', ANCHORS, fromHex('0730000000'), '035d');
crc16Case(
  'atecc self-test-failed reply 04 07',
  `${REF}; anchors.md 4.1 caution: cryptoauthlib's literal 04 07 c4 40 disagrees, unverified on hardware`,
  fromHex('0407'),
  '40c2',
);
crc16Case('atecc empty input', REF, Buffer.alloc(0), '0000');
for (const n of [1, 2, 7, 8, 75, 151]) {
  crc16Case(`atecc pattern length ${n}`, `${REF}; byte i = (i*31+7) & 0xff`, pattern(n));
}

const doc = {
  description:
    'CRC test vectors. crc32c: CRC-32C (Castagnoli, reflected poly 0x82F63B78, init/xorout ' +
    '0xFFFFFFFF). crc16_atecc: ATECC508A/608 CRC-16 (poly 0x8005, init 0, data LSB first, no ' +
    'output reflection, no xorout), wire_hex is the CRC as sent (little-endian). expected is ' +
    'the numeric CRC in lowercase hex. Generated by scripts/gen_crc_vectors.mjs; do not edit.',
  cases,
};
const text = JSON.stringify(doc, null, 2) + '\n';

if (process.argv[2] === '--check') {
  let current = '';
  try {
    current = readFileSync(OUT, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error('test/vectors/crc.json is stale: run node scripts/gen_crc_vectors.mjs');
    process.exit(1);
  }
  console.log('test/vectors/crc.json is up to date');
} else if (process.argv.length === 2) {
  writeFileSync(OUT, text);
  console.log(`wrote test/vectors/crc.json (${cases.length} cases)`);
} else {
  console.error('usage: gen_crc_vectors.mjs [--check]');
  process.exit(2);
}
