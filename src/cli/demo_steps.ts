/**
 * The steps of `zkbridge demo` up to the mTLS requests (demo.ts has the JWT and pkcs11-tool
 * steps, and runs and prints them all). Each step uses what the earlier ones left in the shared
 * {@link DemoState}, registers how to undo what it started, and returns the lines that tell what
 * happened.
 */
import {
  X509Certificate,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomInt,
  webcrypto,
} from 'node:crypto';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ModelName } from '../emulator/models.js';
import { Device, DeviceError } from '../provider/index.js';
import { startEmbedded } from '../provider/embedded.js';
import { hsmHttpsAgent, initToken } from '../tls/index.js';
import { createCrypto, type Crypto } from '../webcrypto/index.js';
import {
  createCsr,
  createSelfSigned,
  describeCertificate,
  encode,
  importPrivateKey,
  issueCertificate,
  verifyCsr,
  type x509,
} from '../x509/index.js';

/** What the steps share: inputs, what earlier steps made, and how to undo it. */
export interface DemoState {
  model: ModelName;
  /** The demo's private temporary directory. */
  dir: string;
  /** Undo actions, run last-in first-out when the demo ends (however it ends). */
  cleanups: { what: string; run: () => unknown }[];
  address?: string;
  device?: Device;
  crypto?: Crypto;
  label: string;
  soPin: string;
  pin: string;
  /** The model generates no keys (Zymkey4, HSM4): the demo uses factory slots 0 and 1. */
  factoryKeys?: boolean;
  tlsSlot?: number;
  jwtSlot?: number;
  csr?: x509.Pkcs10CertificateRequest;
  caPem?: string;
  deviceCertPem?: string;
  serverKeyPem?: string;
  serverCertPem?: string;
  agent?: https.Agent;
  url?: string;
}

/** One step: a title, and the work that returns what to print about it. */
export interface DemoStep {
  title: string;
  run: (state: DemoState) => Promise<string[]>;
}

