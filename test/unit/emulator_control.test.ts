/**
 * The simulation control channel (issue 7): its own owner-only socket beside the device socket,
 * newline-delimited JSON requests that reach the policy runtime's simulation inputs, strict input
 * checks, and the `zkbridge emulator tamper|...|led|sim-status` commands.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ledStrip } from '../../src/cli/emulator_control.ts';
import { controlRequest } from '../../src/emulator/control/client.ts';
import { CONTROL_MAX_LINE, controlSocketPath } from '../../src/emulator/control/protocol.ts';
import { ControlServer } from '../../src/emulator/control/server.ts';
import { Command, PerimeterAction } from '../../src/protocol/constants.generated.ts';
import { expectStatus, withTestbed, type Testbed } from './fixtures/token_device.ts';
import { cli, root } from './fixtures/cli.ts';

const DIGEST = { slot: 0, digest: new Uint8Array(32) };

/** A testbed with a control server on `<device socket>.control`. */
async function withControl(
  options: Parameters<typeof withTestbed>[0],
  fn: (
    bed: Testbed,
    client: Parameters<Parameters<typeof withTestbed>[1]>[1],
    path: string,
  ) => Promise<void>,
): Promise<void> {
  await withTestbed(options, async (bed, client) => {
    const path = controlSocketPath(bed.socketPath);
    const control = await ControlServer.start({ device: bed.device, socketPath: path });
    try {
      await fn(bed, client, path);
    } finally {
      await control.close();
    }
    assert.equal(existsSync(path), false, 'close removes the control socket');
  });
}

/** A raw control connection: writes text, collects answer lines. */
class RawControl {
  readonly lines: string[] = [];
  closed = false;
  readonly #socket: Socket;
  #buffer = '';

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end: number;
      while ((end = this.#buffer.indexOf('\n')) >= 0) {
        this.lines.push(this.#buffer.slice(0, end));
        this.#buffer = this.#buffer.slice(end + 1);
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static connect(path: string): Promise<RawControl> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => {
        resolve(new RawControl(socket));
      });
      socket.once('error', reject);
    });
  }

  write(text: string | Uint8Array): void {
    this.#socket.write(text);
  }

  async until(ok: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  answers(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  close(): void {
    this.#socket.destroy();
  }
}

void test('tamper on a notify channel wakes WAIT_PERIMETER_EVENT', async () => {
  await withControl({ model: 'hsm6' }, async (_bed, client, path) => {
    expectStatus(
      await client.call(Command.SET_PERIMETER_EVENT_ACTION, {
        channel: 0,
        actions: PerimeterAction.NOTIFY,
      }),
      'OK',
    );
    const waiting = client.call(Command.WAIT_PERIMETER_EVENT, { timeout_ms: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await controlRequest(path, { op: 'tamper', channel: 0 }), { ok: true });
    const woke = await waiting;
    expectStatus(woke, 'OK');
    assert.equal(woke.out['channel'], 0);
    const status = await controlRequest(path, { op: 'status' });
    assert.equal(status.ok, true);
    const perimeter = (status as Record<string, unknown>)['perimeter'] as {
      channels: { breached: boolean }[];
    };
    assert.equal(perimeter.channels[0]?.breached, true);
  });
});

void test('move-host in production: security commands refused, device commands answer', async () => {
  await withControl({ model: 'hsm6', host: 'host-a' }, async (bed, client, path) => {
    expectStatus(await client.call(Command.LOCK_BINDING), 'OK');
    assert.deepEqual(await controlRequest(path, { op: 'reboot' }), { ok: true });
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'OK', 'same host');
    assert.deepEqual(await controlRequest(path, { op: 'move-host', fingerprint: 'host-b' }), {
      ok: true,
    });
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_BINDING_BROKEN');
    expectStatus(await client.call(Command.GET_MODEL), 'OK');
    const status = (await controlRequest(path, { op: 'status' })) as Record<string, unknown>;
    assert.deepEqual(
      {
        ...(status['binding'] as object),
      },
      {
        bound: false,
        locked: true,
        production: true,
        cannotBind: true,
        tabCut: false,
        hostPresent: true,
      },
    );
    assert.equal((status['led'] as { pattern: string }).pattern, 'CANNOT_BIND');
    assert.deepEqual(bed.device.internalErrors, []);
  });
});

void test('power unstable: ERR_BROWNOUT until stable again', async () => {
  await withControl({ model: 'hsm6' }, async (_bed, client, path) => {
    assert.deepEqual(await controlRequest(path, { op: 'power', stable: false }), { ok: true });
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'ERR_BROWNOUT');
    assert.deepEqual(await controlRequest(path, { op: 'power', stable: true }), { ok: true });
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'OK');
  });
});

