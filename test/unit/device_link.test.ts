/**
 * The device service and the client link, over real sockets, with a scripted engine: HELLO,
 * fragmentation both ways, pipelining across many clients without crossed answers, limits,
 * timeouts, disconnects, and hostile bytes that must not hurt the service.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDecoder, encodeFrame } from '../../src/native/index.ts';
import { Command, Status } from '../../src/protocol/constants.generated.ts';
import { encodeRequest } from '../../src/protocol/payload_codec.ts';
import type { DeviceEngine, Reply } from '../../src/emulator/engine.ts';
import { DeviceServer } from '../../src/emulator/server.ts';
import { DeviceConnection } from '../../src/provider/connection.ts';
import { DeviceError } from '../../src/provider/errors.ts';

const ECHO = Command.GET_RANDOM; // any catalogue command: the scripted engine echoes
const SLOW = Command.GET_TIME; // never answered unless released
const FACTS = {
  model: 'HSM6',
  serial: 'TEST-0001',
  firmware: '01.02.02release',
  features: 1,
  factorySlots: 16,
  keySlots: 512,
  foreignSlots: 128,
  curves: 0xf,
};

/** Echoes payloads reversed after a short random delay; parks SLOW requests until released. */
function scriptedEngine(): DeviceEngine & { release(): void } {
  let parked: (() => void)[] = [];
  return {
    facts: () => FACTS,
    async execute(command, payload): Promise<Reply> {
      if (command === SLOW) {
        await new Promise<void>((resolve) => parked.push(resolve));
        return { status: Status.OK, payload: new Uint8Array(0) };
      }
      await sleep(Math.random() * 3);
      return { status: Status.OK, payload: payload.slice().reverse() };
    },
    release() {
      for (const r of parked) r();
      parked = [];
    },
  };
}

