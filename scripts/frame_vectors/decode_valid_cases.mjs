// Decode cases over clean streams: single frames, field and payload limits, fragments, many frames.
import { MAX_PAYLOAD, frame } from './reference_codec.mjs';
import { good, goodFrame, maxFields, minimalRequest } from './case_builders.mjs';

/** Adds the clean-stream decode cases to `cases`, drawing random bytes from `rnd`. */
export function addValidDecodeCases(cases, rnd) {
  const { decodeCase } = cases;
  const { rand, randInt, randBytes } = rnd;

  decodeCase(
    'minimal request, empty payload',
    'docs/protocol.md section 2',
    [good(minimalRequest)],
    { expect: { frames: 1, garbage_bytes: 0, pending: 0 } },
  );

  decodeCase(
    'response with status and payload',
    'docs/protocol.md section 2',
    [
      goodFrame({
        kind: 1,
        request_id: 0x01020304,
        command: 0x0102,
        status: 0x0007,
        payload: randBytes(37),
      }),
    ],
    { expect: { frames: 1, garbage_bytes: 0, pending: 0 } },
  );

  decodeCase(
    'event',
    'docs/protocol.md section 2 (events carry request id 0)',
    [goodFrame({ kind: 2, request_id: 0, command: 0x0801, payload: [0x01, 0x00, 0x02] })],
    { expect: { frames: 1, pending: 0 } },
  );

  decodeCase(
    'request_id, command, status and frag_index at their maximum',
    'docs/protocol.md section 2',
    [good(maxFields)],
  );

  decodeCase(
    'maximum payload of 65536 bytes',
    'docs/protocol.md section 2 (ZKB_MAX_PAYLOAD)',
    [goodFrame({ kind: 1, request_id: 9, command: 0x0301, payload: randBytes(MAX_PAYLOAD) })],
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
        goodFrame({
          kind: randInt(0, 2),
          more: rand() < 0.3,
          request_id: randInt(0, 0xffffffff),
          command: randInt(0, 0xffff),
          status: randInt(0, 0xffff),
          frag_index: randInt(0, 5),
          payload: randBytes(randInt(0, 300)),
        }),
      );
    }
    decodeCase(
      'many frames in one stream',
      'docs/protocol.md section 1 (many frames per read)',
      pieces,
      { expect: { frames: 25, garbage_bytes: 0, pending: 0 } },
    );
  }
}
