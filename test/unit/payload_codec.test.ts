// Payload codec (docs/protocol.md section 5) over every layout of the catalogue: random
// round trips, hand-computed vectors, strict decoding (truncation, trailing bytes, garbage,
// hostile list counts) and encode-side validation. Enumerations and error-response layouts are
// checked against spec/commands.json, which the codec's own tables must mirror.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  COMMAND_INFO,
  Command,
  EVENT_INFO,
  Event,
  ResetReason,
  Status,
} from '../../src/protocol/constants.generated.ts';
import type { FieldInfo } from '../../src/protocol/constants.generated.ts';
import {
  ENUM_DOMAINS,
  ERROR_RESPONSE_LAYOUTS,
  PayloadError,
  UnknownCodeError,
  decodeEvent,
  decodePayload,
  decodeRequest,
  decodeResponse,
  encodeEvent,
  encodePayload,
  encodeRequest,
  encodeResponse,
  eventLayout,
  requestLayout,
  responseLayout,
} from '../../src/protocol/payload_codec.ts';
import type { Payload, PayloadValue } from '../../src/protocol/payload_codec.ts';
import { Prng } from './prng.ts';

interface SpecField {
  name: string;
  type: string;
  enum?: string;
}
interface SpecDoc {
  enums: { name: string; kind: string; values: { value: number }[] }[];
  features: { bit: number }[];
  commands: { name: string; error_responses?: Record<string, SpecField[]> }[];
}
const spec = JSON.parse(
  readFileSync(new URL('../../spec/commands.json', import.meta.url), 'utf8'),
) as SpecDoc;

/** Allowed values per enumeration, straight from the spec (independent of the codec's table). */
const specDomains = new Map<string, { flags: boolean; values: number[] }>(
  spec.enums.map((e) => [
    e.name,
    { flags: e.kind === 'flags', values: e.values.map((v) => v.value) },
  ]),
);
specDomains.set('features', { flags: true, values: spec.features.map((f) => 2 ** f.bit) });

/** One layout of the catalogue with its encode/decode pair. */
interface Case {
  label: string;
  fields: readonly FieldInfo[];
  encode: (v: Payload) => Uint8Array;
  decode: (b: Uint8Array) => Payload;
}
const cases: Case[] = [];
for (const [code, { name, request, response }] of COMMAND_INFO) {
  const encode = (v: Payload) => encodeRequest(code, v);
  cases.push({
    label: `${name} request`,
    fields: request,
    encode,
    decode: (b) => decodeRequest(code, b),
  });
  const statuses = [[Status.OK, response], ...(ERROR_RESPONSE_LAYOUTS.get(code) ?? [])] as const;
  for (const [status, fields] of statuses) {
    const encode = (v: Payload) => encodeResponse(code, v, status);
    const decode = (b: Uint8Array) => decodeResponse(code, b, status);
    cases.push({ label: `${name} response ${status}`, fields, encode, decode });
  }
}
for (const [code, { name, payload }] of EVENT_INFO) {
  const encode = (v: Payload) => encodeEvent(code, v);
  cases.push({
    label: `${name} event`,
    fields: payload,
    encode,
    decode: (b) => decodeEvent(code, b),
  });
}

// Every wire type, including those no catalogue layout uses yet (i16, u64, nested lists).
const ALL_TYPES: readonly FieldInfo[] = [
  ...['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'f32', 'bool', 'bytes[3]', 'blob', 'str'],
  ...['list<i16>', 'list<u64>', 'list<blob>', 'list<list<u8>>', 'list<bytes[2]>', 'rest'],
].map((type, i) => ({ name: `f${i}`, type, enum: null }));
cases.push({
  label: 'synthetic all-types layout',
  fields: ALL_TYPES,
  encode: (v) => encodePayload(ALL_TYPES, v),
  decode: (b) => decodePayload(ALL_TYPES, b),
});

const INT_RANGES: Record<string, [number, number]> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  i8: [-0x80, 0x7f],
  i16: [-0x8000, 0x7fff],
  i32: [-0x80000000, 0x7fffffff],
};
const CHARS = ['a', 'Z', '0', ' ', '/', '\u0000', 'é', 'ß', '€', '\ufeff', '😀', '𝄞'];
const F32_EDGES = [0, -0, 1.5, -2.25, Infinity, -Infinity, NaN, 3.4028234663852886e38, 2 ** -149];
const f32Bits = new Float32Array(1);
const f32Words = new Uint32Array(f32Bits.buffer);

