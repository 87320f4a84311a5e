/**
 * The store generation and STORE_CHANGED: which requests change the generation, that the event
 * reaches every connection before the changing request's response (exactly, on in-memory
 * sessions; as received, on sockets), SET_EVENT_MASK, and that the Node client ignores events.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmulatedDevice } from '../../src/emulator/device.ts';
import { Command, EventMask, KeyType, Status } from '../../src/protocol/constants.generated.ts';
import { decodeEvent } from '../../src/protocol/payload_codec.ts';
import { Device } from '../../src/provider/device.ts';
import {
  MemoryConnection,
  NO_TICKET,
  SO,
  USER,
  USER_PIN,
  createObject,
  list,
  provision,
  tokenInfo,
  utf8,
  withTestbed,
  type LogEntry,
} from './fixtures/token_device.ts';

void test('every change raises the generation and announces it; reads and refusals do not', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const watcher = await bed.connect();
    const generation = async (): Promise<bigint> =>
      (await tokenInfo(client))['generation'] as bigint;
    const start = await generation();
    // The base comes from the clock: (seconds since the epoch) << 20, or later.
    assert.ok(start >= BigInt(Math.floor(Date.now() / 1000) - 60) << 20n);

    /** Runs a request; checks whether it changed the generation and what the watcher got. */
    const expectChange = async (
      what: string,
      changes: boolean,
      run: () => Promise<unknown>,
      command?: number,
    ): Promise<void> => {
      const before = await generation();
      const seen = watcher.received.length;
      await run();
      const after = await generation();
      if (!changes) {
        assert.equal(after, before, `${what}: no change`);
        await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(watcher.events(seen), [], `${what}: no event`);
        return;
      }
      assert.equal(after, before + 1n, `${what}: one change`);
      await watcher.until(() => watcher.events(seen).length > 0);
      assert.deepEqual(watcher.events(seen), [{ generation: after, command }], what);
    };

    let slot = 0;
    await expectChange(
      'GEN_KEY_PAIR',
      true,
      async () => {
        slot = (await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 })).out[
          'slot'
        ] as number;
      },
      Command.GEN_KEY_PAIR,
    );
    await expectChange('GEN_EPHEMERAL_KEY_PAIR', false, () =>
      client.call(Command.GEN_EPHEMERAL_KEY_PAIR, { key_type: KeyType.P256 }),
    );
    await expectChange('SIGN_DIGEST', false, () =>
      client.call(Command.SIGN_DIGEST, { slot, digest: new Uint8Array(32) }),
    );
    await expectChange(
      'DISABLE_PUBKEY_EXPORT',
      true,
      () => client.call(Command.DISABLE_PUBKEY_EXPORT, { slot, foreign: false }),
      Command.DISABLE_PUBKEY_EXPORT,
    );
    await expectChange('DISABLE_PUBKEY_EXPORT again (no change)', false, () =>
      client.call(Command.DISABLE_PUBKEY_EXPORT, { slot, foreign: false }),
    );
    let foreign = 0;
    await expectChange(
      'STORE_FOREIGN_PUBKEY',
      true,
      async () => {
        const pub = (await client.call(Command.EXPORT_PUBKEY, { slot: 0, foreign: false })).out[
          'public_key'
        ] as Uint8Array;
        foreign = (
          await client.call(Command.STORE_FOREIGN_PUBKEY, {
            key_type: KeyType.P256,
            public_key: pub,
          })
        ).out['slot'] as number;
      },
      Command.STORE_FOREIGN_PUBKEY,
    );
    await expectChange(
      'REMOVE_KEY foreign',
      true,
      () => client.call(Command.REMOVE_KEY, { slot: foreign, foreign: true }),
      Command.REMOVE_KEY,
    );
    await expectChange(
      'REMOVE_KEY',
      true,
      () => client.call(Command.REMOVE_KEY, { slot, foreign: false }),
      Command.REMOVE_KEY,
    );
    await expectChange('REMOVE_KEY of an empty slot', false, () =>
      client.call(Command.REMOVE_KEY, { slot, foreign: false }),
    );
    await expectChange(
      'TOKEN_INIT',
      true,
      () => client.call(Command.TOKEN_INIT, { so_pin: utf8('sopin'), label: 'l' }),
      Command.TOKEN_INIT,
    );
    await expectChange('TOKEN_LOGIN with all tries left', false, () =>
      client.call(Command.TOKEN_LOGIN, { user_type: SO, pin: utf8('sopin') }),
    );
    await expectChange(
      'a wrong PIN',
      true,
      () => client.call(Command.TOKEN_LOGIN, { user_type: SO, pin: utf8('nope') }),
      Command.TOKEN_LOGIN,
    );
    let so: Uint8Array = NO_TICKET;
    await expectChange(
      'a right PIN after a wrong one (tries restored)',
      true,
      async () => {
        so = (await client.call(Command.TOKEN_LOGIN, { user_type: SO, pin: utf8('sopin') })).out[
          'ticket'
        ] as Uint8Array;
      },
      Command.TOKEN_LOGIN,
    );
    await expectChange('a PIN of a wrong length', false, () =>
      client.call(Command.TOKEN_LOGIN, { user_type: SO, pin: utf8('no') }),
    );
    await expectChange(
      'TOKEN_INIT_PIN',
      true,
      () => client.call(Command.TOKEN_INIT_PIN, { ticket: so, pin: USER_PIN }),
      Command.TOKEN_INIT_PIN,
    );
    await expectChange(
      'TOKEN_SET_PIN',
      true,
      () =>
        client.call(Command.TOKEN_SET_PIN, {
          user_type: USER,
          old_pin: USER_PIN,
          new_pin: utf8('abcd'),
        }),
      Command.TOKEN_SET_PIN,
    );
    await expectChange('TOKEN_LOGOUT', false, () =>
      client.call(Command.TOKEN_LOGOUT, { ticket: so }),
    );
    await expectChange('TOKEN_LIST', false, () => list(client));
    let handle = 0;
    await expectChange(
      'TOKEN_CREATE_OBJECT',
      true,
      async () => {
        handle = await createObject(client, {});
      },
      Command.TOKEN_CREATE_OBJECT,
    );
    await expectChange(
      'TOKEN_SET_OBJECT',
      true,
      () =>
        client.call(Command.TOKEN_SET_OBJECT, {
          ticket: NO_TICKET,
          handle,
          private: false,
          attrs: utf8('v2'),
        }),
      Command.TOKEN_SET_OBJECT,
    );
    await expectChange('TOKEN_SET_OBJECT refused', false, () =>
      client.call(Command.TOKEN_SET_OBJECT, {
        ticket: NO_TICKET,
        handle,
        private: true,
        attrs: utf8('v3'),
      }),
    );
    await expectChange(
      'TOKEN_DESTROY_OBJECT',
      true,
      () => client.call(Command.TOKEN_DESTROY_OBJECT, { ticket: NO_TICKET, handle }),
      Command.TOKEN_DESTROY_OBJECT,
    );
    // The mutator's own connection gets the events too.
    assert.ok(client.events().length >= 10);
  });
});

