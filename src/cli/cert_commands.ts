/**
 * Certificate commands of the CLI: `csr`, `cert self-sign` and `cert issue`. Arguments are all
 * checked before the device is contacted; the device is `--device`, else ZKBRIDGE_DEVICE, else
 * the embedded emulator. `cert issue` with a software CA key contacts the device only when the
 * CSR's key is K-256 (which Node's WebCrypto cannot verify).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createCrypto, type Crypto } from '../webcrypto/crypto.js';
import {
  createCsr,
  createSelfSigned,
  describeCertificate,
  describeCsr,
  encode,
  formatSan,
  importPrivateKey,
  issueCertificate,
  keyName,
  parseCertificate,
  parseCsr,
  parseExtendedKeyUsage,
  parseKeyUsage,
  parseSan,
  subjectName,
  type AnyKey,
  type CryptoLike,
  type Encodable,
  type ExtendedKeyUsageName,
  type KeyUsageName,
  type Oid,
} from '../x509/index.js';
import { UsageError } from './usage.js';

export const CERT_HELP = `certificate commands (options: --device ADDR, --json; --der writes DER, needs --out):
  csr --slot N --subject DN [PROFILE] [--der] [--out FILE]
                                        a CSR signed by the slot's key (PEM on stdout without --out)
  cert self-sign --slot N --subject DN [PROFILE] [--days N] [--ca [--path-len N]] [--der] [--out FILE]
  cert issue --ca-key SLOT|KEY.pem --ca-cert CA.pem --csr FILE [PROFILE] [--subject DN] [--days N]
             [--ca [--path-len N]] [--der] [--out FILE]
                                        verify the CSR, then issue; the CSR's subject, SAN, usages unless given
  PROFILE: [--san dns:NAME|ip:ADDR|uri:URI|email:ADDR]... [--key-usage U,...] [--eku clientAuth,serverAuth,...]
  DN: "CN=device-1, O=Acme" (kept in this order) or "/O=Acme/CN=device-1"`;

const PROFILE = ['san', 'key-usage', 'eku'];
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  csr: ['slot', 'subject', ...PROFILE],
  'self-sign': ['slot', 'subject', ...PROFILE, 'days', 'ca', 'path-len'],
  issue: ['ca-key', 'ca-cert', 'csr', ...PROFILE, 'days', 'ca', 'path-len', 'subject'],
};

const OPTIONS = {
  device: { type: 'string' },
  json: { type: 'boolean' },
  der: { type: 'boolean' },
  out: { type: 'string' },
  slot: { type: 'string' },
  subject: { type: 'string' },
  san: { type: 'string', multiple: true },
  'key-usage': { type: 'string', multiple: true },
  eku: { type: 'string', multiple: true },
  days: { type: 'string' },
  ca: { type: 'boolean' },
  'path-len': { type: 'string' },
  'ca-key': { type: 'string' },
  'ca-cert': { type: 'string' },
  csr: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

/** Runs `check`, turning its TypeError (a bad argument) into a usage error. */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

function integer(text: string | undefined, what: string, min: number, max: number): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max} (got '${text ?? ''}')`);
  }
  return n;
}

function required(value: string | undefined, option: string, command: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command} needs --${option}`);
  return value;
}

/** The profile options, validated: SANs, key usages and EKUs (comma lists allowed). */
function profile(values: Values): {
  san?: string[];
  keyUsage?: KeyUsageName[];
  extendedKeyUsage?: (ExtendedKeyUsageName | Oid)[];
} {
  const list = (items: string[] | undefined): string[] | undefined =>
    items?.flatMap((item) => item.split(',')).filter((item) => item.trim() !== '');
  const san = values.san;
  const keyUsage = list(values['key-usage']);
  const eku = list(values.eku);
  return usage(() => ({
    ...(san ? { san: san.map((s) => formatSan(parseSan(s))) } : {}),
    ...(keyUsage ? { keyUsage: keyUsage.map(parseKeyUsage) } : {}),
    ...(eku ? { extendedKeyUsage: eku.map(parseExtendedKeyUsage) } : {}),
  }));
}

async function withCrypto<T>(values: Values, run: (crypto: Crypto) => Promise<T>): Promise<T> {
  const crypto = await createCrypto(values.device === undefined ? {} : { address: values.device });
  try {
    return await run(crypto);
  } finally {
    await crypto.close();
  }
}

async function emit(
  values: Values,
  item: Encodable,
  what: string,
  info: Record<string, unknown>,
): Promise<void> {
  const out = values.out;
  if (out !== undefined) {
    await writeFile(out, values.der === true ? encode(item, 'der') : encode(item, 'pem'));
  }
  const pem = encode(item, 'pem');
  if (values.json === true) {
    console.log(JSON.stringify({ ...info, ...(out === undefined ? { pem } : { out }) }));
  } else {
    console.log(out === undefined ? pem.trimEnd() : `${out}: ${what}`);
  }
}

