// Encode cases: frames whose exact wire bytes every encoder must produce.
import { frame } from './reference_codec.mjs';
import { maxFields, minimalRequest } from './case_builders.mjs';

/** Adds the encode cases to `cases`, drawing random bytes from `rnd`. */
export function addEncodeCases(cases, rnd) {
  const { encodeCase } = cases;
  const { randBytes } = rnd;

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
}