async function withService(
  fn: (
    path: string,
    engine: ReturnType<typeof scriptedEngine>,
    server: DeviceServer,
  ) => Promise<void>,
  limits?: { maxInFlight: number; maxPayload: number; maxMessage: number },
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zkb-link-'));
  const path = join(dir, 'sock', 'device.sock');
  const engine = scriptedEngine();
  const server = await DeviceServer.start({
    engine,
    socketPath: path,
    ...(limits ? { limits } : {}),
  });
  try {
    await fn(path, engine, server);
  } finally {
    engine.release();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The HELLO request of a raw client. */
const RAW_HELLO = (): Uint8Array =>
  encodeRequest(Command.HELLO, {
    min_version: 1,
    max_version: 1,
    max_payload: 65536,
    max_message: 1 << 24,
    client_name: 'raw',
  });

/** A raw client: writes bytes, collects decoded response frames. */
async function rawClient(path: string) {
  const socket = createConnection(path);
  await new Promise((resolve) => socket.once('connect', resolve));
  const decoder = createDecoder();
  const frames: ReturnType<typeof decoder.push> = [];
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  return {
    socket,
    frames,
    send(requestId: number, command: number, payload: Uint8Array = new Uint8Array(0)) {
      socket.write(encodeFrame({ kind: 0, requestId, command, payload }));
    },
    async waitFor(count: number) {
      for (let i = 0; i < 200 && frames.length < count; i++) await sleep(5);
      return frames;
    },
  };
}

void test('HELLO reports the device and the agreed limits; the socket is owner-only', async () => {
  await withService(async (path) => {
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const link = await DeviceConnection.open({ kind: 'unix', path });
    assert.equal(link.hello.model, 'HSM6');
    assert.equal(link.hello.serial, 'TEST-0001');
    assert.equal(link.hello.maxPayload, 65536);
    assert.equal(link.hello.curves, 0xf);
    await link.close();
  });
});

void test('large messages cross fragmented in both directions', async () => {
  await withService(async (path) => {
    const link = await DeviceConnection.open({ kind: 'unix', path });
    const big = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    const echoed = await link.request(Command.PING, big);
    assert.deepEqual(echoed, big);
    const reversed = await link.request(ECHO, big);
    assert.deepEqual(reversed, big.slice().reverse());
    await link.close();
  });
});

void test('32 clients x 1000 pipelined requests: every answer reaches its own request', async () => {
  await withService(async (path) => {
    const links = await Promise.all(
      Array.from({ length: 32 }, () => DeviceConnection.open({ kind: 'unix', path })),
    );
    let checked = 0;
    await Promise.all(
      links.map(async (link, c) => {
        await Promise.all(
          Array.from({ length: 1000 }, async (_, i) => {
            const tag = new Uint8Array([c, i & 0xff, i >> 8, 0xee]);
            const out = await link.request(ECHO, tag);
            assert.deepEqual(out, tag.slice().reverse());
            checked++;
          }),
        );
      }),
    );
    assert.equal(checked, 32_000);
    await Promise.all(links.map((l) => l.close()));
  });
});

void test('requests before HELLO, unknown commands and reused ids get status codes', async () => {
  await withService(async (path) => {
    const raw = await rawClient(path);
    raw.send(1, ECHO);
    raw.send(2, Command.PING, Uint8Array.of(9));
    raw.send(3, Command.HELLO, RAW_HELLO());
    raw.send(4, 0x7777);
    raw.send(5, Command.HELLO, new Uint8Array(3));
    raw.send(6, SLOW);
    raw.send(6, SLOW);
    const frames = await raw.waitFor(6);
    const byId = new Map(
      frames.map((f) => [
        f.requestId * 10 + (f.status === Status.ERR_REQUEST_ID_IN_USE ? 1 : 0),
        f.status,
      ]),
    );
    assert.equal(byId.get(10), Status.ERR_SESSION_STATE);
    assert.equal(byId.get(20), Status.OK);
    assert.equal(byId.get(30), Status.OK);
    assert.equal(byId.get(40), Status.ERR_UNKNOWN_COMMAND);
    assert.equal(byId.get(50), Status.ERR_SESSION_STATE); // a second HELLO
    assert.equal(byId.get(61), Status.ERR_REQUEST_ID_IN_USE);
    raw.socket.destroy();
  });
});

void test('garbage, bad CRCs and abrupt disconnects do not hurt the service', async () => {
  await withService(async (path, _engine, server) => {
    for (let round = 0; round < 20; round++) {
      const raw = await rawClient(path);
      const junk = new Uint8Array(5000).map(() => (Math.random() * 256) | 0);
      const frame = encodeFrame({
        kind: 0,
        requestId: round,
        command: Command.PING,
        payload: junk.subarray(0, 100),
      });
      frame[40] = (frame[40] ?? 0) ^ 1; // bad CRC
      raw.socket.write(junk);
      raw.socket.write(frame);
      raw.socket.write(frame.subarray(0, 30)); // a truncated frame, then hang up
      raw.socket.destroy();
    }
    const link = await DeviceConnection.open({ kind: 'unix', path });
    assert.deepEqual(await link.request(Command.PING, Uint8Array.of(1, 2)), Uint8Array.of(1, 2));
    await link.close();
    for (let i = 0; i < 100 && server.connections > 0; i++) await sleep(5);
    assert.equal(server.connections, 0);
  });
});

void test('the in-flight limit: the client queues, a raw client gets ERR_BUSY', async () => {
  await withService(
    async (path, engine) => {
      const link = await DeviceConnection.open({ kind: 'unix', path });
      assert.equal(link.hello.maxInFlight, 4);
      const slow = Array.from({ length: 6 }, () => link.request(SLOW, new Uint8Array(0), 0));
      await sleep(20);
      assert.equal(link.inFlight, 6);
      // Release parked requests until all six are answered (the last two arrive only after
      // the first four free their places, however long the machine takes).
      let settled = false;
      const all = Promise.all(slow).finally(() => {
        settled = true;
      });
      while (!settled) {
        engine.release();
        await sleep(5);
      }
      await all;
      await link.close();

      const raw = await rawClient(path);
      raw.send(1, Command.HELLO, RAW_HELLO());
      for (let id = 2; id < 8; id++) raw.send(id, SLOW);
      const frames = await raw.waitFor(3);
      assert.deepEqual(
        frames.slice(1).map((f) => f.status),
        [Status.ERR_BUSY, Status.ERR_BUSY],
      );
      raw.socket.destroy();
    },
    { maxInFlight: 4, maxPayload: 65536, maxMessage: 1 << 24 },
  );
});

void test('timeouts fail one request; a lost service fails all in flight', async () => {
  await withService(async (path, _engine, server) => {
    const link = await DeviceConnection.open({ kind: 'unix', path });
    await assert.rejects(
      link.request(SLOW, new Uint8Array(0), 50),
      (e: unknown) => e instanceof DeviceError && e.code === 'ERR_DEVICE_TIMEOUT',
    );
    assert.deepEqual(await link.request(Command.PING, Uint8Array.of(5)), Uint8Array.of(5));
    const pending = assert.rejects(
      link.request(SLOW, new Uint8Array(0), 0),
      (e: unknown) => e instanceof DeviceError && e.code === 'ERR_DEVICE_DISCONNECTED',
    );
    await sleep(10);
    await server.close();
    await pending;
    await assert.rejects(link.request(Command.PING, new Uint8Array(0)), DeviceError);
  });
});

void test('a second service on a live socket is refused; a stale socket file is replaced', async () => {
  await withService(async (path) => {
    await assert.rejects(
      DeviceServer.start({ engine: scriptedEngine(), socketPath: path }),
      /already listens/,
    );
  });
});
