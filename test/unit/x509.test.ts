/**
 * X.509 with device keys: CSRs on P-256, K-256 and Ed25519 slots, self-signed CAs, a CA that
 * issues from CSRs with a device or a software key, refusals (tampered CSR, wrong CA), and the
 * `zkbridge csr` / `zkbridge cert` commands. OpenSSL checks every file when it is on PATH.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbedded, type EmbeddedEmulator } from '../../src/provider/embedded.ts';
import { createCrypto, type Crypto } from '../../src/webcrypto/index.ts';
import {
  X509Error,
  createCsr,
  createSelfSigned,
  describeCertificate,
  describeCsr,
  encode,
  formatSan,
  importPrivateKey,
  issueCertificate,
  parseCertificate,
  parseCsr,
  parseExtendedKeyUsage,
  parseKeyUsage,
  parseSan,
  subjectName,
  verifyCertificate,
  verifyCsr,
  x509,
  type KeyPair,
} from '../../src/x509/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CURVES = [
  ['P-256', { name: 'ECDSA', namedCurve: 'P-256' }],
  ['K-256', { name: 'ECDSA', namedCurve: 'K-256' }],
  ['Ed25519', { name: 'Ed25519' }],
] as const;
const SANS = [
  'dns:device-1.example.com',
  'ip:10.0.0.1',
  'ip:2001:db8::1',
  'uri:spiffe://example.org/device/1',
  'email:ops@example.com',
];

/** The signature algorithm of a CSR or certificate, as `ECDSA/SHA-256` or `Ed25519`. */
function signature(item: { signatureAlgorithm: unknown }): string {
  const { name, hash } = item.signatureAlgorithm as { name: string; hash?: { name: string } };
  return hash ? `${name}/${hash.name}` : name;
}
const expectedSignature = (curve: string): string =>
  curve === 'Ed25519' ? 'Ed25519' : 'ECDSA/SHA-256';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const openssl = (...args: string[]): Promise<Run> => run('openssl', args);
const cli = (...args: string[]): Promise<Run> =>
  run(process.execPath, ['--import', 'tsx', 'src/bin/zkbridge.ts', ...args]);

let emulator: EmbeddedEmulator;
let address: string;
let crypto: Crypto;
let dir: string;
let hasOpenssl = false;

before(async () => {
  emulator = await startEmbedded({ model: 'hsm6' });
  address = `unix:${emulator.socketPath}`;
  crypto = await createCrypto({ address });
  dir = await mkdtemp(join(tmpdir(), 'zkx509-'));
  hasOpenssl = (await openssl('version')).code === 0;
  if (!hasOpenssl) console.log('# openssl is not on PATH: the OpenSSL checks are skipped');
});

