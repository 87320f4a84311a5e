/**
 * Certificate extensions by name: key usage, extended key usage, subject alternative names,
 * and reading them back from a CSR or a certificate.
 *
 * @packageDocumentation
 */
import { x509 } from './peculiar.js';
import { parseSan, sanEntries, sanExtension, type SanEntry, type SanInput } from './names.js';

/** A dotted object identifier. */
export type Oid = `${number}.${string}`;

/** Key usage bits (RFC 5280, 4.2.1.3) by name. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** Extended key usages by name; any other purpose is given as its OID. */
export type ExtendedKeyUsageName =
  'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection' | 'timeStamping' | 'ocspSigning';

const KEY_USAGES: Readonly<Record<KeyUsageName, number>> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  encipherOnly: x509.KeyUsageFlags.encipherOnly,
  decipherOnly: x509.KeyUsageFlags.decipherOnly,
};

const EKU: Readonly<Record<ExtendedKeyUsageName, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
};

/** What a CSR asks for, or a certificate carries, beyond subject and key. */
export interface Profile {
  /** Subject alternative names (`dns:...`, `ip:...`, `uri:...`, `email:...`). */
  san?: readonly SanInput[] | undefined;
  /** Key usage bits; the extension is critical. */
  keyUsage?: readonly KeyUsageName[] | undefined;
  /** Extended key usages: names or OIDs. */
  extendedKeyUsage?: readonly (ExtendedKeyUsageName | Oid)[] | undefined;
  /** Further extensions, added as given. */
  extensions?: readonly x509.Extension[] | undefined;
}

/** The readable content of the extensions of a CSR or certificate. */
export interface ProfileInfo {
  san: SanEntry[];
  keyUsage: KeyUsageName[];
  /** Names for the well-known purposes, OIDs for the others. */
  extendedKeyUsage: string[];
}

const lowerKeyUsage = new Map(
  Object.keys(KEY_USAGES).map((k) => [k.toLowerCase(), k as KeyUsageName]),
);
const lowerEku = new Map(Object.keys(EKU).map((k) => [k.toLowerCase(), k as ExtendedKeyUsageName]));

/**
 * A key usage name, matched case-insensitively (`contentCommitment` is `nonRepudiation`).
 *
 * @example
 * ```ts
 * parseKeyUsage('digitalsignature'); // 'digitalSignature'
 * ```
 */
export function parseKeyUsage(text: string): KeyUsageName {
  const key = text.trim().toLowerCase();
  const name = key === 'contentcommitment' ? 'nonRepudiation' : lowerKeyUsage.get(key);
  if (!name) {
    throw new TypeError(`unknown key usage '${text}' (use ${Object.keys(KEY_USAGES).join(', ')})`);
  }
  return name;
}

/**
 * An extended key usage name, matched case-insensitively, or a dotted OID.
 *
 * @example
 * ```ts
 * parseExtendedKeyUsage('clientauth'); // 'clientAuth'
 * ```
 */
export function parseExtendedKeyUsage(text: string): ExtendedKeyUsageName | Oid {
  const trimmed = text.trim();
  const name = lowerEku.get(trimmed.toLowerCase());
  if (name) return name;
  if (/^[0-2](\.(0|[1-9][0-9]*))+$/.test(trimmed)) return trimmed as Oid;
  throw new TypeError(
    `unknown extended key usage '${text}' (use ${Object.keys(EKU).join(', ')} or an OID)`,
  );
}

/**
 * The extensions of a profile: SAN, key usage (critical), extended key usage, then the extra
 * ones. Validates every value first (TypeError).
 *
 * @example
 * ```ts
 * const extensions = profileExtensions({ san: ['dns:d1.example.com'], extendedKeyUsage: ['clientAuth'] });
 * ```
 */
export function profileExtensions(profile: Profile): x509.Extension[] {
  const out: x509.Extension[] = [];
  const san = (profile.san ?? []).map(parseSan);
  if (san.length > 0) out.push(sanExtension(san));
  if (profile.keyUsage && profile.keyUsage.length > 0) {
    out.push(keyUsageExtension(profile.keyUsage));
  }
  if (profile.extendedKeyUsage && profile.extendedKeyUsage.length > 0) {
    const oids = profile.extendedKeyUsage.map((u) => {
      const parsed = parseExtendedKeyUsage(u);
      return EKU[parsed as ExtendedKeyUsageName] ?? parsed;
    });
    out.push(new x509.ExtendedKeyUsageExtension(oids, false));
  }
  out.push(...(profile.extensions ?? []));
  return out;
}

/**
 * A critical key usage extension with these bits.
 *
 * @example
 * ```ts
 * keyUsageExtension(['keyCertSign', 'cRLSign']);
 * ```
 */
export function keyUsageExtension(usages: readonly KeyUsageName[]): x509.KeyUsagesExtension {
  const flags = usages.reduce((bits, u) => bits | KEY_USAGES[parseKeyUsage(u)], 0);
  // The flags are a bit set of KeyUsageFlags members, which the enum type cannot express.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  return new x509.KeyUsagesExtension(flags, true);
}

/**
 * Reads SAN, key usage and extended key usage from a list of extensions.
 *
 * @example
 * ```ts
 * const { san, keyUsage, extendedKeyUsage } = describeExtensions(csr.extensions);
 * ```
 */
export function describeExtensions(extensions: readonly x509.Extension[]): ProfileInfo {
  const info: ProfileInfo = { san: [], keyUsage: [], extendedKeyUsage: [] };
  for (const extension of extensions) {
    if (extension instanceof x509.SubjectAlternativeNameExtension) {
      info.san.push(...sanEntries(extension));
    } else if (extension instanceof x509.KeyUsagesExtension) {
      for (const [name, bit] of Object.entries(KEY_USAGES)) {
        if ((extension.usages & bit) !== 0) info.keyUsage.push(name as KeyUsageName);
      }
    } else if (extension instanceof x509.ExtendedKeyUsageExtension) {
      for (const usage of extension.usages) {
        const oid = String(usage);
        const name = Object.entries(EKU).find(([, o]) => o === oid)?.[0];
        info.extendedKeyUsage.push(name ?? oid);
      }
    }
  }
  return info;
}

/**
 * The extension of `type` among `extensions`, if there is one.
 *
 * @example
 * ```ts
 * findExtension(cert.extensions, x509.BasicConstraintsExtension)?.ca;
 * ```
 */
export function findExtension<T extends x509.Extension>(
  extensions: readonly x509.Extension[],
  type: abstract new (...args: never[]) => T,
): T | undefined {
  return extensions.find((e): e is T => e instanceof type);
}
