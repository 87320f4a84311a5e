// Decode cases over damaged streams: garbage, truncation, rejected candidates, ends of input.
import { encode, frame } from './reference_codec.mjs';
import { assertNoMagic, good, goodFrame, junk } from './case_builders.mjs';

/** The good frame that follows each rejected candidate and must still be found. */
const goodAfter = () =>
  goodFrame({ kind: 1, request_id: 0xabc, command: 0x0101, payload: [0x00, 0x01] });

/** The 20 header bytes of `f` encoded with `raw` overrides, without payload or trailer. */
const headerOnly = (f, raw) => encode(f, raw).slice(0, 20);

/** Adds the damaged-stream decode cases to `cases`, drawing random bytes from `rnd`. */
export function addCorruptDecodeCases(cases, rnd) {
  const { decodeCase } = cases;
  const { randBytes, randNoMagic } = rnd;

  /**
   * A case of `rejected` bytes followed by `goodAfter()`. `rejected` holds no 0xA5 after its
   * first byte, so once the candidate at its start fails, all of it is dropped as garbage.
   */
  const rejectedThenGood = (name, source, rejected, options) => {
    assertNoMagic(name, rejected.slice(1));
    decodeCase(name, source, [junk(rejected), goodAfter()], options);
  };

  // Garbage.
  decodeCase(
    'garbage prefix without 0xA5',
    'docs/protocol.md section 4 step 1',
    [
      junk(randNoMagic(50)),
      goodFrame({ kind: 1, request_id: 5, command: 0x0101, payload: [1, 2, 3] }),
    ],
    { expect: { frames: 1, garbage_bytes: 50, header_errors: 0, pending: 0 } },
  );

  decodeCase(
    'garbage prefix with stray A5 and A5 5A pairs',
    'docs/protocol.md section 4 steps 1-2',
    [
      // A5 followed by other bytes; A5 5A with a bogus 18-byte header; A5 5A whose 20-byte
      // window runs into the real frame.
      junk([0x00, 0xa5, 0x01, 0xa5, 0x00, 0x5a, 0xa5, 0xa5, 0x5a, ...randNoMagic(18), 0x33]),
      junk([0xa5, 0x5a, 0x10, 0x20, 0x30]),
      goodFrame({ kind: 0, request_id: 77, command: 0x0203, payload: randBytes(12) }),
    ],
    { expect: { frames: 1, header_errors: 2, pending: 0 } },
  );

  decodeCase(
    'garbage between frames',
    'docs/protocol.md section 1 (garbage between frames)',
    [
      goodFrame({ kind: 0, request_id: 1, command: 0x0101, payload: randBytes(10) }),
      junk(randNoMagic(7)),
      goodFrame({ kind: 1, request_id: 1, command: 0x0101, payload: randBytes(20) }),
      junk([0xa5, 0x00, 0xa5, 0xa5, 0x5a, 0x01, 0x02]),
      goodFrame({ kind: 2, request_id: 0, command: 0x0802, payload: [] }),
      junk(randNoMagic(3)),
    ],
    { expect: { frames: 3, header_errors: 1, pending: 0 } },
  );

  // Truncation.
  {
    const cut = encode(
      frame({ kind: 0, request_id: 3, command: 0x0101, payload: randNoMagic(100) }),
    );
    const before = goodFrame({ kind: 1, request_id: 2, command: 0x0101, payload: [9] });
    decodeCase(
      'truncated frame at the end stays pending',
      'docs/protocol.md section 4 (input ending inside a candidate)',
      [before, junk(cut.slice(0, 30))],
      { expect: { frames: 1, garbage_bytes: 0, crc_errors: 0, pending: 30 } },
    );
    decodeCase(
      'truncated header at the end stays pending',
      'docs/protocol.md section 4 step 2 (wait for 20 bytes)',
      [before, junk(cut.slice(0, 11))],
      { expect: { frames: 1, garbage_bytes: 0, header_errors: 0, pending: 11 } },
    );
  }

  {
    // The truncated frame claims 40 payload bytes but only 10 follow its header; the complete
    // frame after it (24 + 30 = 54 bytes) fills the claimed length, so the truncated candidate
    // fails its CRC once 64 bytes are in. Rescanning from its second byte drops its remaining
    // 29 bytes and finds the complete frame at offset 30.
    const truncated = encode(
      frame({ kind: 0, request_id: 0x11, command: 0x0101, payload: randNoMagic(40) }),
    );
    const partial = truncated.slice(0, 30);
    assertNoMagic('truncated frame then complete frame', partial.slice(1));
    const complete = frame({
      kind: 1,
      request_id: 0x12,
      command: 0x0102,
      payload: randNoMagic(30),
    });
    decodeCase(
      'truncated frame followed by a complete frame',
      'docs/protocol.md section 4 step 3 (a real frame inside a rejected one)',
      [junk(partial), good(complete)],
      { expect: { frames: 1, garbage_bytes: 30, crc_errors: 1, header_errors: 0, pending: 0 } },
    );
    const long = encode(
      frame({ kind: 0, request_id: 0x13, command: 0x0101, payload: randNoMagic(200) }),
    );
    decodeCase(
      'truncated frame whose length runs past the end keeps the next frame pending',
      'docs/protocol.md section 4 step 3 (wait for the whole candidate)',
      [junk(long.slice(0, 30)), junk(encode(complete))],
      { expect: { frames: 0, garbage_bytes: 0, crc_errors: 0, pending: 84 } },
    );
  }

  // Corrupted candidates, each followed by a good frame that must still be found.
  {
    const f = frame({ kind: 1, request_id: 0x21, command: 0x0101, payload: randNoMagic(16) });
    const crcError = { expect: { frames: 1, crc_errors: 1, garbage_bytes: 40, pending: 0 } };
    const step3 = 'docs/protocol.md section 4 step 3';
    rejectedThenGood('bad CRC in the trailer', step3, encode(f, { crcXor: 0x00000001 }), crcError);
    rejectedThenGood(
      'bad CRC from a flipped payload bit',
      step3,
      encode(f, { flipPayloadBit: 21 }),
      crcError,
    );
    rejectedThenGood(
      'bad hcheck',
      'docs/protocol.md section 4 step 2 (hcheck)',
      encode(f, { hcheckXor: 0x0100 }),
      { expect: { frames: 1, header_errors: 1, crc_errors: 0, garbage_bytes: 40, pending: 0 } },
    );
  }

  {
    const f = frame({ kind: 0, request_id: 0x31, command: 0x0101, payload: randNoMagic(8) });
    const versionCases = [
      ['version 2', { version: 2 }],
      ['kind 3', { flags: 0x03 }],
      ['reserved flag bit 3 set', { flags: 0x08 }],
      ['reserved flag bit 7 set', { flags: 0x80 }],
    ];
    for (const [name, raw] of versionCases) {
      rejectedThenGood(
        name,
        'docs/protocol.md section 4 step 2 (version, kind, reserved flags)',
        encode(f, raw),
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
    // Only the header is checked for an oversize candidate: its 19 bytes after the dropped 0xA5
    // are rescanned, then the good frame right after the header is found.
    const oversize = {
      expect: { frames: 1, oversize_errors: 1, header_errors: 0, garbage_bytes: 20, pending: 0 },
    };
    rejectedThenGood(
      'oversize length 65537 with a correct hcheck',
      'docs/protocol.md section 4 step 2 (length)',
      headerOnly(frame({ kind: 0, request_id: 0x41, command: 0x0101 }), { length: 65537 }),
      oversize,
    );
    // Lengths with the top bit set must compare as unsigned 32-bit numbers.
    for (const length of [0x80000000, 0xffffffff]) {
      rejectedThenGood(
        `oversize length 0x${length.toString(16)} compares unsigned`,
        'docs/protocol.md section 2 (length is u32) and section 4 step 2',
        headerOnly(frame({ kind: 0, request_id: 0x43, command: 0x0101 }), { length }),
        oversize,
      );
    }
    // A frame that would be valid at max_payload 65536 but announces 300 bytes at max_payload 256.
    const big = frame({ kind: 1, request_id: 0x42, command: 0x0101, payload: randNoMagic(300) });
    rejectedThenGood(
      'oversize length 300 at max_payload 256',
      'docs/protocol.md section 4 step 2 (length against a lowered max_payload)',
      encode(big),
      {
        maxPayload: 256,
        expect: { frames: 1, oversize_errors: 1, crc_errors: 0, garbage_bytes: 324, pending: 0 },
      },
    );
    // The same frame is fine at the full maximum.
    decodeCase('payload of 300 bytes at max_payload 65536', 'docs/protocol.md section 2', [
      good(big),
    ]);
  }

  {
    // Check order (section 4 step 2): only the first failing check counts.
    const f = frame({ kind: 0, request_id: 0x51, command: 0x0101, payload: randNoMagic(4) });
    const order = 'docs/protocol.md section 4 step 2 (order)';
    rejectedThenGood(
      'bad hcheck and version 2 count as a header error only',
      order,
      encode(f, { version: 2, hcheckXor: 0x0001 }),
      {
        expect: { frames: 1, header_errors: 1, version_errors: 0, garbage_bytes: 28, pending: 0 },
      },
    );
    rejectedThenGood(
      'version 3 and oversize count as a version error only',
      order,
      headerOnly(f, { version: 3, length: 70000 }),
      {
        expect: { frames: 1, version_errors: 1, oversize_errors: 0, garbage_bytes: 20, pending: 0 },
      },
    );
  }

  {
    // A rejected frame whose payload carries a whole valid frame: rescanning after the CRC
    // failure finds the inner frame, then drops the rest of the outer frame.
    const inner = frame({ kind: 2, request_id: 0, command: 0x0803, payload: randNoMagic(5) });
    const outer = encode(
      frame({
        kind: 1,
        request_id: 0x61,
        command: 0x0101,
        payload: [0x01, 0x02, ...encode(inner), 0x03],
      }),
      { crcXor: 0x80000000 },
    );
    assertNoMagic('frame inside a rejected frame (outer header)', outer.slice(1, 22));
    decodeCase(
      'valid frame inside the payload of a rejected frame',
      'docs/protocol.md section 4 step 3 (rescan from p + 1)',
      [{ bytes: outer, frames: [inner] }, goodAfter()],
      { expect: { frames: 2, crc_errors: 1, pending: 0 } },
    );
  }

  // Ends of input.
  decodeCase(
    'lone A5 at the very end stays pending',
    'docs/protocol.md section 4 step 1',
    [goodFrame({ kind: 1, request_id: 4, command: 0x0101 }), junk([0xa5])],
    { expect: { frames: 1, garbage_bytes: 0, pending: 1 } },
  );
  decodeCase(
    'A5 A5 5A: the first A5 is garbage',
    'docs/protocol.md section 4 step 1',
    [junk([0xa5]), goodFrame({ kind: 0, request_id: 8, command: 0x0101, payload: [0x5a] })],
    { expect: { frames: 1, garbage_bytes: 1, pending: 0 } },
  );
  decodeCase(
    'bare A5 A5 5A keeps A5 5A pending',
    'docs/protocol.md section 4 steps 1-2',
    [junk([0xa5, 0xa5, 0x5a])],
    { expect: { frames: 0, garbage_bytes: 1, pending: 2 } },
  );
  decodeCase('empty input', 'docs/protocol.md section 4', [], {
    expect: { frames: 0, garbage_bytes: 0, pending: 0 },
  });
  decodeCase('only garbage', 'docs/protocol.md section 4 step 1', [junk(randNoMagic(64))], {
    expect: { frames: 0, garbage_bytes: 64, pending: 0 },
  });
}