/** Runs `fn` with a device and two in-memory connections writing to one log. */
async function withMemoryConnections(
  fn: (a: MemoryConnection, b: MemoryConnection, log: LogEntry[]) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'zkb-token-mem-'));
  const device = await EmulatedDevice.open({ model: 'hsm6', stateDir: dir });
  const log: LogEntry[] = [];
  const a = new MemoryConnection(device, 'a', 1, log);
  const b = new MemoryConnection(device, 'b', 2, log);
  try {
    a.hello();
    b.hello();
    await new Promise((r) => setImmediate(r));
    log.length = 0;
    await fn(a, b, log);
    assert.deepEqual(device.internalErrors, []);
  } finally {
    a.session.close();
    b.session.close();
    await device.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until the log holds the responses to `ids` on connection `name`. */
async function responses(log: LogEntry[], name: string, ids: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (
    !ids.every((id) =>
      log.some((e) => e.connection === name && e.kind === 'response' && e.requestId === id),
    )
  ) {
    assert.ok(Date.now() < deadline, 'responses did not arrive');
    await new Promise((r) => setTimeout(r, 5));
  }
}

void test('STORE_CHANGED is written to every connection before the response (exact order)', async () => {
  await withMemoryConnections(async (a, b, log) => {
    // Pipelined changes from a, with reads from b in between.
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(a.send(Command.GEN_KEY_PAIR, { key_type: KeyType.ED25519 }));
      b.send(Command.GET_ALLOC_SLOTS, { foreign: false });
    }
    await responses(log, 'a', ids);
    // Each change has its own event on each connection, in generation order (pipelined changes
    // that share a sync are announced together, before the first of their responses).
    const eventsOf = (name: string) =>
      log
        .filter((e) => e.connection === name && e.kind === 'event')
        .map((e) => decodeEvent(e.command, e.payload));
    const generations = eventsOf('a').map((e) => e['generation'] as bigint);
    assert.equal(generations.length, ids.length);
    assert.deepEqual(
      eventsOf('b').map((e) => e['generation']),
      generations,
    );
    for (let i = 1; i < generations.length; i++) {
      assert.ok((generations[i] ?? 0n) > (generations[i - 1] ?? 0n), 'strictly increasing');
    }
    assert.ok(eventsOf('a').every((e) => e['command'] === Command.GEN_KEY_PAIR));
    // The k-th response comes after the k-th change's event, on both connections.
    ids.forEach((id, k) => {
      const at = log.findIndex(
        (e) => e.connection === 'a' && e.requestId === id && e.kind === 'response',
      );
      assert.equal(log[at]?.status, Status.OK);
      for (const name of ['a', 'b']) {
        const before = log.slice(0, at).filter((e) => e.connection === name && e.kind === 'event');
        assert.ok(before.length >= k + 1, `${name}: event ${k} precedes response ${k}`);
      }
    });
  });
});