function certificateInfo(item: Parameters<typeof describeCertificate>[0]): Record<string, unknown> {
  const info = describeCertificate(item);
  return {
    ...info,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    san: info.san.map(formatSan),
  };
}

function pathLengthOf(values: Values): number | undefined {
  if (values['path-len'] === undefined) return undefined;
  if (values.ca !== true) throw new UsageError('--path-len needs --ca');
  return integer(values['path-len'], '--path-len', 0, 64);
}

async function csrCommand(values: Values): Promise<void> {
  const slot = integer(values.slot, '--slot', 0, 0x7fffffff);
  const subject = required(values.subject, 'subject', 'csr');
  usage(() => subjectName(subject));
  const extras = profile(values);
  const csr = await withCrypto(values, (crypto) =>
    createCsr(crypto, { key: slot, subject, ...extras }),
  );
  const info = describeCsr(csr);
  await emit(values, csr, `CSR for ${info.subject} (${info.key}, slot ${slot})`, {
    slot,
    ...info,
    san: info.san.map(formatSan),
  });
}

async function selfSignCommand(values: Values): Promise<void> {
  const slot = integer(values.slot, '--slot', 0, 0x7fffffff);
  const subject = required(values.subject, 'subject', 'cert self-sign');
  usage(() => subjectName(subject));
  const ca = values.ca === true;
  const days = values.days === undefined ? undefined : integer(values.days, '--days', 1, 36500);
  const pathLength = pathLengthOf(values);
  const extras = profile(values);
  const cert = await withCrypto(values, (crypto) =>
    createSelfSigned(crypto, { key: slot, subject, ca, days, pathLength, ...extras }),
  );
  const kind = ca ? 'self-signed CA certificate' : 'self-signed certificate';
  await emit(values, cert, `${kind} for ${cert.subject} (slot ${slot})`, {
    slot,
    ...certificateInfo(cert),
  });
}

async function issueCommand(values: Values): Promise<void> {
  const caKeyArg = required(values['ca-key'], 'ca-key', 'cert issue');
  const caCertPath = required(values['ca-cert'], 'ca-cert', 'cert issue');
  const csrPath = required(values.csr, 'csr', 'cert issue');
  const subject = values.subject;
  if (subject !== undefined) usage(() => subjectName(subject));
  const days = values.days === undefined ? undefined : integer(values.days, '--days', 1, 36500);
  const pathLength = pathLengthOf(values);
  const extras = profile(values);
  const slot = /^\d+$/.test(caKeyArg) ? integer(caKeyArg, '--ca-key', 0, 0x7fffffff) : undefined;
  const csr = parseCsr(await readFile(csrPath));
  const caCert = parseCertificate(await readFile(caCertPath));
  const caKey: number | AnyKey = slot ?? (await importPrivateKey(await readFile(caKeyArg)));
  const issue = (crypto: CryptoLike): ReturnType<typeof issueCertificate> =>
    issueCertificate(crypto, {
      csr,
      caCert,
      caKey,
      ca: values.ca === true,
      pathLength,
      days,
      subject,
      ...extras,
    });
  // Node's WebCrypto suffices unless a slot signs or the CSR's K-256 signature must be checked.
  const needsDevice = typeof caKey === 'number' || keyName(csr.publicKey.algorithm) === 'K-256';
  const cert = needsDevice ? await withCrypto(values, issue) : await issue(webcrypto);
  await emit(values, cert, `certificate for ${cert.subject} issued by ${cert.issuer}`, {
    ...certificateInfo(cert),
  });
}

/**
 * `zkbridge csr ...` and `zkbridge cert self-sign|issue ...`; exit code 0 (errors are thrown).
 *
 * @example
 * ```ts
 * await certCommand('csr', ['--slot', '3', '--subject', 'CN=device-1', '--out', 'device.csr']);
 * ```
 */
export async function certCommand(command: 'csr' | 'cert', argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const sub = command === 'csr' ? 'csr' : (positionals[0] ?? '');
  const extra = command === 'csr' ? positionals : positionals.slice(1);
  const allowed = ALLOWED[sub];
  if (!allowed) {
    throw new UsageError(`unknown command 'cert ${sub}' (use cert self-sign or cert issue)`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0] ?? ''}'`);
  for (const name of Object.keys(values)) {
    if (!['device', 'json', 'der', 'out', ...allowed].includes(name)) {
      throw new UsageError(
        `--${name} does not apply to '${command === 'csr' ? 'csr' : `cert ${sub}`}'`,
      );
    }
  }
  if (values.der === true && values.out === undefined) {
    throw new UsageError('--der writes binary DER: give --out FILE');
  }
  if (sub === 'csr') await csrCommand(values);
  else if (sub === 'self-sign') await selfSignCommand(values);
  else await issueCommand(values);
  return 0;
}
