/**
 * `npm run bench -- tls [--json] [--quick]`: mutual TLS with the client's private key in the HSM.
 *
 * One Node TLS server on 127.0.0.1 (software P-256 key, `requestCert`, `rejectUnauthorized`,
 * Node's default session tickets) serves every measurement, in this process. Clients connect one
 * at a time for a fixed time; each connection counts once the server has accepted the client
 * certificate and sent one byte back (so a refused certificate fails the run, not only a refused
 * server certificate), after which the client destroys it. Measured, rounds interleaved, best
 * of each:
 *
 * - full TLS 1.3 handshakes/s with the client key in the HSM (slot, through
 *   `libzkbridge-engine.so` → `libzkbridge-pkcs11.so` → the emulator in its own process): the
 *   client signs CertificateVerify once per handshake;
 * - the same with a software client key (`tls.createSecureContext({ key })`), and the ratio;
 * - resumed TLS 1.3 handshakes/s with the HSM context (the latest session ticket offered each
 *   time; no signature); every one must be reused, else the run fails at the end;
 * - full TLS 1.2 handshakes/s, HSM and software client key.
 *
 * The first connection of each kind asks the server which client certificate it saw (subject CN)
 * and whether it resumed, and fails unless that is the expected one.
 *
 * Headline keys: handshake_hsm_ops, handshake_soft_ops, handshake_ratio, resumed_hsm_ops,
 * handshake_hsm_tls12_ops (also handshake_soft_tls12_ops).
 */
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { hsmSecureContext } from '../src/tls/index.ts';
import { startTlsWorld, TLS_PIN } from '../test/unit/fixtures/tls_env.ts';
import { inFlightRate, Report } from './harness.ts';

const report = new Report();
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 0.5 : 1.5;
const HSM_CN = 'device-hsm';
const SOFT_CN = 'device-soft';

/** What the server reports for a connection the client asked about. */
interface ServerView {
  cn: string | undefined;
  reused: boolean;
  protocol: string | null;
}

/** What a connection is expected to look like; checked on the first one of each kind. */
interface Expect {
  cn: string;
  reused: boolean;
  protocol: 'TLSv1.3' | 'TLSv1.2';
}