after(async () => {
  await crypto.close();
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Writes `data` to a file of the test directory; returns its path. */
async function file(name: string, data: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

/** Asserts that an OpenSSL command succeeds (when OpenSSL is there). */
async function opensslOk(...args: string[]): Promise<void> {
  if (!hasOpenssl) return;
  const result = await openssl(...args);
  assert.equal(result.code, 0, `openssl ${args.join(' ')}: ${result.stderr}${result.stdout}`);
}

async function generate(algorithm: (typeof CURVES)[number][1]): Promise<number> {
  return (await crypto.keys.generate(algorithm, { private: ['sign'], public: ['verify'] })).slot;
}

void test('subjects, SANs and usages parse; bad ones are one-line TypeErrors', () => {
  assert.equal(subjectName('CN=device-1, O=Acme').toString(), 'CN=device-1, O=Acme');
  assert.equal(subjectName('/C=US/O=Acme/CN=d1').toString(), 'C=US, O=Acme, CN=d1');
  assert.equal(subjectName({ CN: 'd1', O: 'Acme', C: 'US' }).toString(), 'C=US, O=Acme, CN=d1');
  assert.equal(subjectName({ OU: ['a', 'b'], CN: 'x' }).toString(), 'OU=a, OU=b, CN=x');
  assert.equal(subjectName('CN=a\\, b+OU=c').toString(), 'CN=a\\, b+OU=c');
  assert.equal(subjectName('CN="x, y"').getField('CN')[0], 'x, y');
  assert.equal(subjectName('CN=caf\\C3\\A9').getField('CN')[0], 'café');
  assert.equal(subjectName('2.5.4.3=oid').getField('CN')[0], 'oid');
  for (const [bad, message] of [
    ['XX=1', /unknown subject attribute 'XX'/],
    ['C=USA', /two-letter country code/],
    ['CN=', /CN is empty/],
    ['CN', /not TYPE=value/],
    ['', /subject is empty/],
    [`CN=${'x'.repeat(65)}`, /longer than 64/],
  ] as const) {
    assert.throws(() => subjectName(bad), { name: 'TypeError', message }, bad);
  }
  assert.deepEqual(parseSan('DNS:a.example'), { type: 'dns', value: 'a.example' });
  assert.deepEqual(parseSan('ip:::ffff:10.0.0.1'), { type: 'ip', value: '::ffff:a00:1' });
  assert.deepEqual(parseSan('url:https://x.example/'), {
    type: 'uri',
    value: 'https://x.example/',
  });
  assert.equal(formatSan(parseSan('uri:spiffe://example.org/device/1')), SANS[3]);
  for (const bad of [
    'a.example',
    'dns:bad name',
    'dns:*',
    'ip:10.0.0.256',
    'ip:fe80::1%eth0',
    'uri:not a uri',
    'uri:spiffe://Example.org/x',
    'uri:spiffe://example.org/x?q',
    'email:nobody',
  ]) {
    assert.throws(() => parseSan(bad), TypeError, bad);
  }
  assert.equal(parseKeyUsage('digitalsignature'), 'digitalSignature');
  assert.equal(parseKeyUsage('contentCommitment'), 'nonRepudiation');
  assert.equal(parseExtendedKeyUsage('CLIENTAUTH'), 'clientAuth');
  assert.equal(parseExtendedKeyUsage('1.3.6.1.5.5.7.3.17'), '1.3.6.1.5.5.7.3.17');
  assert.throws(() => parseKeyUsage('signEverything'), /unknown key usage 'signEverything'/);
  assert.throws(() => parseExtendedKeyUsage('vpn'), /unknown extended key usage 'vpn'/);
});

for (const [curve, algorithm] of CURVES) {
  void test(`${curve} CSR: fields round-trip; it verifies here and with OpenSSL (PEM, DER)`, async () => {
    const slot = await generate(algorithm);
    const csr = await createCsr(crypto, {
      key: slot,
      subject: 'CN=device-1, O=Acme, C=US',
      san: SANS,
      keyUsage: ['digitalSignature', 'keyAgreement'],
      extendedKeyUsage: ['clientAuth', 'serverAuth'],
    });
    const pem = encode(csr, 'pem');
    const der = encode(csr, 'der');
    assert.match(
      pem,
      /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+-----END CERTIFICATE REQUEST-----\n$/,
    );
    for (const parsed of [parseCsr(pem), parseCsr(der)]) {
      const info = describeCsr(parsed);
      assert.equal(info.subject, 'CN=device-1, O=Acme, C=US');
      assert.equal(info.key, curve);
      assert.deepEqual(info.san.map(formatSan), SANS);
      assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyAgreement']);
      assert.deepEqual(info.extendedKeyUsage, ['clientAuth', 'serverAuth']);
      assert.equal(await verifyCsr(crypto, parsed), true);
    }
    assert.equal(signature(parseCsr(pem)), expectedSignature(curve));
    await opensslOk('req', '-verify', '-noout', '-in', await file(`${curve}.csr`, pem));
    await opensslOk(
      'req',
      '-verify',
      '-noout',
      '-inform',
      'DER',
      '-in',
      await file(`${curve}.der`, der),
    );
  });
}

void test('a device CA (P-256) issues P-256, K-256 and Ed25519 certificates OpenSSL verifies', async () => {
  const caSlot = await generate({ name: 'ECDSA', namedCurve: 'P-256' });
  const ca = await createSelfSigned(crypto, {
    key: caSlot,
    subject: { CN: 'Acme Device CA', O: 'Acme', C: 'US' },
    ca: true,
    pathLength: 0,
  });
  const caInfo = describeCertificate(ca);
  assert.equal(caInfo.ca, true);
  assert.equal(caInfo.subject, 'C=US, O=Acme, CN=Acme Device CA');
  assert.equal(caInfo.issuer, caInfo.subject);
  assert.deepEqual(caInfo.keyUsage, ['digitalSignature', 'keyCertSign', 'cRLSign']);
  const tenYears = caInfo.notAfter.getTime() - caInfo.notBefore.getTime();
  assert.equal(tenYears, 3650 * 86_400_000);
  assert.equal(await verifyCertificate(crypto, ca, ca), true);
  const caPath = await file('device-ca.pem', encode(ca, 'pem'));
  await opensslOk('verify', '-CAfile', caPath, caPath);
  const caKeyId = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  assert.ok(caKeyId);

  for (const [curve, algorithm] of CURVES) {
    const csr = await createCsr(crypto, {
      key: await generate(algorithm),
      subject: `CN=${curve}-device, O=Acme`,
      san: SANS,
      extendedKeyUsage: ['clientAuth'],
    });
    const leaf = await issueCertificate(crypto, {
      csr: encode(csr, 'pem'),
      caKey: caSlot,
      caCert: encode(ca, 'pem'),
    });
    const info = describeCertificate(leaf);
    assert.equal(info.subject, `CN=${curve}-device, O=Acme`);
    assert.equal(info.issuer, caInfo.subject);
    assert.equal(info.key, curve);
    assert.equal(info.ca, false);
    assert.deepEqual(info.san.map(formatSan), SANS, 'SANs copied from the CSR');
    assert.deepEqual(info.keyUsage, ['digitalSignature'], 'default key usage');
    assert.deepEqual(info.extendedKeyUsage, ['clientAuth'], 'EKU copied from the CSR');
    assert.match(info.serialNumber, /^[4-7][0-9a-f]{31}$/, 'positive, 16 bytes');
    assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 365 * 86_400_000);
    assert.equal(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caKeyId);
    assert.ok(leaf.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    assert.equal(await verifyCertificate(crypto, leaf, ca), true);
    const leafPath = await file(`${curve}-leaf.pem`, encode(leaf, 'pem'));
    await opensslOk('verify', '-CAfile', caPath, leafPath);
    await opensslOk('verify', '-purpose', 'sslclient', '-CAfile', caPath, leafPath);
  }
});

void test('CAs on K-256 and Ed25519 slots issue too; options replace the CSR profile', async () => {
  const leafSlot = await generate({ name: 'ECDSA', namedCurve: 'P-256' });
  const csr = await createCsr(crypto, { key: leafSlot, subject: 'CN=d2', san: ['dns:d2.example'] });
  for (const [curve, algorithm] of CURVES.slice(1)) {
    const caSlot = await generate(algorithm);
    const ca = await createSelfSigned(crypto, { key: caSlot, subject: `CN=${curve} CA`, ca: true });
    const leaf = await issueCertificate(crypto, {
      csr,
      caKey: (await crypto.keys.get(caSlot)).privateKey,
      caCert: ca,
      days: 30,
      san: ['uri:spiffe://example.org/device/2'],
      keyUsage: ['digitalSignature', 'keyAgreement'],
      extendedKeyUsage: ['serverAuth', '1.3.6.1.5.5.7.3.17'],
    });
    const info = describeCertificate(leaf);
    assert.deepEqual(info.san.map(formatSan), ['uri:spiffe://example.org/device/2']);
    assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyAgreement']);
    assert.deepEqual(info.extendedKeyUsage, ['serverAuth', '1.3.6.1.5.5.7.3.17']);
    assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 30 * 86_400_000);
    assert.equal(signature(leaf), expectedSignature(curve));
    const caPath = await file(`${curve}-ca.pem`, encode(ca, 'pem'));
    await opensslOk(
      'verify',
      '-CAfile',
      caPath,
      await file(`${curve}-ca-leaf.pem`, encode(leaf, 'pem')),
    );
  }
});

/** A software P-256 CA: PKCS#8 PEM on disk, its key in Node's WebCrypto, its certificate. */
async function softwareCa(): Promise<{
  keyPem: string;
  keys: KeyPair;
  cert: x509.X509Certificate;
}> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keys = {
    privateKey: await importPrivateKey(keyPem),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    ),
  };
  const cert = await createSelfSigned(webcrypto, {
    key: keys,
    subject: 'CN=Software CA',
    ca: true,
  });
  return { keyPem, keys, cert };
}