/** A random valid value of a wire type (edge values included often). */
function randomValue(rng: Prng, type: string, enumName: string | null): PayloadValue {
  const domain = enumName === null ? undefined : specDomains.get(enumName);
  if (domain !== undefined) {
    if (!domain.flags) return rng.pick(domain.values);
    return domain.values.reduce((acc, bit) => (rng.chance(0.5) ? (acc | bit) >>> 0 : acc), 0);
  }
  const range = INT_RANGES[type];
  if (range !== undefined) return rng.chance(0.3) ? rng.pick(range) : rng.int(range[0], range[1]);
  const bytes = /^bytes\[(\d+)\]$/.exec(type);
  if (bytes !== null) return rng.bytes(Number(bytes[1]));
  const list = /^list<(.+)>$/.exec(type);
  if (list?.[1] !== undefined) {
    const elem = list[1];
    return Array.from({ length: rng.int(0, 5) }, () => randomValue(rng, elem, null));
  }
  switch (type) {
    case 'bool':
      return rng.chance(0.5);
    case 'u64':
      return (BigInt(rng.int(0, 0xffffffff)) << 32n) | BigInt(rng.int(0, 0xffffffff));
    case 'f32':
      if (rng.chance(0.3)) return rng.pick(F32_EDGES);
      f32Words[0] = rng.int(0, 0xffffffff);
      return f32Bits[0] ?? 0;
    case 'blob':
    case 'rest':
      return rng.bytes(rng.chance(0.2) ? 0 : rng.int(1, 40));
    case 'str':
      return Array.from({ length: rng.int(0, 12) }, () => rng.pick(CHARS)).join('');
    default:
      throw new Error(`test generator lacks type ${type}`);
  }
}

function randomPayload(rng: Prng, fields: readonly FieldInfo[]): Payload {
  const out: Payload = {};
  for (const f of fields) out[f.name] = randomValue(rng, f.type, f.enum);
  return out;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const endsWithRest = (fields: readonly FieldInfo[]): boolean => fields.at(-1)?.type === 'rest';

/** Runs `fn`; any throw other than a PayloadError fails the test with that error. */
function decodeOrPayloadError(fn: () => Payload): Payload | PayloadError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PayloadError) return e;
    throw e;
  }
}

void test('layout lookups return the catalogue arrays and reject unknown codes', () => {
  for (const [code, info] of COMMAND_INFO) {
    assert.equal(requestLayout(code), info.request);
    assert.equal(responseLayout(code), info.response);
    assert.equal(responseLayout(code, Status.OK), info.response);
    assert.deepEqual(responseLayout(code, Status.ERR_INTERNAL), []);
  }
  for (const [code, info] of EVENT_INFO) assert.equal(eventLayout(code), info.payload);
  const hello = responseLayout(Command.HELLO, Status.ERR_VERSION_UNSUPPORTED);
  assert.deepEqual(
    hello.map((f) => f.name),
    ['min_version', 'max_version'],
  );
  for (const bad of [0x0000, 0x1000, 0xf000, Event.TAP_EVENT, 0x10000, -1]) {
    assert.throws(() => requestLayout(bad), UnknownCodeError);
    assert.throws(() => responseLayout(bad), UnknownCodeError);
    assert.throws(() => decodeRequest(bad, new Uint8Array(0)), UnknownCodeError);
  }
  assert.throws(() => eventLayout(Command.PING), { name: 'UnknownCodeError', kind: 'event' });
  assert.throws(() => encodeEvent(0x0d99, {}), /unknown event code 0x0d99/);
  assert.throws(() => encodeRequest(0x10ff, {}), { code: 'ERR_UNKNOWN_CODE', value: 0x10ff });
});

