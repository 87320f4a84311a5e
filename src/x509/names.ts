/**
 * Names in certificates: the subject (an RDN string such as `CN=device-1, O=Acme`, or an object
 * `{ CN: 'device-1', O: 'Acme' }`) and subject alternative names written as `type:value`
 * (`dns:device-1.example.com`, `ip:10.0.0.1`, `uri:spiffe://example.org/device/1`,
 * `email:ops@example.com`). Bad input is a `TypeError` with a one-line message.
 *
 * @packageDocumentation
 */
import { isIP } from 'node:net';
import { x509 } from './peculiar.js';

/** A subject: an RDN string, or attribute names (or OIDs) mapped to one value or several. */
export type SubjectInput = string | Readonly<Record<string, string | readonly string[]>>;

/** The kinds of subject alternative name supported. */
export type SanType = 'dns' | 'ip' | 'uri' | 'email';

/** A subject alternative name, validated. */
export interface SanEntry {
  readonly type: SanType;
  readonly value: string;
}

/** A SAN as `type:value` text or as an entry. */
export type SanInput = string | SanEntry;

type StringKind = 'printable' | 'ia5' | 'directory';

interface AttributeSpec {
  readonly oid: string;
  readonly label: string;
  readonly kind: StringKind;
  /** RFC 5280 upper bound on the value's length. */
  readonly max: number;
}

/** Known attributes in the conventional order of a DER name (most significant first). */
const SPECS: readonly AttributeSpec[] = [
  { oid: '0.9.2342.19200300.100.1.25', label: 'DC', kind: 'ia5', max: 63 },
  { oid: '2.5.4.6', label: 'C', kind: 'printable', max: 2 },
  { oid: '2.5.4.8', label: 'ST', kind: 'directory', max: 128 },
  { oid: '2.5.4.7', label: 'L', kind: 'directory', max: 128 },
  { oid: '2.5.4.9', label: 'street', kind: 'directory', max: 128 },
  { oid: '2.5.4.17', label: 'postalCode', kind: 'directory', max: 40 },
  { oid: '2.5.4.10', label: 'O', kind: 'directory', max: 64 },
  { oid: '2.5.4.11', label: 'OU', kind: 'directory', max: 64 },
  { oid: '2.5.4.12', label: 'title', kind: 'directory', max: 64 },
  { oid: '2.5.4.4', label: 'SN', kind: 'directory', max: 64 },
  { oid: '2.5.4.42', label: 'GN', kind: 'directory', max: 64 },
  { oid: '2.5.4.43', label: 'initials', kind: 'directory', max: 64 },
  { oid: '2.5.4.3', label: 'CN', kind: 'directory', max: 64 },
  { oid: '2.5.4.5', label: 'serialNumber', kind: 'printable', max: 64 },
  { oid: '0.9.2342.19200300.100.1.1', label: 'UID', kind: 'directory', max: 256 },
  { oid: '1.2.840.113549.1.9.1', label: 'E', kind: 'ia5', max: 255 },
];

const ALIASES: Readonly<Record<string, string>> = {
  surname: 'SN',
  givenname: 'GN',
  g: 'GN',
  t: 'title',
  i: 'initials',
  s: 'ST',
  emailaddress: 'E',
  email: 'E',
  userid: 'UID',
};

const BY_NAME: ReadonlyMap<string, AttributeSpec> = new Map([
  ...SPECS.map((s) => [s.label.toLowerCase(), s] as const),
  ...Object.entries(ALIASES).map(([alias, label]) => {
    const spec = SPECS.find((s) => s.label === label);
    if (!spec) throw new Error(`bad alias ${alias}`);
    return [alias, spec] as const;
  }),
]);
const BY_OID: ReadonlyMap<string, AttributeSpec> = new Map(SPECS.map((s) => [s.oid, s]));
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const KNOWN = SPECS.map((s) => s.label).join(', ');

function attributeSpec(type: string): AttributeSpec {
  const name = type.trim();
  const spec = BY_NAME.get(name.toLowerCase()) ?? BY_OID.get(name);
  if (spec) return spec;
  if (OID.test(name)) return { oid: name, label: name, kind: 'directory', max: Infinity };
  throw new TypeError(`unknown subject attribute '${name}' (use ${KNOWN} or an OID)`);
}