void test('a software P-256 CA key (Node WebCrypto) issues for device CSRs', async () => {
  const { keys, cert: ca } = await softwareCa();
  const caPath = await file('software-ca.pem', encode(ca, 'pem'));
  await opensslOk('verify', '-CAfile', caPath, caPath);
  for (const [curve, algorithm] of CURVES) {
    const csr = await createCsr(crypto, {
      key: await generate(algorithm),
      subject: `CN=sw-${curve}`,
    });
    // K-256 CSRs can only be checked through zkbridge's Crypto; Node's WebCrypto suffices else.
    const via = curve === 'K-256' ? crypto : webcrypto;
    const leaf = await issueCertificate(via, { csr, caKey: keys.privateKey, caCert: ca });
    assert.equal(describeCertificate(leaf).issuer, 'CN=Software CA');
    await opensslOk(
      'verify',
      '-CAfile',
      caPath,
      await file(`sw-${curve}.pem`, encode(leaf, 'pem')),
    );
    if (curve === 'K-256') {
      await assert.rejects(
        issueCertificate(webcrypto, { csr, caKey: keys.privateKey, caCert: ca }),
        {
          code: 'ERR_UNSUPPORTED_KEY',
          message: /K-256 signature needs zkbridge's Crypto/,
        },
      );
    }
  }
  assert.equal(x509.cryptoProvider.get(), globalThis.crypto, 'the global provider is untouched');
});