void test('enumeration domains and error-response layouts mirror spec/commands.json', () => {
  assert.deepEqual([...ENUM_DOMAINS.keys()].sort(), [...specDomains.keys()].sort());
  for (const [name, want] of specDomains) {
    const got = ENUM_DOMAINS.get(name);
    assert.ok(got !== undefined, name);
    assert.equal(got.kind, want.flags ? 'flags' : 'enum', name);
    assert.deepEqual([...got.values].sort(), [...want.values].sort(), name);
  }
  const fromSpec = new Map<number, Map<number, FieldInfo[]>>();
  for (const c of spec.commands) {
    if (c.error_responses === undefined) continue;
    const byStatus = new Map<number, FieldInfo[]>();
    for (const [statusName, fields] of Object.entries(c.error_responses)) {
      const status = (Status as Record<string, number>)[statusName];
      assert.ok(status !== undefined, statusName);
      byStatus.set(
        status,
        fields.map((f) => ({ name: f.name, type: f.type, enum: f.enum ?? null })),
      );
    }
    fromSpec.set((Command as Record<string, number>)[c.name] ?? -1, byStatus);
  }
  assert.deepEqual(ERROR_RESPONSE_LAYOUTS, fromSpec);
});

void test('every layout: random valid payloads round-trip exactly', () => {
  const rng = new Prng(0x5eed0001);
  let n = 0;
  for (const c of cases) {
    for (let i = 0; i < 40; i++) {
      const values = randomPayload(rng, c.fields);
      const bytes = c.encode(values);
      const back = c.decode(bytes);
      assert.deepEqual(back, values, c.label);
      assert.deepEqual(c.encode(back), bytes, `${c.label}: canonical re-encoding`);
      assert.deepEqual(decodePayload(c.fields, bytes), values, `${c.label}: decodePayload`);
      n++;
    }
  }
  assert.ok(cases.length > 140 && n === cases.length * 40);
});

void test('hand-computed encodings are byte-exact', () => {
  const digest = Uint8Array.from({ length: 32 }, (_, i) => i);
  const sign = encodeRequest(Command.SIGN_DIGEST, { slot: -1, digest });
  assert.equal(hex(sign), 'ffffffff' + hex(digest));
  const hello = {
    min_version: 1,
    max_version: 2,
    max_payload: 65536,
    max_message: 0x1000000,
    client_name: 'zk/é😀',
  };
  const helloHex = '01 02 00010000 01000000 0009 7a6b2f c3a9 f09f9880';
  assert.equal(hex(encodeRequest(Command.HELLO, hello)), hex(unhex(helloHex)));
  assert.deepEqual(decodeRequest(Command.HELLO, unhex(helloHex)), hello);
  const slots = { max_num_keys: 512, slots: [0, -1, 16, 0x7fffffff] };
  const slotsHex = '00000200 00000004 00000000 ffffffff 00000010 7fffffff';
  assert.equal(hex(encodeResponse(Command.GET_ALLOC_SLOTS, slots)), hex(unhex(slotsHex)));
  const files = { files: ['config.txt', ''] };
  const filesHex = '00000002 000a 636f6e6669672e747874 0000';
  assert.equal(
    hex(encodeResponse(Command.GET_SUPERVISED_BOOT_MANIFEST, files)),
    hex(unhex(filesHex)),
  );
  assert.equal(hex(encodeResponse(Command.GET_CPU_TEMP, { celsius: 36.5 })), '42120000');
  assert.equal(hex(encodeResponse(Command.GET_CPU_TEMP, { celsius: 0.1 })), '3dcccccd');
  assert.equal(
    decodeResponse(Command.GET_CPU_TEMP, unhex('3dcccccd'))['celsius'],
    Math.fround(0.1),
  );
  assert.equal(hex(encodeResponse(Command.CANCEL, { found: true })), '01');
  const reset = { reason: ResetReason.SIMULATED, timestamp: 0x65000000 };
  assert.equal(hex(encodeEvent(Event.DEVICE_RESET, reset)), '0565000000');
  const u64 = [{ name: 'n', type: 'u64', enum: null }] as const;
  assert.equal(hex(encodePayload(u64, { n: 0x0102030405060708n })), '0102030405060708');
  assert.deepEqual(decodePayload(u64, unhex('ffffffffffffffff')), { n: 2n ** 64n - 1n });
  const err = encodeResponse(Command.HELLO, { min_version: 2, max_version: 3 }, 0x0102);
  assert.equal(hex(err), '0203');
  assert.deepEqual(decodeResponse(Command.HELLO, err, Status.ERR_VERSION_UNSUPPORTED), {
    min_version: 2,
    max_version: 3,
  });
  assert.equal(encodeResponse(Command.SIGN_DIGEST, {}, Status.ERR_NO_SUCH_SLOT).length, 0);
  assert.deepEqual(decodeResponse(Command.SIGN_DIGEST, new Uint8Array(0), 0x0301), {});
  assert.throws(() => decodeResponse(Command.SIGN_DIGEST, unhex('00'), 0x0301), PayloadError);
});