/** One attribute value with the ASN.1 string type its attribute calls for. */
function attributeValue(spec: AttributeSpec, value: string): Record<string, string> {
  if (value.length === 0) throw new TypeError(`subject attribute ${spec.label} is empty`);
  if (spec.label === 'C' && !/^[A-Za-z]{2}$/.test(value)) {
    throw new TypeError(`subject attribute C must be a two-letter country code (got '${value}')`);
  }
  if (value.length > spec.max) {
    throw new TypeError(`subject attribute ${spec.label} is longer than ${spec.max} characters`);
  }
  switch (spec.kind) {
    case 'printable':
      if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) {
        throw new TypeError(`subject attribute ${spec.label} must be printable ASCII`);
      }
      return { printableString: value };
    case 'ia5':
      if (!/^[\x20-\x7e]*$/.test(value)) {
        throw new TypeError(`subject attribute ${spec.label} must be ASCII`);
      }
      return { ia5String: value };
    default:
      return { utf8String: value };
  }
}

type Rdn = [type: string, value: string][];

/**
 * Splits at separators outside quotes and escapes. Returns the parts and which separator ended
 * each ('' for the last).
 */
function split(text: string, separators: string): { part: string; sep: string }[] {
  const out: { part: string; sep: string }[] = [];
  let part = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\' && i + 1 < text.length) {
      part += ch + text.charAt(i + 1);
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      part += ch;
    } else if (!quoted && separators.includes(ch)) {
      out.push({ part, sep: ch });
      part = '';
    } else {
      part += ch;
    }
  }
  if (quoted) throw new TypeError('subject has an unterminated quote');
  out.push({ part, sep: '' });
  return out;
}

