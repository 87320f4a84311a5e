/**
 * The emulated token's PINs and logins (TOKEN_GET_INFO, INIT, LOGIN, LOGOUT, INIT_PIN, SET_PIN)
 * over real sockets: PIN lengths, try counters and their flags, locking and unlocking, tickets
 * and their lifetime, and malformed requests that change nothing.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command, KeyType, TokenFlags } from '../../src/protocol/constants.generated.ts';
import {
  NO_TICKET,
  SO,
  SO_PIN,
  USER,
  USER_PIN,
  createObject,
  expectStatus,
  list,
  provision,
  tokenInfo,
  utf8,
  withTestbed,
  type RawClient,
} from './fixtures/token_device.ts';

const login = (client: RawClient, userType: number, pin: Uint8Array) =>
  client.call(Command.TOKEN_LOGIN, { user_type: userType, pin });

void test('a new token: not initialized, full tries, empty store, then TOKEN_INIT', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    const before = await tokenInfo(client);
    assert.equal(before['label'], '');
    assert.equal(before['flags'], 0);
    assert.equal(before['user_tries_left'], 5);
    assert.equal(before['so_tries_left'], 5);
    assert.equal(before['max_tries'], 5);
    assert.equal(before['objects'], 0);
    assert.equal(before['free_bytes'], 64 * 1024 * 1024);
    assert.equal(typeof before['generation'], 'bigint');
    expectStatus(await login(client, SO, SO_PIN), 'ERR_TOKEN_NOT_INITIALIZED');
    expectStatus(await login(client, USER, USER_PIN), 'ERR_TOKEN_NOT_INITIALIZED');
    expectStatus(
      await client.call(Command.TOKEN_SET_PIN, { user_type: SO, old_pin: SO_PIN, new_pin: SO_PIN }),
      'ERR_TOKEN_NOT_INITIALIZED',
    );

    // Labels are 1..32 bytes (UTF-8 bytes, not characters); PINs 4..64 bytes.
    for (const label of ['', 'x'.repeat(33), 'é'.repeat(17)]) {
      expectStatus(
        await client.call(Command.TOKEN_INIT, { so_pin: SO_PIN, label }),
        'ERR_INVALID_ARG',
        JSON.stringify(label),
      );
    }
    for (const pin of [utf8('123'), new Uint8Array(65), new Uint8Array(0)]) {
      expectStatus(
        await client.call(Command.TOKEN_INIT, { so_pin: pin, label: 'x' }),
        'ERR_PIN_LEN_RANGE',
      );
    }
    assert.equal((await tokenInfo(client))['flags'], 0, 'refused inits changed nothing');

    expectStatus(
      await client.call(Command.TOKEN_INIT, {
        so_pin: new Uint8Array(64).fill(0xff),
        label: 'é'.repeat(16),
      }),
      'OK',
    );
    const after = await tokenInfo(client);
    assert.equal(after['label'], 'é'.repeat(16));
    assert.equal(after['flags'], TokenFlags.INITIALIZED);
    expectStatus(await login(client, USER, USER_PIN), 'ERR_PIN_NOT_INITIALIZED');
    expectStatus(await login(client, SO, new Uint8Array(64).fill(0xff)), 'OK');
  });
});

void test('wrong PINs count down to locked, with COUNT_LOW, FINAL_TRY and LOCKED', async () => {
  await withTestbed({ model: 'zymkey4' }, async (_bed, client) => {
    await provision(client);
    const wrong = utf8('0000');
    const flagsOf = async (): Promise<number> => (await tokenInfo(client))['flags'] as number;
    const userBits = TokenFlags.USER_COUNT_LOW | TokenFlags.USER_FINAL_TRY | TokenFlags.USER_LOCKED;

    // A wrong length is refused without using a try.
    expectStatus(await login(client, USER, utf8('123')), 'ERR_PIN_LEN_RANGE');
    expectStatus(await login(client, USER, new Uint8Array(65)), 'ERR_PIN_LEN_RANGE');
    assert.equal((await tokenInfo(client))['user_tries_left'], 5);

    // One wrong, then right: the counter is restored.
    expectStatus(await login(client, USER, wrong), 'ERR_PIN_INCORRECT');
    assert.equal((await flagsOf()) & userBits, TokenFlags.USER_COUNT_LOW);
    assert.equal((await tokenInfo(client))['user_tries_left'], 4);
    expectStatus(await login(client, USER, USER_PIN), 'OK');
    assert.equal((await flagsOf()) & userBits, 0);
    assert.equal((await tokenInfo(client))['user_tries_left'], 5);

    for (let left = 4; left >= 1; left--) {
      expectStatus(await login(client, USER, wrong), 'ERR_PIN_INCORRECT', `${left} left`);
      const info = await tokenInfo(client);
      assert.equal(info['user_tries_left'], left);
      const flags = info['flags'] as number;
      assert.equal(
        flags & userBits,
        TokenFlags.USER_COUNT_LOW | (left === 1 ? TokenFlags.USER_FINAL_TRY : 0),
      );
    }
    // The wrong PIN that uses the last try is still "incorrect"; then the PIN is locked.
    expectStatus(await login(client, USER, wrong), 'ERR_PIN_INCORRECT');
    assert.equal((await flagsOf()) & userBits, TokenFlags.USER_COUNT_LOW | TokenFlags.USER_LOCKED);
    expectStatus(await login(client, USER, USER_PIN), 'ERR_PIN_LOCKED', 'right PIN, locked');
    expectStatus(await login(client, USER, wrong), 'ERR_PIN_LOCKED');
    expectStatus(
      await client.call(Command.TOKEN_SET_PIN, {
        user_type: USER,
        old_pin: USER_PIN,
        new_pin: utf8('9999'),
      }),
      'ERR_PIN_LOCKED',
    );
    assert.equal((await tokenInfo(client))['user_tries_left'], 0);
    // The SO's counter is separate.
    assert.equal((await tokenInfo(client))['so_tries_left'], 5);

    // The SO unlocks the user PIN with TOKEN_INIT_PIN.
    const so = (await login(client, SO, SO_PIN)).out['ticket'] as Uint8Array;
    expectStatus(
      await client.call(Command.TOKEN_INIT_PIN, { ticket: so, pin: utf8('4321') }),
      'OK',
    );
    const info = await tokenInfo(client);
    assert.equal(info['user_tries_left'], 5);
    assert.equal((info['flags'] as number) & userBits, 0);
    assert.ok((info['flags'] as number) & TokenFlags.USER_PIN_SET);
    expectStatus(await login(client, USER, USER_PIN), 'ERR_PIN_INCORRECT', 'old PIN is gone');
    expectStatus(await login(client, USER, utf8('4321')), 'OK');
  });
});

void test('a locked SO PIN is permanent: no login, no re-initialization', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    await provision(client);
    const soBits = TokenFlags.SO_COUNT_LOW | TokenFlags.SO_FINAL_TRY | TokenFlags.SO_LOCKED;
    // Wrong SO PINs count through TOKEN_INIT as well as TOKEN_LOGIN.
    expectStatus(
      await client.call(Command.TOKEN_INIT, { so_pin: utf8('nope'), label: 'x' }),
      'ERR_PIN_INCORRECT',
    );
    for (let i = 0; i < 3; i++)
      expectStatus(await login(client, SO, utf8('nope')), 'ERR_PIN_INCORRECT');
    let info = await tokenInfo(client);
    assert.equal(info['so_tries_left'], 1);
    assert.equal(
      (info['flags'] as number) & soBits,
      TokenFlags.SO_COUNT_LOW | TokenFlags.SO_FINAL_TRY,
    );
    expectStatus(
      await client.call(Command.TOKEN_SET_PIN, {
        user_type: SO,
        old_pin: utf8('nope'),
        new_pin: utf8('abcd'),
      }),
      'ERR_PIN_INCORRECT',
    );
    info = await tokenInfo(client);
    assert.equal(info['so_tries_left'], 0);
    assert.equal(
      (info['flags'] as number) & soBits,
      TokenFlags.SO_COUNT_LOW | TokenFlags.SO_LOCKED,
    );
    expectStatus(await login(client, SO, SO_PIN), 'ERR_PIN_LOCKED');
    expectStatus(
      await client.call(Command.TOKEN_INIT, { so_pin: SO_PIN, label: 'again' }),
      'ERR_PIN_LOCKED',
    );
    assert.equal((await tokenInfo(client))['label'], 'zkbridge', 'nothing was re-initialized');
    // The user PIN still works.
    expectStatus(await login(client, USER, USER_PIN), 'OK');
  });
});

void test('TOKEN_SET_PIN for both roles; TOKEN_INIT_PIN needs an SO ticket', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    const { so, user } = await provision(client);
    const setPin = (userType: number, oldPin: Uint8Array, newPin: Uint8Array) =>
      client.call(Command.TOKEN_SET_PIN, { user_type: userType, old_pin: oldPin, new_pin: newPin });
    expectStatus(await setPin(USER, USER_PIN, utf8('123')), 'ERR_PIN_LEN_RANGE', 'new too short');
    expectStatus(
      await setPin(USER, utf8('123'), utf8('12345')),
      'ERR_PIN_LEN_RANGE',
      'old too short',
    );
    assert.equal((await tokenInfo(client))['user_tries_left'], 5, 'length errors use no try');
    expectStatus(await setPin(USER, utf8('0000'), utf8('12345')), 'ERR_PIN_INCORRECT');
    assert.equal((await tokenInfo(client))['user_tries_left'], 4);
    expectStatus(await setPin(USER, USER_PIN, utf8('new user pin')), 'OK');
    assert.equal((await tokenInfo(client))['user_tries_left'], 5, 'a right PIN restores the tries');
    expectStatus(await login(client, USER, USER_PIN), 'ERR_PIN_INCORRECT');
    expectStatus(await login(client, USER, utf8('new user pin')), 'OK');

    expectStatus(await setPin(SO, SO_PIN, utf8('new so pin')), 'OK');
    expectStatus(await login(client, SO, SO_PIN), 'ERR_PIN_INCORRECT');
    expectStatus(await login(client, SO, utf8('new so pin')), 'OK');

    // Tickets survive PIN changes.
    const objects = await list(client, user);
    assert.deepEqual(objects.objects, []);
    // INIT_PIN: a USER ticket, zeros or garbage are not an SO ticket.
    for (const ticket of [user, NO_TICKET, new Uint8Array(16).fill(7)]) {
      expectStatus(
        await client.call(Command.TOKEN_INIT_PIN, { ticket, pin: utf8('5555') }),
        'ERR_NOT_LOGGED_IN',
      );
    }
    expectStatus(
      await client.call(Command.TOKEN_INIT_PIN, { ticket: so, pin: utf8('555') }),
      'ERR_PIN_LEN_RANGE',
    );
    expectStatus(
      await client.call(Command.TOKEN_INIT_PIN, { ticket: so, pin: new Uint8Array(64) }),
      'OK',
    );
    expectStatus(await login(client, USER, new Uint8Array(64)), 'OK');
  });
});

void test('tickets: logout, any connection may use one, they die with their connection', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    await provision(client);
    const other = await bed.connect();
    const third = await bed.connect();
    // A ticket obtained on `other` works on `client`.
    const ticket = (await login(other, USER, USER_PIN)).out['ticket'] as Uint8Array;
    assert.equal(ticket.length, 16);
    const handle = await createObject(client, { ticket, private: true });
    assert.deepEqual(
      (await list(third, ticket)).objects.map((o) => o.handle),
      [handle],
    );
    // Logout: the ticket is gone everywhere; logging out twice is an error.
    expectStatus(await client.call(Command.TOKEN_LOGOUT, { ticket }), 'OK');
    expectStatus(await client.call(Command.TOKEN_LOGOUT, { ticket }), 'ERR_NOT_LOGGED_IN');
    expectStatus(
      await client.call(Command.TOKEN_LOGOUT, { ticket: NO_TICKET }),
      'ERR_NOT_LOGGED_IN',
    );
    assert.deepEqual((await list(third, ticket)).objects, [], 'a revoked ticket lists public only');

    // Two logins give two tickets; closing their connection revokes both, not others'.
    const a = (await login(other, USER, USER_PIN)).out['ticket'] as Uint8Array;
    const b = (await login(other, SO, SO_PIN)).out['ticket'] as Uint8Array;
    const mine = (await login(client, USER, USER_PIN)).out['ticket'] as Uint8Array;
    assert.notDeepEqual(a, mine);
    await other.close();
    // The device notices the close asynchronously; poll until the tickets are gone.
    const deadline = Date.now() + 5000;
    while ((await list(client, a)).objects.length > 0) {
      assert.ok(Date.now() < deadline, 'ticket survived its connection');
      await new Promise((r) => setTimeout(r, 20));
    }
    expectStatus(await client.call(Command.TOKEN_LOGOUT, { ticket: a }), 'ERR_NOT_LOGGED_IN');
    expectStatus(
      await client.call(Command.TOKEN_INIT_PIN, { ticket: b, pin: USER_PIN }),
      'ERR_NOT_LOGGED_IN',
    );
    assert.equal((await list(third, mine)).objects.length, 1, 'other tickets stay');
  });
});

void test('TOKEN_INIT wipes objects and revokes tickets but keeps the keys', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    const { so, user } = await provision(client);
    const slot = (await client.call(Command.GEN_KEY_PAIR, { key_type: KeyType.ED25519 })).out[
      'slot'
    ] as number;
    await createObject(client, { ticket: user, private: true, binding: 1, slot });
    await createObject(client, { attrs: utf8('public') });
    const before = await list(client, user);
    assert.equal(before.objects.length, 2);

    expectStatus(await client.call(Command.TOKEN_INIT, { so_pin: SO_PIN, label: 'fresh' }), 'OK');
    const info = await tokenInfo(client);
    assert.equal(info['label'], 'fresh');
    assert.equal(info['flags'], TokenFlags.INITIALIZED, 'the user PIN is gone');
    assert.equal(info['objects'], 0);
    const after = await list(client);
    assert.deepEqual(after.objects, []);
    assert.deepEqual(after.keys, before.keys, 'keys stay');
    for (const ticket of [so, user]) {
      expectStatus(await client.call(Command.TOKEN_LOGOUT, { ticket }), 'ERR_NOT_LOGGED_IN');
    }
    expectStatus(await login(client, USER, USER_PIN), 'ERR_PIN_NOT_INITIALIZED');
    expectStatus(await login(client, SO, SO_PIN), 'OK', 'the SO PIN is unchanged');
    // A handle is never reused, even after a wipe.
    const next = await createObject(client, {});
    assert.ok(next > Math.max(...before.objects.map((o) => o.handle)));
  });
});

void test('malformed token requests are ERR_INVALID_ARG and change nothing', async () => {
  await withTestbed({ model: 'hsm6' }, async (bed, client) => {
    const { user } = await provision(client);
    const generation = (await tokenInfo(client))['generation'];
    const blob = (b: Uint8Array): Uint8Array => {
      const out = new Uint8Array(4 + b.length);
      new DataView(out.buffer).setUint32(0, b.length);
      out.set(b, 4);
      return out;
    };
    const cat = (...parts: Uint8Array[]): Uint8Array =>
      Uint8Array.from(parts.flatMap((p) => [...p]));
    const cases: [number, Uint8Array][] = [
      [Command.TOKEN_GET_INFO, Uint8Array.of(0)],
      [Command.TOKEN_INIT, blob(SO_PIN)], // label missing
      [Command.TOKEN_INIT, cat(blob(SO_PIN), Uint8Array.of(0, 1, 0xff))], // bad UTF-8
      [Command.TOKEN_INIT, cat(Uint8Array.of(0, 0, 0, 99), SO_PIN)], // blob length past end
      [Command.TOKEN_LOGIN, cat(Uint8Array.of(2), blob(USER_PIN))], // user_type 2
      [Command.TOKEN_LOGIN, cat(Uint8Array.of(1), blob(USER_PIN), Uint8Array.of(0))], // trailing
      [Command.TOKEN_LOGIN, cat(Uint8Array.of(1), blob(utf8('0000')).subarray(0, 6))], // truncated
      [Command.TOKEN_LOGOUT, user.subarray(0, 15)],
      [Command.TOKEN_LOGOUT, cat(user, Uint8Array.of(0))],
      [Command.TOKEN_INIT_PIN, user],
      [Command.TOKEN_SET_PIN, cat(Uint8Array.of(1), blob(USER_PIN))],
      [Command.TOKEN_SET_PIN, cat(Uint8Array.of(9), blob(USER_PIN), blob(utf8('abcd')))],
      [Command.TOKEN_LIST, new Uint8Array(0)],
      [Command.TOKEN_LIST, new Uint8Array(17)],
      [Command.TOKEN_CREATE_OBJECT, cat(user, Uint8Array.of(2, 0, 0, 0, 0, 0))], // private 2
      [Command.TOKEN_CREATE_OBJECT, cat(user, Uint8Array.of(0, 3, 0, 0, 0, 16))], // binding 3
      [Command.TOKEN_CREATE_OBJECT, cat(user, Uint8Array.of(0, 0, 0, 0))], // slot truncated
      [Command.TOKEN_SET_OBJECT, cat(user, Uint8Array.of(0, 0, 0, 1, 5))], // private 5
      [Command.TOKEN_SET_OBJECT, cat(user, Uint8Array.of(0, 0, 1))], // handle truncated
      [Command.TOKEN_DESTROY_OBJECT, cat(user, Uint8Array.of(0, 0, 0, 1, 0))], // trailing
      [Command.VERIFY_EDDSA_WITH_PUBKEY, new Uint8Array(95)],
    ];
    for (const [command, payload] of cases) {
      const answer = await client.send(command, payload);
      assert.equal(
        answer.status,
        0x0201,
        `${command.toString(16)} ${Buffer.from(payload).toString('hex')}`,
      );
      assert.equal(answer.payload.length, 0);
    }
    const info = await tokenInfo(client);
    assert.equal(info['generation'], generation, 'nothing changed');
    assert.equal(info['user_tries_left'], 5);
    assert.equal(info['objects'], 0);
    expectStatus(await client.call(Command.TOKEN_LOGOUT, { ticket: user }), 'OK', 'ticket intact');
    assert.deepEqual(bed.device.internalErrors, []);
  });
});

void test('pipelined PIN checks count every try; a pipelined INIT revokes before the next change', async () => {
  await withTestbed({ model: 'hsm6' }, async (_bed, client) => {
    const { user } = await provision(client);
    const wrong = utf8('0000');
    const answers = await Promise.all(Array.from({ length: 7 }, () => login(client, USER, wrong)));
    assert.deepEqual(
      answers.map((a) => a.status),
      [0x1001, 0x1001, 0x1001, 0x1001, 0x1001, 0x1002, 0x1002],
      'five tries, in order, then locked',
    );
    assert.equal((await tokenInfo(client))['user_tries_left'], 0);

    // TOKEN_INIT and a private object with an old USER ticket, sent together: the ticket is
    // revoked before the object is considered, so nothing survives the wipe.
    const [init, create, afterWipe] = await Promise.all([
      client.call(Command.TOKEN_INIT, { so_pin: SO_PIN, label: 'again' }),
      client.call(Command.TOKEN_CREATE_OBJECT, {
        ticket: user,
        private: true,
        binding: 0,
        slot: 0,
        attrs: utf8('late'),
      }),
      client.call(Command.TOKEN_CREATE_OBJECT, {
        ticket: NO_TICKET,
        private: false,
        binding: 0,
        slot: 0,
        attrs: utf8('after the wipe'),
      }),
    ]);
    expectStatus(init, 'OK');
    expectStatus(create, 'ERR_NOT_LOGGED_IN');
    expectStatus(afterWipe, 'OK');
    const objects = (await list(client)).objects;
    assert.deepEqual(
      objects.map((o) => o.attrs),
      [utf8('after the wipe')],
    );
  });
});