void test('issue refuses a tampered CSR, a non-CA certificate and a CA key that does not match', async () => {
  const caSlot = await generate({ name: 'ECDSA', namedCurve: 'P-256' });
  const ca = await createSelfSigned(crypto, { key: caSlot, subject: 'CN=Refusing CA', ca: true });
  const slot = await generate({ name: 'ECDSA', namedCurve: 'P-256' });
  const csr = await createCsr(crypto, {
    key: slot,
    subject: 'CN=device-1',
    san: ['dns:d1.example'],
  });
  const der = encode(csr, 'der');
  const at = Buffer.from(der).indexOf('d1.example');
  assert.ok(at > 0);
  const tampered = Uint8Array.from(der);
  tampered[at + 1] = '9'.charCodeAt(0); // d9.example: still a well-formed CSR
  assert.deepEqual(describeCsr(parseCsr(tampered)).san, [{ type: 'dns', value: 'd9.example' }]);
  assert.equal(await verifyCsr(crypto, parseCsr(tampered)), false);
  await assert.rejects(
    issueCertificate(crypto, { csr: tampered, caKey: caSlot, caCert: ca }),
    (e) => {
      assert.ok(e instanceof X509Error);
      assert.equal(e.code, 'ERR_CSR_SIGNATURE');
      assert.equal(
        e.message,
        'the CSR for CN=device-1 does not verify (altered, or not signed by its key): not issuing',
      );
      return true;
    },
  );
  const leaf = await createSelfSigned(crypto, { key: slot, subject: 'CN=not a CA' });
  await assert.rejects(issueCertificate(crypto, { csr, caKey: slot, caCert: leaf }), {
    code: 'ERR_CA_CERT',
    message: /is not a CA: it lacks basicConstraints CA:TRUE/,
  });
  await assert.rejects(issueCertificate(crypto, { csr, caKey: slot, caCert: ca }), {
    code: 'ERR_CA_KEY_MISMATCH',
  });
  await assert.rejects(
    issueCertificate(crypto, { csr, caKey: caSlot, caCert: ca, ca: true, pathLength: 0, days: 0 }),
    { name: 'TypeError', message: /days must be a whole number/ },
  );
  assert.throws(() => parseCsr(encode(ca, 'pem')), {
    code: 'ERR_X509_PARSE',
    message: 'not a CSR: the PEM block is a CERTIFICATE',
  });
  assert.throws(() => parseCertificate(Uint8Array.of(1, 2, 3)), { code: 'ERR_X509_PARSE' });
});