void test('bad requests get error answers and the emulator keeps serving', async () => {
  await withControl({ model: 'hsm6' }, async (_bed, client, path) => {
    const raw = await RawControl.connect(path);
    const bad = [
      '{"op":',
      '[1,2]',
      'null',
      '{"op":"explode"}',
      '{"op":"__proto__"}',
      '{"op":"tamper"}',
      '{"op":"tamper","channel":2}',
      '{"op":"tamper","channel":0.5}',
      '{"op":"tamper","channel":"0"}',
      '{"op":"tamper","channel":0,"extra":1}',
      '{"op":"loop","channel":0,"closed":"yes"}',
      '{"op":"battery","volts":99}',
      '{"op":"battery","volts":-1}',
      '{"op":"temp","celsius":1e400}',
      '{"op":"power"}',
      '{"op":"move-host","fingerprint":""}',
      '{"op":"move-host","fingerprint":"a\\u0000b"}',
      `{"op":"move-host","fingerprint":"${'x'.repeat(300)}"}`,
      '{"op":"led","seconds":1000}',
      '{"op":"cut-lock-tab"}', // hsm6 has no lock tab: the model refuses
      '{"op":"tap","axis":"w","direction":1,"force":2}',
      '{"op":"tap","axis":"x","direction":0,"force":2}',
      '{"op":"tap","axis":"x","direction":1,"force":100}',
      '{"op":"tap","axis":"x","direction":1}',
      '{"op":"accel","g":[0,1]}',
      '{"op":"accel","g":[0,1,"2"]}',
      '{"op":"accel","g":[0,1,17]}',
      '{"op":"reboot","reason":"now"}',
    ];
    raw.write(`${bad.join('\n')}\n`);
    await raw.until(() => raw.lines.length === bad.length);
    const answers = raw.answers();
    for (const [i, answer] of answers.entries()) {
      assert.equal(answer['ok'], false, `line ${bad[i] ?? ''}`);
      assert.equal(typeof answer['error'], 'string');
    }
    assert.match(String(answers[0]?.['error']), /malformed JSON/);
    assert.match(String(answers[3]?.['error']), /unknown op 'explode'/);
    assert.match(String(answers[6]?.['error']), /channel must be 0\.\.1/);
    assert.match(String(answers[11]?.['error']), /volts must be in 0\.\.10/);
    // The same connection still answers a good request.
    raw.write('{"op":"led","seconds":1}\n');
    await raw.until(() => raw.lines.length === bad.length + 1);
    const led = raw.answers().at(-1) ?? {};
    assert.equal(led['ok'], true);
    const timeline = led['timeline'] as { intervals: { ms: number }[] };
    assert.equal(
      timeline.intervals.reduce((s, i) => s + i.ms, 0),
      1000,
    );
    raw.close();

    // An over-long line: an error answer, then the connection is closed.
    const abusive = await RawControl.connect(path);
    abusive.write('x'.repeat(CONTROL_MAX_LINE + 10));
    await abusive.until(() => abusive.closed);
    assert.match(abusive.lines[0] ?? '', /longer than 4096/);

    expectStatus(await client.call(Command.GET_MODEL), 'OK');
    assert.equal((await controlRequest(path, { op: 'status' })).ok, true);
  });
});

void test('the control channel is apart from the device protocol: own path, 0600, no commands', async () => {
  await withControl({ model: 'hsm6' }, async (bed, client, path) => {
    assert.notEqual(path, bed.socketPath);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const simulated = Object.keys(Command).filter((name) =>
      /SIMULAT|TAMPER|BREACH|BATTERY_READ|BROWN|MOVE_HOST|REBOOT/u.test(name),
    );
    assert.deepEqual(simulated, [], 'no device-protocol command simulates an event');
    // Device-protocol bytes on the control socket are just a malformed request.
    const raw = await RawControl.connect(path);
    raw.write(Uint8Array.of(0x5a, 0x4b, 0x00, 0x01, 0x0a));
    await raw.until(() => raw.lines.length === 1);
    assert.equal(raw.answers()[0]?.['ok'], false);
    raw.close();
    // And JSON control requests on the device socket simulate nothing.
    const before = (await controlRequest(path, { op: 'status' })) as Record<string, unknown>;
    const device = createConnection(bed.socketPath);
    await new Promise((r) => device.once('connect', r));
    device.write('{"op":"tamper","channel":0}\n{"op":"power","stable":false}\n');
    await new Promise((r) => setTimeout(r, 100));
    device.destroy();
    const after = (await controlRequest(path, { op: 'status' })) as Record<string, unknown>;
    assert.deepEqual(after['perimeter'], before['perimeter']);
    assert.deepEqual(after['power'], before['power']);
    expectStatus(await client.call(Command.SIGN_DIGEST, DIGEST), 'OK');
  });
});

