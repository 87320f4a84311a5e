/**
 * 32 clients x 1000 requests against one emulator process, each client keeping 32 requests in
 * flight, with a mix of commands whose answers prove they belong to their request: PING echoes
 * a unique payload, GET_RANDOM answers with the asked length, SIGN_DIGEST signs a unique digest
 * (checked with OpenSSL against the client's own key), EXPORT_PUBKEY returns the client's own
 * key. A response crossing to the wrong request, or a lost one, fails the test.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Command } from '../../src/protocol/constants.generated.ts';
import { Device } from '../../src/provider/device.ts';
import { startEmbedded, type EmbeddedEmulator } from '../../src/provider/embedded.ts';

const CLIENTS = 32;
const REQUESTS = 1000;
const DEPTH = 32;

let emulator: EmbeddedEmulator;
before(async () => {
  emulator = await startEmbedded({ model: 'hsm6' });
});
after(() => emulator.stop());

function publicKeyObject(raw: Uint8Array): KeyObject {
  const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const jwk = { kty: 'EC', crv: 'P-256', x: b64u(raw.slice(0, 32)), y: b64u(raw.slice(32)) };
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** One client's run: returns how many answers were checked. */
async function client(id: number): Promise<number> {
  const device = await Device.connect({ address: `unix:${emulator.socketPath}` });
  try {
    const slot = await device.genKeyPair('nistp256');
    const raw = await device.exportPubKey(slot);
    const key = { key: publicKeyObject(raw), dsaEncoding: 'ieee-p1363' } as const;
    let next = 0;
    let checked = 0;
    const one = async (n: number): Promise<void> => {
      const tag = `client ${id} request ${n}`;
      const unique = new TextEncoder().encode(tag);
      switch (n % 4) {
        case 0: {
          const answer = await device.call(Command.PING, { data: unique });
          assert.deepEqual(answer['data'], unique, tag);
          break;
        }
        case 1: {
          const length = 1 + ((id * 7 + n) % 200);
          assert.equal((await device.getRandBytes(length)).length, length, tag);
          break;
        }
        case 2: {
          const digest = new Uint8Array(createHash('sha256').update(unique).digest());
          const { signature } = await device.genECDSASigFromDigest(digest, slot);
          assert.ok(verify('sha256', unique, key, signature), `${tag}: signature`);
          break;
        }
        default:
          assert.deepEqual(await device.exportPubKey(slot), raw, tag);
      }
      checked++;
    };
    await Promise.all(
      Array.from({ length: DEPTH }, async () => {
        while (next < REQUESTS) await one(next++);
      }),
    );
    return checked;
  } finally {
    await device.close();
  }
}

void test(`${CLIENTS} clients x ${REQUESTS} pipelined requests: every answer is its own`, async () => {
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
  assert.deepEqual(
    counts,
    Array.from({ length: CLIENTS }, () => REQUESTS),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `concurrency: ${CLIENTS * REQUESTS} requests from ${CLIENTS} clients in ${seconds.toFixed(1)} s`,
  );
});
