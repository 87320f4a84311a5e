/**
 * zkbridge/tls from Node: an `https` client whose key is an HSM slot (through
 * libzkbridge-engine.so and the PKCS#11 token) against a Node `https` server that requires a
 * client certificate, over TLS 1.3 and 1.2; session resumption without another signature; the
 * refusals (no certificate, a certificate from another CA, a certificate that is not the key's);
 * the clear errors before OpenSSL is asked (secp256k1, Ed25519, bad PIN, missing key); and a TLS
 * server whose own key is an HSM slot.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  hsmHttpsAgent,
  hsmSecureContext,
  hsmTlsOptions,
  keyUri,
  TlsError,
} from '../../src/tls/index.ts';
import { Agent as UndiciAgent, request as undiciRequest } from 'undici';
import { startTlsWorld, TLS_PIN, type TlsWorld } from './fixtures/tls_env.ts';

let world: TlsWorld;
let server: https.Server;
let port = 0;

/** What the server saw of each request: client CN and whether the session was resumed. */
interface Seen {
  cn: string;
  authorized: boolean;
  reused: boolean;
  protocol: string | null;
}

before(async () => {
  world = await startTlsWorld();
  server = https.createServer(
    {
      key: world.server.key,
      cert: world.server.cert,
      ca: world.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const socket = req.socket;
      assert.ok(socket instanceof tls.TLSSocket);
      const seen: Seen = {
        cn: String(socket.getPeerCertificate().subject?.CN ?? ''),
        authorized: socket.authorized,
        reused: socket.isSessionReused(),
        protocol: socket.getProtocol(),
      };
      res.end(JSON.stringify(seen));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await world?.stop();
});

/** GET / through `agent`; resolves with what the server saw and whether the client resumed. */
function get(agent: https.Agent): Promise<Seen & { clientReused: boolean }> {
  return new Promise((resolve, reject) => {
    let clientReused = false;
    const req = https.get({ host: '127.0.0.1', port, servername: 'localhost', agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve({ ...(JSON.parse(body) as Seen), clientReused });
      });
    });
    req.on('socket', (socket: tls.TLSSocket) => {
      socket.once('secureConnect', () => {
        clientReused = socket.isSessionReused();
      });
    });
    req.on('error', reject);
  });
}

// The token allows private keys after login only, and a login is for the whole process: the
// cases that need "not logged in" run first.

void test('no PIN: the key is not found, and the error says how to give one', () => {
  const saved = process.env['ZKBRIDGE_PIN'];
  delete process.env['ZKBRIDGE_PIN'];
  try {
    assert.throws(
      () => hsmSecureContext({ key: world.hsm.slot, cert: world.hsm.cert }),
      (e: unknown) =>
        e instanceof TlsError &&
        e.code === 'ERR_TLS_PIN' &&
        /pin-value|ZKBRIDGE_PIN/.test(e.message),
    );
  } finally {
    if (saved !== undefined) process.env['ZKBRIDGE_PIN'] = saved;
  }
});

void test('a wrong PIN is refused as such, and the PIN is not shown in the message', () => {
  assert.throws(
    () => hsmSecureContext({ key: world.hsm.slot, cert: world.hsm.cert, pin: '00000000' }),
    (e: unknown) =>
      e instanceof TlsError &&
      e.code === 'ERR_TLS_PIN' &&
      /wrong PIN/.test(e.message) &&
      !e.message.includes('00000000'),
  );
});

void test('HSM client key, TLS 1.3: the server sees the device certificate', async () => {
  const agent = hsmHttpsAgent(
    { key: world.hsm.slot, cert: world.hsm.cert, pin: TLS_PIN },
    { ca: world.ca, minVersion: 'TLSv1.3', maxSockets: 1 },
  );
  try {
    const first = await get(agent);
    assert.equal(first.cn, 'device-hsm');
    assert.equal(first.authorized, true);
    assert.equal(first.protocol, 'TLSv1.3');
    assert.equal(first.clientReused, false);
    // A new connection resumes the session: no second signature on the device.
    const second = await get(agent);
    assert.equal(second.clientReused, true, 'the second connection resumed');
    assert.equal(second.reused, true);
    assert.equal(second.cn, 'device-hsm', 'a resumed session keeps the client certificate');
  } finally {
    agent.destroy();
  }
});