void test('ledStrip: one cell per 100 ms, lit when on for any of it', () => {
  assert.deepEqual(
    ledStrip([
      { on: true, ms: 100 },
      { on: false, ms: 250 },
      { on: true, ms: 10 },
      { on: false, ms: 140 },
    ]),
    ['  0.0s █··█·'],
  );
  assert.equal(ledStrip([{ on: false, ms: 6000 }]).length, 2);
});

void test('CLI: emulator run serves the control socket; led, sim-status, tamper, errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zkc-'));
  const socket = join(dir, 'd.sock');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/bin/zkbridge.ts',
      'emulator',
      'run',
      '--state',
      join(dir, 'state'),
      '--socket',
      socket,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('ready ')) resolve();
      });
      child.once('exit', (code) => {
        reject(new Error(`emulator exited (${String(code)})`));
      });
    });
    assert.equal((await stat(`${socket}.control`)).mode & 0o777, 0o600);

    const led = await cli('emulator', 'led', '--seconds', '3', '--socket', socket);
    assert.equal(led.code, 0, led.stderr);
    assert.match(led.stdout, /pattern DEVELOPER/);
    const strip = /^\s+0\.0s ([█·]+)$/mu.exec(led.stdout)?.[1] ?? '';
    assert.equal(strip.length, 30, led.stdout);
    assert.ok(strip.includes('█') && strip.includes('·'), led.stdout);

    assert.equal((await cli('emulator', 'tamper', '1', '--socket', socket)).code, 0);
    assert.equal((await cli('emulator', 'temp', '-5', '--socket', socket)).code, 0);
    const status = await cli('emulator', 'sim-status', '--socket', socket);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /model: hsm6/);
    assert.match(status.stdout, /binding: bound true/);
    assert.match(status.stdout, /perimeter 1: closed, breached true/);
    assert.match(status.stdout, /cpu temperature: -5 °C/);
    assert.match(status.stdout, /accelerometer: 0 0 1 g, sensitivity 50 50 50 %, taps 0/);
    assert.match(status.stdout, /supervised boot: policy 0, 0 file\(s\)/);
    const tap = await cli('emulator', 'tap', 'z-', '3', '--socket', socket);
    assert.equal(tap.code, 0, tap.stderr);
    assert.match(tap.stdout, /ok: tap/);
    const soft = await cli('emulator', 'tap', 'x+', '0.1', '--socket', socket);
    assert.match(soft.stdout, /not detected/);
    assert.equal((await cli('emulator', 'accel', '0', '-1', '0', '--socket', socket)).code, 0);
    const moved = await cli('emulator', 'sim-status', '--socket', socket);
    assert.match(moved.stdout, /accelerometer: 0 -1 0 g, sensitivity 50 50 50 %, taps 1/);
    const power = await cli('emulator', 'reboot', '--reason', 'power', '--socket', socket);
    assert.equal(power.code, 0, power.stderr);
    const follow = await cli('emulator', 'led', '--follow', '--seconds', '1', '--socket', socket);
    assert.equal(follow.code, 0, follow.stderr);
    assert.match(follow.stdout, /^led: pattern DEVELOPER/mu);
    const cells = /^\s+0\.0s ([█·]+)$/mu.exec(follow.stdout)?.[1] ?? '';
    assert.ok(cells.length >= 5 && cells.length <= 11, follow.stdout);
    const json = await cli('emulator', 'sim-status', '--json', '--socket', socket);
    assert.equal((JSON.parse(json.stdout) as { ok: boolean }).ok, true);

    // Usage errors: exit 2, nothing sent.
    const usage = await Promise.all(
      [
        ['tamper', '7'],
        ['power', 'maybe'],
        ['battery', 'x'],
        ['led', '--seconds', '0'],
        ['reboot', 'now'],
        ['reboot', '--reason'],
        ['tamper', '0', '--reason', 'host'],
        ['tap', 'q+'],
        ['tap', 'z'],
        ['tap', 'z+', 'hard'],
        ['accel', '0', '0'],
        ['tamper', '0', '--follow'],
        ['led', '--follow', '--seconds', '0'],
      ].map(async (args) => ({ args, r: await cli('emulator', ...args, '--socket', socket) })),
    );
    for (const { args, r } of usage) assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    // Refusals of the emulator: exit 1 with its message.
    const range = await cli('emulator', 'battery', '50', '--socket', socket);
    assert.equal(range.code, 1);
    assert.match(range.stderr, /volts must be in 0\.\.10/);
    const tab = await cli('emulator', 'cut-lock-tab', '--socket', socket);
    assert.equal(tab.code, 1);
    assert.match(tab.stderr, /ERR_/);
    const none = await cli('emulator', 'reboot', '--socket', join(dir, 'nothing.sock'));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no emulator control socket/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    assert.equal(existsSync(`${socket}.control`), false, 'the control socket goes with it');
    await rm(dir, { recursive: true, force: true });
  }
});
