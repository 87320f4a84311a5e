/** Fragmentation and reassembly (docs/protocol.md, section 3). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Reassembler, fragmentMessage, type Message } from '../../src/protocol/messages.ts';
import type { Frame, FrameInit } from '../../src/native/types.ts';

const MAX = 256;

function asFrame(f: FrameInit): Frame {
  return {
    kind: f.kind,
    requestId: f.requestId,
    command: f.command,
    status: f.status ?? 0,
    fragIndex: f.fragIndex ?? 0,
    more: f.more ?? false,
    payload: f.payload ?? new Uint8Array(0),
  };
}

function message(size: number, requestId = 7, kind: 0 | 1 | 2 = 0): Message {
  const payload = new Uint8Array(size).map((_, i) => (i * 13 + requestId) & 0xff);
  return { kind, requestId, command: 0x0402, status: kind === 1 ? 0x0201 : 0, payload };
}

void test('fragment counts and sizes follow the rule', () => {
  for (const [size, count] of [
    [0, 1],
    [1, 1],
    [MAX, 1],
    [MAX + 1, 2],
    [3 * MAX, 3],
    [3 * MAX + 5, 4],
  ] as const) {
    const frames = fragmentMessage(message(size), MAX);
    assert.equal(frames.length, count, `size ${size}`);
    frames.forEach((f, i) => {
      assert.equal(f.fragIndex, i);
      assert.equal(f.more, i < count - 1);
      if (i < count - 1) assert.equal(f.payload?.length, MAX);
    });
  }
});

void test('interleaved messages reassemble, requests and events apart', () => {
  const a = fragmentMessage(message(1000, 1), MAX).map(asFrame);
  const b = fragmentMessage(message(700, 2), MAX).map(asFrame);
  const e = fragmentMessage(message(600, 1, 2), MAX).map(asFrame); // same id, other kind
  const r = new Reassembler(MAX);
  const done: Message[] = [];
  const order = [a[0], b[0], e[0], a[1], b[1], e[1], a[2], b[2], e[2], a[3]];
  for (const f of order) {
    const res = r.push(f as Frame);
    if (res.type === 'message') done.push(res.message);
    assert.notEqual(res.type, 'dropped');
  }
  assert.deepEqual(
    done.map((m) => [m.kind, m.requestId, m.payload.length]),
    [
      [0, 2, 700],
      [2, 1, 600],
      [0, 1, 1000],
    ],
  );
  assert.deepEqual(done[2]?.payload, message(1000, 1).payload);
  assert.equal(r.pending, 0);
});

void test('broken fragment sequences are dropped once and the rest ignored', () => {
  const frames = fragmentMessage(message(1000), MAX).map(asFrame);
  const cases: [string, (fs: Frame[]) => Frame[]][] = [
    ['skipped index', (fs) => [fs[0], fs[2], fs[3]] as Frame[]],
    ['continuation without a start', (fs) => [fs[1], fs[2], fs[3]] as Frame[]],
    [
      'other command',
      (fs) => [fs[0], { ...(fs[1] as Frame), command: 1 }, fs[2], fs[3]] as Frame[],
    ],
    [
      'short middle fragment',
      (fs) =>
        [fs[0], { ...(fs[1] as Frame), payload: new Uint8Array(10) }, fs[2], fs[3]] as Frame[],
    ],
    [
      'short first fragment',
      (fs) =>
        [{ ...(fs[0] as Frame), payload: new Uint8Array(10) }, fs[1], fs[2], fs[3]] as Frame[],
    ],
  ];
  for (const [name, make] of cases) {
    const r = new Reassembler(MAX);
    const results = make(frames).map((f) => r.push(f).type);
    assert.equal(results.filter((t) => t === 'dropped').length, 1, name);
    assert.ok(!results.includes('message'), name);
    assert.equal(r.pending, 0, name);
  }
});

void test('a message past max_message is dropped with ERR_TOO_LARGE; a new start recovers', () => {
  const r = new Reassembler(MAX, 600);
  const big = fragmentMessage(message(1000), MAX).map(asFrame);
  const reasons = big.map((f) => r.push(f)).filter((x) => x.type === 'dropped');
  assert.deepEqual(
    reasons.map((x) => (x.type === 'dropped' ? x.reason : '')),
    ['ERR_TOO_LARGE'],
  );
  const small = fragmentMessage(message(500), MAX).map(asFrame);
  const last = small.map((f) => r.push(f)).at(-1);
  assert.equal(last?.type, 'message');
});