void test('SET_EVENT_MASK keeps only the events the device sends; with STORE off, none arrives', async () => {
  await withMemoryConnections(async (a, b, log) => {
    const maskId = b.send(Command.SET_EVENT_MASK, { mask: 0x1f });
    await responses(log, 'b', [maskId]);
    const answer = log.find((e) => e.connection === 'b' && e.requestId === maskId);
    assert.equal(answer?.status, Status.OK);
    // Every event: STORE, and the policy events (issue 7), TAP included.
    const sent =
      EventMask.STORE | EventMask.LED | EventMask.RESET | EventMask.PERIMETER | EventMask.TAP;
    assert.deepEqual([...(answer?.payload ?? [])], [0, 0, 0, sent]);
    const off = b.send(Command.SET_EVENT_MASK, { mask: EventMask.TAP });
    await responses(log, 'b', [off]);
    assert.deepEqual([...(log.at(-1)?.payload ?? [])], [0, 0, 0, EventMask.TAP]);
    log.length = 0;

    const gen = a.send(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 });
    await responses(log, 'a', [gen]);
    assert.deepEqual(
      log.map((e) => [e.connection, e.kind]),
      [
        ['a', 'event'],
        ['a', 'response'],
      ],
      'b asked for no events',
    );
    // Back on: b gets them again.
    const on = b.send(Command.SET_EVENT_MASK, { mask: EventMask.STORE });
    await responses(log, 'b', [on]);
    log.length = 0;
    const again = a.send(Command.GEN_KEY_PAIR, { key_type: KeyType.P256 });
    await responses(log, 'a', [again]);
    assert.deepEqual(log.map((e) => [e.connection, e.kind]).sort(), [
      ['a', 'event'],
      ['a', 'response'],
      ['b', 'event'],
    ]);
    assert.equal(log.at(-1)?.kind, 'response');
  });
});

void test('over sockets: the other connection has the event before the mutator has its answer', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const watcher = await bed.connect();
    await provision(client);
    for (let i = 0; i < 10; i++) {
      const seen = watcher.received.length;
      const handle = await createObject(client, { attrs: utf8(`object ${i}`) });
      // The event was written before the response, so it is already in flight to the watcher.
      await watcher.until(() => watcher.events(seen).length > 0, 1000);
      const [event] = watcher.events(seen);
      const info = await tokenInfo(client);
      assert.equal(event?.['generation'], info['generation']);
      assert.equal(event?.['command'], Command.TOKEN_CREATE_OBJECT);
      assert.ok(handle > 0);
    }
    // On the mutator's own socket, the event comes right before its response.
    const seen = client.received.length;
    await createObject(client, {});
    const tail = client.received.slice(seen).map((r) => r.kind);
    assert.deepEqual(tail, ['event', 'response']);
  });
});

void test('the Node client and a pipelined key generation ignore STORE_CHANGED', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed) => {
    const device = await Device.connect({ address: `unix:${bed.socketPath}` });
    try {
      const slots = await Promise.all(
        Array.from({ length: 50 }, () => device.genKeyPair('ed25519')),
      );
      assert.equal(new Set(slots).size, 50);
      const answer = await device.call(Command.TOKEN_GET_INFO);
      assert.equal(typeof answer['generation'], 'bigint');
      await device.call(Command.TOKEN_CREATE_OBJECT, {
        ticket: NO_TICKET,
        private: false,
        binding: 1,
        slot: slots[0] ?? 0,
        attrs: utf8('x'),
      });
      await device.removeKey(slots[0] ?? 0);
      assert.equal((await device.call(Command.TOKEN_GET_INFO))['objects'], 0);
    } finally {
      await device.close();
    }
  });
});