/** Eight random digits (the demo's PINs). */
export function randomPin(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} is not ready`);
  return value;
}

const CA_SUBJECT = 'CN=zkbridge demo CA, O=zkbridge demo';
export const DEVICE_CN = 'demo-device-1';

/** A software P-256 key pair for Node WebCrypto, and its PKCS#8 PEM (the local CA, the server). */
async function softwareKeyPair(): Promise<{
  pem: string;
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}> {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    spki,
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['verify'],
  );
  return { pem, privateKey: await importPrivateKey(pem), publicKey };
}

export const startEmulator: DemoStep = {
  title: 'Start the embedded emulator',
  async run(s) {
    const emulator = await startEmbedded({ model: s.model });
    s.cleanups.push({ what: 'stop the emulator', run: () => emulator.stop() });
    s.address = `unix:${emulator.socketPath}`;
    const device = await Device.connect({ address: s.address });
    s.cleanups.push({ what: 'close the device connection', run: () => device.close() });
    s.device = device;
    const [model, serial] = await Promise.all([device.getModelNumber(), device.getSerialNumber()]);
    return [
      `${model} emulator, serial ${serial}, in its own process`,
      `device address ${s.address}`,
    ];
  },
};

export const setUpToken: DemoStep = {
  title: 'Initialize the PKCS#11 token',
  async run(s) {
    await initToken(need(s.device, 'the device'), { label: s.label, soPin: s.soPin, pin: s.pin });
    return [`label "${s.label}", fresh random SO PIN and user PIN (8 digits each)`];
  },
};

export const createDeviceKey: DemoStep = {
  title: 'Create a device key',
  async run(s) {
    const device = need(s.device, 'the device');
    let made: string;
    try {
      s.tlsSlot = await device.genKeyPair('nistp256');
      made = `P-256 key pair generated in slot ${s.tlsSlot}`;
    } catch (error) {
      // Zymkey4 and HSM4 generate no keys: their factory P-256 slots 0-2 are what they offer.
      if (!(error instanceof DeviceError && error.code === 'ERR_UNSUPPORTED_MODEL')) throw error;
      s.factoryKeys = true;
      s.tlsSlot = 0;
      made = 'this model generates no keys: using its factory P-256 key in slot 0';
    }
    const spki = createPublicKey(await device.exportPubKeyPem(s.tlsSlot)).export({
      type: 'spki',
      format: 'der',
    });
    const fingerprint = createHash('sha256').update(spki).digest('hex');
    return [
      made,
      `the private key never leaves the device; public key SHA-256 ${fingerprint.slice(0, 16)}…`,
    ];
  },
};

export const makeCsr: DemoStep = {
  title: 'Make a CSR signed by the device key',
  async run(s) {
    const crypto = await createCrypto({ address: need(s.address, 'the device address') });
    s.cleanups.push({ what: 'close the WebCrypto object', run: () => crypto.close() });
    s.crypto = crypto;
    const slot = need(s.tlsSlot, 'the device key');
    s.csr = await createCsr(crypto, {
      key: slot,
      subject: `CN=${DEVICE_CN}, O=zkbridge demo`,
      san: [`dns:${DEVICE_CN}.local`],
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['clientAuth'],
    });
    const ok = await verifyCsr(crypto, s.csr);
    if (!ok) throw new Error('the CSR signature does not verify');
    return [
      `subject ${s.csr.subject}`,
      `SAN dns:${DEVICE_CN}.local, extendedKeyUsage clientAuth`,
      `signed in slot ${slot} (ECDSA with SHA-256); signature verified`,
    ];
  },
};

export const issueCertificates: DemoStep = {
  title: 'A local CA issues the certificates',
  async run(s) {
    const crypto = need(s.crypto, 'the WebCrypto object');
    const ca = await softwareKeyPair();
    const caCert = await createSelfSigned(crypto, {
      key: ca,
      subject: CA_SUBJECT,
      ca: true,
      days: 1,
    });
    s.caPem = encode(caCert, 'pem');
    const deviceCert = await issueCertificate(crypto, {
      csr: need(s.csr, 'the CSR'),
      caKey: ca.privateKey,
      caCert,
      days: 1,
    });
    s.deviceCertPem = encode(deviceCert, 'pem');
    // The server's key is a software key too: the demo's server stands for some remote service.
    const server = await softwareKeyPair();
    const serverCsr = await createCsr(crypto, {
      key: server,
      subject: 'CN=localhost, O=zkbridge demo',
      san: ['dns:localhost', 'ip:127.0.0.1'],
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['serverAuth'],
    });
    const serverCert = await issueCertificate(crypto, {
      csr: serverCsr,
      caKey: ca.privateKey,
      caCert,
      days: 1,
    });
    s.serverKeyPem = server.pem;
    s.serverCertPem = encode(serverCert, 'pem');
    // An independent check of the chain with Node's own X.509 code.
    const caX509 = new X509Certificate(s.caPem);
    if (!new X509Certificate(s.deviceCertPem).verify(caX509.publicKey)) {
      throw new Error("Node does not verify the device certificate with the CA's key");
    }
    const info = describeCertificate(deviceCert);
    return [
      `CA: ${caCert.subject} (a software P-256 key, self-signed)`,
      `device: ${info.subject} (serial ${info.serialNumber.slice(0, 8)}…, clientAuth, 1 day)`,
      `server: ${serverCert.subject} (dns:localhost, ip:127.0.0.1, serverAuth)`,
    ];
  },
};

/** The demo's HTTPS server: requires a client certificate from the local CA, answers with its CN. */
async function startServer(s: DemoState): Promise<string> {
  const server = https.createServer(
    {
      key: need(s.serverKeyPem, 'the server key'),
      cert: need(s.serverCertPem, 'the server certificate'),
      ca: need(s.caPem, 'the CA'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) {
        res.statusCode = 500;
        res.end();
        return;
      }
      const peer = socket.getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          cn: peer.subject?.CN ?? null,
          protocol: socket.getProtocol(),
          resumed: socket.isSessionReused(),
        }),
      );
    },
  );
  server.on('tlsClientError', () => {
    // The refused client of the last step: expected, nothing to report from the server side.
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  s.cleanups.push({
    what: 'stop the HTTPS server',
    run: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

interface Answer {
  cn: string | null;
  protocol: string | null;
  resumed: boolean;
  clientResumed: boolean;
}

function get(url: string, agent: https.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { agent }, (res) => {
      const clientResumed = res.socket instanceof TLSSocket && res.socket.isSessionReused();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`the server answered ${res.statusCode}`));
          return;
        }
        try {
          resolve({ ...(JSON.parse(body) as Omit<Answer, 'clientResumed'>), clientResumed });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on('error', reject);
    });
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.on('error', reject);
  });
}

export const mtlsRequest: DemoStep = {
  title: 'mTLS request with the HSM key',
  async run(s) {
    s.url = await startServer(s);
    const slot = need(s.tlsSlot, 'the device key');
    s.agent = hsmHttpsAgent(
      {
        key: slot,
        cert: need(s.deviceCertPem, 'the device certificate'),
        pin: s.pin,
        device: need(s.address, 'the device address'),
      },
      { ca: need(s.caPem, 'the CA') },
    );
    const agent = s.agent;
    s.cleanups.push({
      what: 'close the HTTPS agent',
      run: () => {
        agent.destroy();
      },
    });
    const answer = await get(s.url, agent);
    if (answer.cn !== DEVICE_CN) throw new Error(`the server saw CN ${answer.cn ?? '(none)'}`);
    return [
      `GET ${s.url} → 200 from a server that requires a client certificate`,
      `it saw CN=${answer.cn} over ${answer.protocol ?? '?'}; the handshake was signed in slot ${slot}`,
    ];
  },
};

export const resumedRequest: DemoStep = {
  title: 'Second request on a new connection',
  async run(s) {
    const answer = await get(need(s.url, 'the server'), need(s.agent, 'the agent'));
    if (answer.cn !== DEVICE_CN) throw new Error(`the server saw CN ${answer.cn ?? '(none)'}`);
    const resumed = answer.resumed && answer.clientResumed;
    return [
      `server saw CN=${answer.cn}; session reused: ${resumed ? 'yes' : 'no'}` +
        (resumed ? ' (no new signature by the device)' : ' (a full handshake, signed again)'),
    ];
  },
};

export const refusedRequest: DemoStep = {
  title: 'Request without a client certificate (expected to fail)',
  async run(s) {
    const plain = new https.Agent({ ca: need(s.caPem, 'the CA'), maxCachedSessions: 0 });
    try {
      const answer = await get(need(s.url, 'the server'), plain);
      throw new Error(
        `the server accepted a client without a certificate (it saw CN ${answer.cn ?? '(none)'})`,
      );
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.message.startsWith('the server accepted')) throw error;
      return [`refused, as expected: ${e.code ?? e.message}`];
    } finally {
      plain.destroy();
    }
  },
};