void test('bytes[N], blob and rest decode as views of the input', () => {
  const input = unhex('01 00000003 aabbcc' + '11'.repeat(32) + 'dd');
  const layout: FieldInfo[] = [
    { name: 'flag', type: 'bool', enum: null },
    { name: 'blob', type: 'blob', enum: null },
    { name: 'fixed', type: 'bytes[32]', enum: null },
    { name: 'rest', type: 'rest', enum: null },
  ];
  const padded = new Uint8Array(input.length + 7);
  padded.set(input, 7);
  const out = decodePayload(layout, padded.subarray(7));
  for (const [name, at] of [
    ['blob', 12],
    ['fixed', 15],
    ['rest', 47],
  ] as const) {
    const v = out[name];
    assert.ok(v instanceof Uint8Array);
    assert.equal(v.buffer, padded.buffer, name);
    assert.equal(v.byteOffset, at, name);
  }
  padded[12] = 0x42;
  assert.equal((out['blob'] as Uint8Array)[0], 0x42);
});

void test('truncation at every byte boundary throws PayloadError', () => {
  const rng = new Prng(0x5eed0002);
  for (const c of cases) {
    for (let i = 0; i < 5; i++) {
      const values = randomPayload(rng, c.fields);
      const bytes = c.encode(values);
      const restLen = endsWithRest(c.fields)
        ? (values[c.fields.at(-1)?.name ?? ''] as Uint8Array).length
        : -1;
      for (let cut = 0; cut < bytes.length; cut++) {
        const r = decodeOrPayloadError(() => c.decode(bytes.subarray(0, cut)));
        if (restLen >= 0 && cut >= bytes.length - restLen) {
          assert.ok(!(r instanceof PayloadError), `${c.label} cut ${cut}: rest may be shorter`);
        } else {
          assert.ok(r instanceof PayloadError, `${c.label} cut ${cut} of ${bytes.length}`);
        }
      }
    }
  }
});

void test('one trailing byte throws PayloadError (or lengthens a final rest)', () => {
  const rng = new Prng(0x5eed0003);
  for (const c of cases) {
    const values = randomPayload(rng, c.fields);
    const bytes = c.encode(values);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    const r = decodeOrPayloadError(() => c.decode(longer));
    if (endsWithRest(c.fields)) {
      assert.ok(!(r instanceof PayloadError), c.label);
    } else {
      assert.ok(r instanceof PayloadError, c.label);
      assert.equal(r.field, null);
      assert.equal(r.message, 'payload: 1 trailing byte');
    }
  }
});

void test('10k garbage inputs across all layouts: PayloadError or a canonical decode', () => {
  const rng = new Prng(0x5eed0004);
  let ok = 0;
  let rejected = 0;
  for (let i = 0; i < 10_000; i++) {
    const c = rng.pick(cases);
    let input: Uint8Array;
    if (rng.chance(0.5)) {
      input = rng.bytes(rng.int(0, 48));
    } else {
      const valid = c.encode(randomPayload(rng, c.fields));
      input = rng.chance(0.2) ? new Uint8Array([...valid, ...rng.bytes(rng.int(1, 4))]) : valid;
      for (let k = rng.int(1, 3); k > 0 && input.length > 0; k--) {
        input[rng.int(0, input.length - 1)] = rng.int(0, 255);
      }
    }
    const r = decodeOrPayloadError(() => c.decode(input));
    if (r instanceof PayloadError) {
      rejected++;
      assert.match(r.message, /^(field '\w+(\[\d+\])?'|payload): /);
    } else {
      ok++;
      // Whatever decodes must encode again and decode to the same values.
      assert.deepEqual(c.decode(c.encode(r)), r, c.label);
      if (!c.fields.some((f) => f.type === 'f32')) assert.deepEqual(c.encode(r), input, c.label);
    }
  }
  assert.ok(ok > 1000 && rejected > 1000, `ok ${ok}, rejected ${rejected}`);
});