/** Undoes RFC 4514 escaping: `\,` and friends, `\XX` hex pairs (UTF-8), "quoted" values. */
function unescape(raw: string): string {
  let text = raw.trim();
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1);
  else if (text.startsWith('#')) {
    throw new TypeError(
      `hex-encoded subject values are not supported ('${text}'); escape '#' as '\\#'`,
    );
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\') {
      const pair = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
        bytes.push(parseInt(pair, 16));
        i += 2;
        continue;
      }
      if (i + 1 >= text.length) throw new TypeError(`subject value '${raw.trim()}' ends with '\\'`);
      i++;
    }
    bytes.push(...Buffer.from(text.charAt(i), 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses an RDN string: RFC 4514 (`CN=a, O=b`, `+` joins a multi-valued RDN) or `/O=b/CN=a`. */
function parseSubjectString(text: string): Rdn[] {
  if (text.trim() === '') throw new TypeError('the subject is empty');
  const slashed = text.trim().startsWith('/');
  const body = slashed ? text.trim().slice(1) : text;
  const rdns: Rdn[] = [];
  let joining = false;
  for (const { part, sep } of split(body, slashed ? '/+' : ',+')) {
    if (part.trim() === '' && sep === '' && rdns.length > 0 && !joining) break;
    const eq = part.search(/(?<!\\)=/);
    if (eq < 0) throw new TypeError(`subject part '${part.trim()}' is not TYPE=value`);
    const attribute: [string, string] = [part.slice(0, eq).trim(), unescape(part.slice(eq + 1))];
    const last = rdns[rdns.length - 1];
    if (joining && last) last.push(attribute);
    else rdns.push([attribute]);
    joining = sep === '+';
  }
  return rdns;
}

/**
 * The distinguished name of `subject`. RDN strings keep the order written (as OpenSSL's
 * `-subj` does); objects are laid out in the conventional order (DC, C, ST, L, O, OU, CN, ...),
 * each value of an array in an RDN of its own.
 *
 * @example
 * ```ts
 * subjectName('CN=device-1, O=Acme').toString();          // 'CN=device-1, O=Acme'
 * subjectName({ CN: 'device-1', O: 'Acme' }).toString();  // 'O=Acme, CN=device-1'
 * ```
 */
export function subjectName(subject: SubjectInput): x509.Name {
  let rdns: Rdn[];
  if (typeof subject === 'string') {
    rdns = parseSubjectString(subject);
  } else {
    const entries = Object.entries(subject).map(([type, v]) => ({
      spec: attributeSpec(type),
      values: typeof v === 'string' ? [v] : [...v],
    }));
    const rank = (spec: AttributeSpec): number => {
      const i = SPECS.indexOf(spec);
      return i < 0 ? SPECS.length : i;
    };
    entries.sort((a, b) => rank(a.spec) - rank(b.spec));
    rdns = entries.flatMap(({ spec, values }) => values.map((v): Rdn => [[spec.oid, v]]));
  }
  if (rdns.length === 0) throw new TypeError('the subject is empty');
  const json = rdns.map((rdn) => {
    const item: Record<string, Record<string, string>[]> = {};
    for (const [type, value] of rdn) {
      const spec = attributeSpec(type);
      (item[spec.oid] ??= []).push(attributeValue(spec, value));
    }
    return item;
  });
  return new x509.Name(json);
}

const DNS_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

function checkDns(value: string): string {
  const labels = value.split('.');
  const ok =
    value.length <= 253 &&
    labels.every((label, i) => DNS_LABEL.test(label) || (i === 0 && label === '*')) &&
    labels.length > (labels[0] === '*' ? 2 : 0);
  if (!ok) throw new TypeError(`SAN dns:${value} is not a DNS name`);
  return value;
}

function checkIp(value: string): string {
  const version = isIP(value);
  if (version === 4) return value;
  if (version !== 6 || value.includes('%')) {
    throw new TypeError(`SAN ip:${value} is not an IPv4 or IPv6 address`);
  }
  // The WHATWG URL parser gives the canonical (compressed, all-hex) IPv6 form.
  return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}

const SPIFFE = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function checkUri(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/.test(value)) {
    throw new TypeError(`SAN uri:${value} is not an absolute ASCII URI`);
  }
  if (url.protocol === 'spiffe:') {
    const segments = value.slice('spiffe://'.length).split('/').slice(1);
    if (!SPIFFE.test(value) || segments.some((s) => s === '.' || s === '..')) {
      throw new TypeError(
        `SAN uri:${value} is not a SPIFFE ID (spiffe://trust-domain/path, lower-case trust domain, no query or fragment)`,
      );
    }
  }
  return value;
}

function checkEmail(value: string): string {
  if (!/^[\x21-\x3f\x41-\x7e]+@[A-Za-z0-9.-]+$/.test(value)) {
    throw new TypeError(`SAN email:${value} is not an ASCII e-mail address`);
  }
  return value;
}

/**
 * Parses and validates a subject alternative name: `dns:`, `ip:`, `uri:` (or `url:`),
 * `email:` followed by the value. IPv6 addresses come back in canonical form.
 *
 * @example
 * ```ts
 * parseSan('uri:spiffe://example.org/device/1'); // { type: 'uri', value: 'spiffe://example.org/device/1' }
 * parseSan('ip:::ffff:10.0.0.1');                // { type: 'ip', value: '::ffff:a00:1' }
 * ```
 */
export function parseSan(input: SanInput): SanEntry {
  let type: string;
  let value: string;
  if (typeof input === 'string') {
    const colon = input.indexOf(':');
    type = colon < 0 ? '' : input.slice(0, colon).toLowerCase();
    value = input.slice(colon + 1);
  } else {
    ({ type, value } = input);
  }
  switch (type) {
    case 'dns':
      return { type, value: checkDns(value) };
    case 'ip':
      return { type, value: checkIp(value) };
    case 'uri':
    case 'url':
      return { type: 'uri', value: checkUri(value) };
    case 'email':
      return { type, value: checkEmail(value) };
    default:
      throw new TypeError(
        `SAN '${typeof input === 'string' ? input : `${type}:${value}`}' must start with dns:, ip:, uri: or email:`,
      );
  }
}

/**
 * A SAN as `type:value` text.
 *
 * @example
 * ```ts
 * formatSan({ type: 'dns', value: 'd1.example.com' }); // 'dns:d1.example.com'
 * ```
 */
export function formatSan(entry: SanEntry): string {
  return `${entry.type}:${entry.value}`;
}

/** The full eight-group form of an IPv6 address (which the library's IP parser needs). */
function expandIpv6(canonical: string): string {
  const [left = '', right = ''] = canonical.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = canonical.includes('::') ? (right === '' ? [] : right.split(':')) : [];
  const zeros: string[] = Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...(canonical.includes('::') ? zeros : []), ...tail].join(':');
}

/**
 * The SAN extension for validated entries.
 *
 * @example
 * ```ts
 * const extension = sanExtension(['dns:d1.example.com', 'ip:10.0.0.1'].map(parseSan));
 * ```
 */
export function sanExtension(entries: readonly SanEntry[], critical = false): x509.Extension {
  const names = entries.map((e) => {
    const value = e.type === 'ip' && e.value.includes(':') ? expandIpv6(e.value) : e.value;
    return { type: e.type === 'uri' ? ('url' as const) : e.type, value };
  });
  return new x509.SubjectAlternativeNameExtension(names, critical);
}

/**
 * The SANs of an extension as entries (other kinds of name are skipped).
 *
 * @example
 * ```ts
 * sanEntries(sanExtension([parseSan('dns:a.example')])); // [{ type: 'dns', value: 'a.example' }]
 * ```
 */
export function sanEntries(extension: x509.SubjectAlternativeNameExtension): SanEntry[] {
  const out: SanEntry[] = [];
  for (const name of extension.names.items) {
    if (name.type === 'dns' || name.type === 'ip' || name.type === 'email') {
      out.push({ type: name.type, value: name.value });
    } else if (name.type === 'url') {
      out.push({ type: 'uri', value: name.value });
    }
  }
  return out;
}