void test('HSM client key, TLS 1.2, with tls.connect and the plain engine options', async () => {
  const options = hsmTlsOptions({ key: world.hsm.slot, cert: world.hsm.cert, pin: TLS_PIN });
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: world.ca,
    maxVersion: 'TLSv1.2',
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  assert.equal(socket.getProtocol(), 'TLSv1.2');
  assert.equal(socket.authorized, true);
  socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  let text = '';
  for await (const chunk of socket) text += (chunk as Buffer).toString();
  const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Seen;
  assert.equal(seen.cn, 'device-hsm');
  assert.equal(seen.protocol, 'TLSv1.2');
});

void test('undici: an Agent whose connect options are hsmTlsOptions', async () => {
  const dispatcher = new UndiciAgent({
    connect: {
      ...hsmTlsOptions({ key: world.hsm.slot, cert: world.hsm.cert, pin: TLS_PIN }),
      ca: world.ca,
      servername: 'localhost',
    },
  });
  try {
    const res = await undiciRequest(`https://127.0.0.1:${String(port)}/`, { dispatcher });
    assert.equal(res.statusCode, 200);
    const seen = (await res.body.json()) as Seen;
    assert.equal(seen.cn, 'device-hsm');
    assert.equal(seen.authorized, true);
  } finally {
    await dispatcher.close();
  }
});

void test('refused: no client certificate, and a certificate from another CA', async () => {
  for (const options of [{}, { key: world.rogue.key, cert: world.rogue.cert }]) {
    const agent = new https.Agent({ ca: world.ca, ...options });
    await assert.rejects(get(agent), (e: NodeJS.ErrnoException) => {
      // TLS 1.3: the alert arrives after the client finished its side of the handshake.
      return /certificate|ECONNRESET|socket hang up|alert/i.test(`${e.code ?? ''} ${e.message}`);
    });
    agent.destroy();
  }
});

void test("a certificate that is not the HSM key's is refused before any handshake", () => {
  assert.throws(
    () => hsmSecureContext({ key: world.hsm.slot, cert: world.soft.cert, pin: TLS_PIN }),
    (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_KEY' && /mismatch/.test(e.message),
  );
});

void test('secp256k1 and Ed25519 keys get a clear error', () => {
  assert.throws(
    () => hsmTlsOptions({ key: world.k1.slot, cert: world.k1.cert, pin: TLS_PIN }),
    (e: unknown) =>
      e instanceof TlsError && e.code === 'ERR_TLS_KEY_TYPE' && /secp256k1/.test(e.message),
  );
  assert.throws(
    () => hsmTlsOptions({ key: world.ed.slot, cert: world.ed.cert, pin: TLS_PIN }),
    (e: unknown) =>
      e instanceof TlsError && e.code === 'ERR_TLS_KEY_TYPE' && /Ed25519/.test(e.message),
  );
});

void test('bad key references: a slot with no key, a bad URI, a bad certificate', () => {
  assert.throws(
    () => hsmSecureContext({ key: 999, cert: world.hsm.cert, pin: TLS_PIN }),
    (e: unknown) =>
      e instanceof TlsError && e.code === 'ERR_TLS_KEY' && /no private key matches/.test(e.message),
  );
  assert.throws(
    () => hsmSecureContext({ key: 'pkcs11:id=%zz', cert: world.hsm.cert, pin: TLS_PIN }),
    (e: unknown) => e instanceof TlsError && /hex digits/.test(e.message),
  );
  assert.throws(() => hsmTlsOptions({ key: 'slot-3', cert: world.hsm.cert }), TlsError);
  assert.throws(() => hsmTlsOptions({ key: -1, cert: world.hsm.cert }), TlsError);
  assert.throws(
    () => hsmTlsOptions({ key: 1, cert: 'not a certificate' }),
    (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_CERT',
  );
  assert.equal(keyUri(16, 'a;b&c'), 'pkcs11:id=%00%00%00%10;type=private?pin-value=a%3bb%26c');
});

void test('a TLS server whose key is an HSM slot, with a Node client that verifies it', async () => {
  const hsmServer = tls.createServer(
    { ...hsmTlsOptions({ key: world.hsmServer.slot, cert: world.hsmServer.cert, pin: TLS_PIN }) },
    (socket) => socket.end(`hello ${socket.getProtocol() ?? ''}`),
  );
  await new Promise<void>((resolve) => hsmServer.listen(0, '127.0.0.1', resolve));
  try {
    const serverPort = (hsmServer.address() as AddressInfo).port;
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: serverPort,
        servername: 'localhost',
        ca: world.ca,
        maxVersion,
      });
      let text = '';
      for await (const chunk of socket) text += (chunk as Buffer).toString();
      assert.equal(text, `hello ${maxVersion}`);
      assert.equal(socket.authorized, true);
    }
  } finally {
    await new Promise((resolve) => hsmServer.close(resolve));
  }
});