void test('hostile list counts are rejected before anything is allocated', () => {
  const started = performance.now();
  const perimeter = (b: Uint8Array) => decodeResponse(Command.GET_PERIMETER_INFO, b);
  assert.throws(() => perimeter(unhex('ffffffff')), {
    name: 'PayloadError',
    field: 'first_breach',
    message: "field 'first_breach': 4294967295 elements need at least 17179869180 bytes, 0 left",
  });
  const manifest = (b: Uint8Array) => decodeResponse(Command.GET_SUPERVISED_BOOT_MANIFEST, b);
  assert.throws(() => manifest(unhex('ffffffff' + '0000'.repeat(50))), PayloadError);
  assert.deepEqual(manifest(unhex('00000003 0000 0000 0000')), { files: ['', '', ''] });
  assert.throws(() => manifest(unhex('00000004 0000 0000 0000')), /elements need at least 8/);
  assert.throws(() => manifest(unhex('00000002 0000 0001')), {
    message: "field 'files[1]': expected 1 bytes, 0 left",
  });
  assert.ok(performance.now() - started < 250, 'rejected quickly');
});

void test('decode rejects bad bools, enum values, flag bits and invalid UTF-8', () => {
  assert.throws(() => decodeRequest(Command.SIGN_DIGEST, new Uint8Array(2)), {
    name: 'PayloadError',
    code: 'ERR_PAYLOAD',
    field: 'slot',
    message: "field 'slot': expected 4 bytes, 2 left",
  });
  assert.throws(() => decodeResponse(Command.CANCEL, unhex('02')), { field: 'found' });
  assert.deepEqual(decodeResponse(Command.CANCEL, unhex('00')), { found: false });
  assert.throws(() => decodeRequest(Command.SET_BATTERY_VOLTAGE_ACTION, unhex('03')), {
    field: 'action',
    message: "field 'action': 3 is not a threshold_action value",
  });
  assert.throws(() => decodeRequest(Command.SET_EVENT_MASK, unhex('00000020')), {
    message: "field 'mask': 0x20 has bits outside event_mask (0x1f)",
  });
  assert.deepEqual(decodeRequest(Command.SET_EVENT_MASK, unhex('0000001f')), { mask: 31 });
  const hello = (name: string) =>
    decodeRequest(Command.HELLO, unhex(`0101 00010000 00010000 ${name}`));
  for (const bad of ['0001 ff', '0002 c080', '0003 eda080', '0002 e282', '0004 f4908080']) {
    assert.throws(() => hello(bad), { field: 'client_name', message: /invalid UTF-8/ }, bad);
  }
  assert.equal(hello('0006 efbbbf 616263')['client_name'], '\ufeffabc'); // BOM kept
});

void test('encode: out-of-range and disallowed values throw PayloadError', () => {
  const sign = (v: Payload) => encodeRequest(Command.SIGN_DIGEST, v);
  const digest = new Uint8Array(32);
  const bad: [() => unknown, string][] = [
    [() => encodeRequest(Command.SET_I2C_ADDRESS, { address: 256 }), 'address'],
    [() => encodeRequest(Command.SET_I2C_ADDRESS, { address: -1 }), 'address'],
    [() => sign({ slot: 2 ** 31, digest }), 'slot'],
    [() => sign({ slot: -(2 ** 31) - 1, digest }), 'slot'],
    [() => sign({ slot: 1.5, digest }), 'slot'],
    [() => sign({ slot: NaN, digest }), 'slot'],
    [() => sign({ slot: 0, digest: new Uint8Array(31) }), 'digest'],
    [() => encodeRequest(Command.CANCEL, { request_id: 2 ** 32 }), 'request_id'],
    [() => encodeRequest(Command.SET_BATTERY_VOLTAGE_ACTION, { action: 3 }), 'action'],
    [() => encodeRequest(Command.SET_EVENT_MASK, { mask: 0x100 }), 'mask'],
    [() => encodeRequest(Command.REMOVE_SUPERVISED_BOOT_FILE, { path: 'é'.repeat(32768) }), 'path'],
    [() => encodeRequest(Command.REMOVE_SUPERVISED_BOOT_FILE, { path: 'a\ud800b' }), 'path'],
    [() => encodeRequest(Command.REMOVE_SUPERVISED_BOOT_FILE, { path: '\udc00' }), 'path'],
    [() => encodeRequest(Command.SET_CPU_LOW_TEMP_THRESHOLD, { celsius: 1e39 }), 'celsius'],
    [() => encodeResponse(Command.REMOVE_KEY, { removed: [1, 2 ** 31] }), 'removed'],
    [() => encodePayload([{ name: 'n', type: 'u64', enum: null }], { n: -1n }), 'n'],
    [() => encodePayload([{ name: 'n', type: 'u64', enum: null }], { n: 2n ** 64n }), 'n'],
  ];
  for (const [fn, field] of bad) assert.throws(fn, { name: 'PayloadError', field }, field);
  const blob = Object.defineProperty(new Uint8Array(0), 'length', { value: 2 ** 32 });
  assert.throws(
    () =>
      encodeRequest(Command.VERIFY_DIGEST_WITH_PUBKEY, {
        key_type: 0,
        public_key: blob,
        digest,
        signature: new Uint8Array(64),
      }),
    { name: 'PayloadError', field: 'public_key' },
  );
  // Limits themselves are fine; NaN and infinities are carried for the device to judge.
  const path = 'a'.repeat(65535);
  const max = encodeRequest(Command.REMOVE_SUPERVISED_BOOT_FILE, { path });
  assert.equal(max.length, 65537);
  assert.equal(decodeRequest(Command.REMOVE_SUPERVISED_BOOT_FILE, max)['path'], path);
  for (const celsius of [NaN, Infinity, -Infinity, 3.4028235e38]) {
    const b = encodeRequest(Command.SET_CPU_LOW_TEMP_THRESHOLD, { celsius });
    assert.deepEqual(decodeRequest(Command.SET_CPU_LOW_TEMP_THRESHOLD, b), {
      celsius: Math.fround(celsius),
    });
  }
});

