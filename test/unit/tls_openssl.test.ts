/**
 * mTLS between zkbridge's HSM keys and OpenSSL's own tools, each in its own process:
 * - a Node client with an HSM key against `openssl s_server -Verify` (TLS 1.3 and 1.2), and the
 *   refusal of a client without a certificate;
 * - `curl` (Debian's, system OpenSSL) with `--engine zkbridge --key-type ENG --key pkcs11:…` (the
 *   engine declared in an OpenSSL config file) against a Node `https` server that requires a
 *   client certificate;
 * - `openssl s_client` against a Node TLS server whose key is an HSM slot.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { enginePath, hsmTlsOptions, keyUri } from '../../src/tls/index.ts';
import { describe, hasCommand, run } from './fixtures/pkcs11_tools.ts';
import { startTlsWorld, TLS_PIN, type TlsWorld } from './fixtures/tls_env.ts';

let world: TlsWorld;

before(async () => {
  world = await startTlsWorld();
});

after(async () => {
  await world?.stop();
});

/** A port that was free a moment ago (s_server needs a number). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs `openssl s_server` for one connection; resolves with its output when it exits. */
async function sServer(
  args: string[],
): Promise<{ port: number; done: Promise<{ code: number | null; out: string }> }> {
  const port = await freePort();
  const child = spawn('openssl', [
    's_server',
    '-accept',
    `127.0.0.1:${port}`,
    '-naccept',
    '1',
    '-cert',
    world.server.certFile,
    '-key',
    world.server.keyFile,
    '-CAfile',
    world.caFile,
    ...args,
  ]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => {
    child.once('close', (code) => {
      resolve({ code, out });
    });
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  void done.then(() => {
    clearTimeout(timer);
  });
  // s_server prints ACCEPT once it listens.
  for (let i = 0; i < 100 && !out.includes('ACCEPT'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(out.includes('ACCEPT'), `s_server did not start: ${out}`);
  return { port, done };
}

/** Connects, writes a line, and waits for the server to close. */
async function talk(options: tls.ConnectionOptions): Promise<{
  protocol: string | null;
  authorized: boolean;
  error: NodeJS.ErrnoException | undefined;
}> {
  const socket = tls.connect({
    host: '127.0.0.1',
    servername: 'localhost',
    ca: world.ca,
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const seen = {
    protocol: socket.getProtocol(),
    authorized: socket.authorized,
    error: undefined as NodeJS.ErrnoException | undefined,
  };
  socket.on('error', (e: NodeJS.ErrnoException) => {
    seen.error = e;
  });
  socket.end('hello from zkbridge\n');
  await new Promise((resolve) => socket.once('close', resolve));
  return seen;
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  void test(`Node client with an HSM key against openssl s_server -Verify (${version})`, async () => {
    const server = await sServer(['-Verify', '1', '-verify_return_error']);
    const seen = await talk({
      port: server.port,
      minVersion: version,
      maxVersion: version,
      ...hsmTlsOptions({ key: world.hsm.slot, cert: world.hsm.cert, pin: TLS_PIN }),
    });
    assert.equal(seen.authorized, true);
    assert.equal(seen.error, undefined);
    const { out } = await server.done;
    assert.match(out, /subject=CN ?= ?device-hsm/, out);
    assert.match(out, /hello from zkbridge/, out);
    assert.equal(seen.protocol, version);
    assert.match(out, version === 'TLSv1.3' ? /CIPHER is TLS_/ : /CIPHER is ECDHE-ECDSA-/, out);
  });
}

void test('openssl s_server -Verify refuses a client without a certificate', async () => {
  const server = await sServer(['-Verify', '1', '-verify_return_error']);
  // TLS 1.3: the client finishes its handshake before the server checks; the server's alert
  // then ends the connection with an error.
  const outcome = await talk({ port: server.port }).then(
    (seen) => seen.error?.code ?? 'no error',
    (e: unknown) => String((e as NodeJS.ErrnoException).code ?? e),
  );
  assert.match(outcome, /CERTIFICATE_REQUIRED|ECONNRESET|EPIPE/);
  const { out } = await server.done;
  assert.match(out, /peer did not return a certificate|certificate required/i, out);
});

void test(
  'curl --engine zkbridge --key pkcs11:… against a Node server that requires a client certificate',
  { skip: !hasCommand('curl') && 'curl is not installed (apt-get install curl)' },
  async () => {
    const server = https.createServer(
      { key: world.server.key, cert: world.server.cert, ca: world.ca, requestCert: true },
      (req, res) => {
        const socket = req.socket;
        assert.ok(socket instanceof tls.TLSSocket);
        res.end(`${String(socket.getPeerCertificate().subject?.CN)} ${socket.getProtocol() ?? ''}`);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const conf = join(world.dir, 'curl-openssl.cnf');
      await writeFile(
        conf,
        [
          'openssl_conf = openssl_init',
          '[openssl_init]',
          'engines = engine_section',
          '[engine_section]',
          'zkbridge = zkbridge_section',
          '[zkbridge_section]',
          'engine_id = zkbridge',
          `dynamic_path = ${enginePath()}`,
          'init = 0',
          '',
        ].join('\n'),
      );
      const args = (key: string): string[] => [
        '--silent',
        '--show-error',
        '--engine',
        'zkbridge',
        '--key-type',
        'ENG',
        '--key',
        key,
        '--cert',
        world.hsm.certFile,
        '--cacert',
        world.caFile,
        '--resolve',
        `localhost:${port}:127.0.0.1`,
        `https://localhost:${port}/`,
      ];
      const env = { ...process.env, OPENSSL_CONF: conf };
      const ok = await run('curl', args(keyUri(world.hsm.slot, TLS_PIN)), { env });
      assert.ok(ok.ok, describe(ok));
      assert.match(ok.stdout, /^device-hsm TLSv1\.3$/, describe(ok));
      // The key of another slot does not match the certificate: curl refuses before connecting.
      const wrong = await run('curl', args(keyUri(world.hsmServer.slot, TLS_PIN)), { env });
      assert.equal(wrong.ok, false, describe(wrong));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  },
);

void test('openssl s_client accepts a Node server whose key is an HSM slot', async () => {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    hsmTlsOptions({ key: world.hsmServer.slot, cert: world.hsmServer.cert, pin: TLS_PIN }),
    (socket) => {
      sockets.add(socket);
      socket.end(`pong ${socket.getProtocol() ?? ''}\n`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    for (const version of ['-tls1_3', '-tls1_2']) {
      const r = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-servername',
          'localhost',
          '-CAfile',
          world.caFile,
          '-verify_return_error',
          '-ign_eof', // wait for the server's answer and close
          version,
        ],
        { input: 'ping\n' },
      );
      // Node closes the TCP connection right after its close_notify; OpenSSL 3 may then report
      // "unexpected eof" on its last read, after the exchange.
      assert.ok(r.ok || /unexpected eof while reading/.test(r.stderr), describe(r));
      assert.match(r.stdout, /Verify return code: 0 \(ok\)/, describe(r));
      assert.match(r.stdout, /pong TLSv1\.[23]/, describe(r));
      assert.match(r.stdout, /Peer signature type: ECDSA/, describe(r));
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