void test('zkbridge csr and zkbridge cert against an emulator socket', async () => {
  const device = ['--device', address];
  const slot = await generate({ name: 'ECDSA', namedCurve: 'K-256' });
  const caSlot = await generate({ name: 'Ed25519' });
  const csrPath = join(dir, 'cli.csr');
  const derPath = join(dir, 'cli-csr.der');
  const caPath = join(dir, 'cli-ca.pem');
  const sans = ['--san', SANS[0] ?? '', '--san', SANS[3] ?? ''];
  const [pem, der, self] = await Promise.all([
    cli(
      'csr',
      '--slot',
      String(slot),
      '--subject',
      'CN=cli-1, O=Acme',
      ...sans,
      '--eku',
      'clientAuth',
      '--out',
      csrPath,
      ...device,
    ),
    cli(
      'csr',
      '--slot',
      String(slot),
      '--subject',
      '/O=Acme/CN=cli-1',
      '--der',
      '--out',
      derPath,
      ...device,
    ),
    cli(
      'cert',
      'self-sign',
      '--slot',
      String(caSlot),
      '--subject',
      'CN=CLI CA',
      '--ca',
      '--days',
      '30',
      '--out',
      caPath,
      ...device,
    ),
  ]);
  for (const r of [pem, der, self]) assert.equal(r.code, 0, r.stderr);
  assert.match(pem.stdout, /cli\.csr: CSR for CN=cli-1, O=Acme \(K-256, slot \d+\)/);
  await opensslOk('req', '-verify', '-noout', '-in', csrPath);
  await opensslOk('req', '-verify', '-noout', '-inform', 'DER', '-in', derPath);
  await opensslOk('verify', '-CAfile', caPath, caPath);
  assert.equal(describeCertificate(parseCertificate(await readFile(caPath))).ca, true);

  const stdoutCsr = await cli(
    'csr',
    '--slot',
    String(slot),
    '--subject',
    'CN=to-stdout',
    ...device,
  );
  assert.equal(stdoutCsr.code, 0, stdoutCsr.stderr);
  assert.equal(describeCsr(parseCsr(stdoutCsr.stdout)).subject, 'CN=to-stdout');

  const software = await softwareCa();
  const swKey = await file('cli-sw-key.pem', software.keyPem);
  const swCa = await file('cli-sw-ca.pem', encode(software.cert, 'pem'));
  const leafPath = join(dir, 'cli-leaf.pem');
  const swLeafPath = join(dir, 'cli-sw-leaf.der');
  const [issued, swIssued] = await Promise.all([
    cli(
      'cert',
      'issue',
      '--ca-key',
      String(caSlot),
      '--ca-cert',
      caPath,
      '--csr',
      csrPath,
      '--days',
      '7',
      '--out',
      leafPath,
      '--json',
      ...device,
    ),
    cli(
      'cert',
      'issue',
      '--ca-key',
      swKey,
      '--ca-cert',
      swCa,
      '--csr',
      derPath,
      '--der',
      '--out',
      swLeafPath,
      ...device,
    ),
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  assert.equal(swIssued.code, 0, swIssued.stderr);
  const json = JSON.parse(issued.stdout) as Record<string, unknown>;
  assert.equal(json['subject'], 'CN=cli-1, O=Acme');
  assert.equal(json['issuer'], 'CN=CLI CA');
  assert.deepEqual(json['san'], [SANS[0], SANS[3]]);
  assert.deepEqual(json['extendedKeyUsage'], ['clientAuth']);
  assert.equal(json['out'], leafPath);
  await opensslOk('verify', '-CAfile', caPath, leafPath);
  await opensslOk(
    'verify',
    '-CAfile',
    swCa,
    await file('cli-sw-leaf.pem', encode(parseCertificate(await readFile(swLeafPath)), 'pem')),
  );

  const tampered = (await readFile(derPath)).toString('latin1').replace('cli-1', 'cli-2');
  const tamperedPath = await file('cli-tampered.der', Buffer.from(tampered, 'latin1'));
  const [refused, badSan, missing, misplaced] = await Promise.all([
    cli(
      'cert',
      'issue',
      '--ca-key',
      String(caSlot),
      '--ca-cert',
      caPath,
      '--csr',
      tamperedPath,
      '--out',
      join(dir, 'no.pem'),
      ...device,
    ),
    cli('csr', '--slot', String(slot), '--subject', 'CN=x', '--san', 'ftp:x', ...device),
    cli('cert', 'issue', '--ca-cert', caPath, '--csr', csrPath, ...device),
    cli('csr', '--slot', String(slot), '--subject', 'CN=x', '--ca-key', '1', ...device),
  ]);
  assert.equal(refused.code, 1);
  assert.equal(
    refused.stderr,
    'zkbridge: the CSR for O=Acme, CN=cli-2 does not verify (altered, or not signed by its key): not issuing\n',
  );
  assert.equal(badSan.code, 2);
  assert.equal(badSan.stderr, "zkbridge: SAN 'ftp:x' must start with dns:, ip:, uri: or email:\n");
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'zkbridge: cert issue needs --ca-key\n');
  assert.equal(misplaced.code, 2);
  assert.equal(misplaced.stderr, "zkbridge: --ca-key does not apply to 'csr'\n");
});