void test('encode: a payload of the wrong shape or JS type throws TypeError', () => {
  const digest = new Uint8Array(32);
  const misuse: [() => unknown, RegExp][] = [
    [() => encodeRequest(Command.SIGN_DIGEST, { slot: 0 }), /field 'digest' is missing/],
    [() => encodeRequest(Command.SIGN_DIGEST, { digest, slot: 0, x: 1 }), /no field 'x'/],
    [() => encodeRequest(Command.SIGN_DIGEST, { slot: '1', digest }), /expected a number/],
    [() => encodeRequest(Command.SIGN_DIGEST, { slot: 1, digest: [...digest] }), /Uint8Array/],
    [() => encodeResponse(Command.CANCEL, { found: 1 }), /expected a boolean for bool, got number/],
    [() => encodeResponse(Command.REMOVE_KEY, { removed: 5 }), /expected an array/],
    [() => encodeResponse(Command.REMOVE_KEY, { removed: [1, '2'] }), /'removed\[1\]'/],
    [() => encodePayload([{ name: 'n', type: 'u64', enum: null }], { n: 1 }), /bigint/],
    [() => encodeRequest(Command.PING, null as unknown as Payload), /must be an object/],
    [() => decodeRequest(Command.PING, [1, 2] as unknown as Uint8Array), /must be a Uint8Array/],
  ];
  for (const [fn, message] of misuse) assert.throws(fn, { name: 'TypeError', message });
  // Key order does not matter.
  assert.equal(
    hex(encodeRequest(Command.SIGN_DIGEST, { digest, slot: 1 })).slice(0, 8),
    '00000001',
  );
});

void test('invalid layouts are refused with a TypeError naming the problem', () => {
  const f = (name: string, type: string, enumName: string | null = null): FieldInfo => ({
    name,
    type,
    enum: enumName,
  });
  const invalid: [FieldInfo[], RegExp][] = [
    [[f('a', 'u128')], /unknown type 'u128'/],
    [[f('a', 'rest'), f('b', 'u8')], /rest is only allowed as the last field/],
    [[f('a', 'list<rest>')], /rest cannot be a list element/],
    [[f('a', 'list<bytes[0]>')], /must not be empty/],
    [[f('a', 'u8', 'colour')], /unknown enumeration 'colour'/],
    [[f('a', 'str', 'key_type')], /non-integer type/],
    [[f('a', 'u8', 'features')], /exceeds u8/],
    [[f('a', 'u8'), f('a', 'u8')], /duplicate field name/],
    [[f('A', 'u8')], /snake_case/],
  ];
  for (const [layout, message] of invalid) {
    assert.throws(() => decodePayload(layout, new Uint8Array(0)), { name: 'TypeError', message });
  }
  assert.deepEqual(
    decodePayload([f('a', 'list<list<bytes[1]>>')], unhex('00000001 00000002 0102')),
    {
      a: [[Uint8Array.of(1), Uint8Array.of(2)]],
    },
  );
});