// The emulator in its own process, its token, a device key and a small software CA: the PKI the
// mTLS tests use.
const world = await startTlsWorld();
const slot = world.hsm.slot;
let server: tls.Server | undefined;
try {
  // The server: cheap and the same for every kind of client. Connections the client asked about
  // (by its local port) get a JSON answer; all others one byte.
  const asked = new Set<number>();
  const serverErrors: Error[] = [];
  server = tls.createServer(
    {
      key: world.server.key,
      cert: world.server.cert,
      ca: world.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      socket.on('error', () => {});
      const port = socket.remotePort ?? -1;
      if (asked.delete(port)) {
        const peer = socket.getPeerCertificate();
        const view: ServerView = {
          cn: typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
          reused: socket.isSessionReused(),
          protocol: socket.getProtocol(),
        };
        socket.end(JSON.stringify(view));
      } else {
        socket.end('.');
      }
    },
  );
  server.on('tlsClientError', (error, socket) => {
    // A refused client certificate shows as a hang-up; its reason is on the socket.
    const why = socket.authorizationError;
    serverErrors.push(why === undefined ? error : new Error(`${String(why)} (${error.message})`));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /**
   * One connection: handshake, the server's answer, destroy. With `expect`, the server reports
   * what it saw and that must match. Returns whether the session was resumed and the newest
   * session ticket received (if any).
   */
  const connect = (
    secureContext: tls.SecureContext,
    session: Buffer | undefined,
    expect?: Expect,
  ): Promise<{ reused: boolean; session: Buffer | undefined }> =>
    new Promise((resolve, reject) => {
      let latest: Buffer | undefined;
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        secureContext,
        ...(session === undefined ? {} : { session }),
      });
      const fail = (error: Error): void => {
        socket.destroy();
        reject(error);
      };
      if (session !== undefined || expect !== undefined)
        socket.on('session', (s: Buffer) => (latest = s));
      if (expect !== undefined) socket.once('connect', () => asked.add(socket.localPort ?? -1));
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        if (!socket.authorized)
          fail(new Error(`server certificate refused: ${String(socket.authorizationError)}`));
      });
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      // The server's byte, its session tickets (which arrive after that byte) and its
      // close all come at once: the connection is complete at 'end'.
      socket.once('end', () => {
        const reused = socket.isSessionReused();
        socket.removeListener('error', fail);
        socket.on('error', () => {});
        socket.destroy();
        if (answer === '') {
          const why = serverErrors.at(-1)?.message ?? 'no server error';
          reject(new Error(`the server closed the connection without answering (${why})`));
          return;
        }
        if (expect !== undefined) {
          const view = JSON.parse(answer) as ServerView;
          const want = { cn: expect.cn, reused: expect.reused, protocol: expect.protocol };
          const seen = { cn: view.cn, reused: view.reused, protocol: view.protocol };
          if (JSON.stringify(seen) !== JSON.stringify(want) || reused !== expect.reused) {
            reject(
              new Error(
                `server saw ${JSON.stringify(seen)} (client reused: ${reused}), ` +
                  `expected ${JSON.stringify(want)}`,
              ),
            );
            return;
          }
        }
        resolve({ reused, session: latest });
      });
    });

  const context = (maxVersion: tls.SecureVersion, hsm: boolean): tls.SecureContext =>
    hsm
      ? hsmSecureContext({
          key: slot,
          cert: world.hsm.cert,
          pin: TLS_PIN,
          context: { ca: world.ca, maxVersion },
        })
      : tls.createSecureContext({
          key: world.soft.key,
          cert: world.soft.cert,
          ca: world.ca,
          maxVersion,
        });
  const hsm13 = context('TLSv1.3', true);
  const soft13 = context('TLSv1.3', false);
  const hsm12 = context('TLSv1.2', true);
  const soft12 = context('TLSv1.2', false);

  /** Full handshakes, none resumed; the first one is checked with the server. */
  const full = (ctx: tls.SecureContext, expect: Expect): (() => Promise<void>) => {
    let checked = false;
    return async () => {
      const check = checked ? undefined : expect;
      checked = true;
      const { reused } = await connect(ctx, undefined, check);
      if (reused) throw new Error('a handshake without a session was resumed');
    };
  };

  // Resumption: one full handshake for the first ticket, then each connection offers the newest.
  let resumeFailures = 0;
  let resumed = 0;
  let ticket = (await connect(hsm13, undefined, { cn: HSM_CN, reused: false, protocol: 'TLSv1.3' }))
    .session;
  if (ticket === undefined) throw new Error('no TLS 1.3 session ticket after a full handshake');
  let resumeChecked = false;
  const resume = async (): Promise<void> => {
    const check = resumeChecked
      ? undefined
      : { cn: HSM_CN, reused: true, protocol: 'TLSv1.3' as const };
    resumeChecked = true;
    const result = await connect(hsm13, ticket, check);
    resumed++;
    if (!result.reused) resumeFailures++;
    if (result.session !== undefined) ticket = result.session;
  };

  const kinds = [
    ['handshake_hsm_ops', full(hsm13, { cn: HSM_CN, reused: false, protocol: 'TLSv1.3' })],
    ['handshake_soft_ops', full(soft13, { cn: SOFT_CN, reused: false, protocol: 'TLSv1.3' })],
    ['resumed_hsm_ops', resume],
    ['handshake_hsm_tls12_ops', full(hsm12, { cn: HSM_CN, reused: false, protocol: 'TLSv1.2' })],
    ['handshake_soft_tls12_ops', full(soft12, { cn: SOFT_CN, reused: false, protocol: 'TLSv1.2' })],
  ] as const;
  const best = new Map<string, number>();
  report.line(
    `mTLS handshakes/s, client P-256 key in the HSM vs in software, one connection at a time ` +
      `(best of ${ROUNDS} interleaved rounds of ${SECONDS} s)`,
  );
  for (const [, op] of kinds) await inFlightRate(op, 1, SECONDS / 4);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [key, op] of kinds) {
      best.set(key, Math.max(best.get(key) ?? 0, await inFlightRate(op, 1, SECONDS)));
    }
  }
  if (serverErrors.length > 0) {
    throw new Error(
      `the server refused ${serverErrors.length} handshake(s): ${serverErrors[0]?.message}`,
    );
  }
  if (resumeFailures > 0)
    throw new Error(`${resumeFailures} of ${resumed} resumption attempts did a full handshake`);
  const figure = (key: string): number => best.get(key) ?? 0;
  report.set('handshake_hsm_ops', figure('handshake_hsm_ops'), 'TLS 1.3 full, HSM client key');
  report.set('handshake_soft_ops', figure('handshake_soft_ops'), 'TLS 1.3 full, software key');
  report.set(
    'handshake_ratio',
    figure('handshake_hsm_ops') / figure('handshake_soft_ops'),
    'HSM / software (goal >= 0.8)',
  );
  report.set('resumed_hsm_ops', figure('resumed_hsm_ops'), 'TLS 1.3 resumed (ticket), HSM context');
  report.set(
    'handshake_hsm_tls12_ops',
    figure('handshake_hsm_tls12_ops'),
    'TLS 1.2 full, HSM client key',
  );
  report.set(
    'handshake_soft_tls12_ops',
    figure('handshake_soft_tls12_ops'),
    'TLS 1.2 full, software key',
  );
} finally {
  await new Promise<void>((resolve) => {
    if (server?.listening === true) {
      server.close(() => {
        resolve();
      });
    } else resolve();
  });
  await world.stop();
}
report.finish();
