/**
 * Device commands of the CLI: info, random, keys, sign, verify, foreign. Each connects to the
 * configured device (`--device`, else ZKBRIDGE_DEVICE, else the embedded emulator), prints a
 * human answer or, with --json, one JSON object.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Device } from '../provider/device.js';
import { keyTypeOf, type KeyTypeInput } from '../provider/key_types.js';
import { UsageError } from './usage.js';

const KEY_TYPE_NAMES = ['nistp256', 'secp256k1', 'ed25519', 'x25519'];

export const DEVICE_HELP = `device commands (options: --device ADDR, --json):
  info                                  model, serial, firmware, limits
  random N [--hex]                      N random bytes (base64, or hex)
  keys list [--foreign]                 allocated slots
  keys generate TYPE                    new key pair (${KEY_TYPE_NAMES.join(', ')})
  keys remove SLOT [--foreign]          remove a generated or foreign key
  keys public SLOT [--foreign] [--pem]  public key (hex X||Y, or PEM)
  sign --slot N (--file F | --digest HEX)          ECDSA over SHA-256 of the file, or a digest
  verify --slot N (--file F | --digest HEX) --signature HEX [--foreign]
  foreign add TYPE HEX                  store a foreign public key
  foreign list | foreign remove SLOT`;

type Out = Record<string, unknown>;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function parseHex(text: string | undefined, what: string): Uint8Array {
  if (text === undefined || !/^([0-9a-fA-F]{2})*$/.test(text))
    throw new UsageError(`${what} must be hex`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

function parseSlot(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < -1 || n > 0x7fffffff) {
    throw new UsageError(`slot must be an integer (got '${text ?? ''}')`);
  }
  return n;
}

function parseKeyType(text: string | undefined): KeyTypeInput {
  try {
    return keyTypeOf((text ?? '') as KeyTypeInput);
  } catch {
    throw new UsageError(`key type must be one of ${KEY_TYPE_NAMES.join(', ')}`);
  }
}

async function digestOf(values: {
  file?: string | undefined;
  digest?: string | undefined;
}): Promise<Uint8Array> {
  if (values.digest !== undefined) {
    const d = parseHex(values.digest, '--digest');
    if (d.length !== 32) throw new UsageError('--digest must be 32 bytes (64 hex digits)');
    return d;
  }
  if (values.file === undefined) throw new UsageError('give --file or --digest');
  return new Uint8Array(
    createHash('sha256')
      .update(await readFile(values.file))
      .digest(),
  );
}

/** Runs one device command; returns a JSON-able result and its human rendering. */
async function run(
  device: Device,
  command: string,
  args: string[],
  values: Record<string, unknown>,
): Promise<[Out, string]> {
  const foreign = values['foreign'] === true;
  // keys and foreign take a subcommand; the rest take their arguments directly.
  const sub = command === 'keys' || command === 'foreign' ? `${command} ${args[0] ?? ''}` : command;
  switch (sub) {
    case 'info': {
      const i = device.info;
      return [
        { ...i },
        `${i.model} serial ${i.serial} firmware ${i.firmware}\nkey slots ${i.keySlots}, foreign ${i.foreignSlots}, factory ${i.factorySlots}`,
      ];
    }
    case 'random': {
      const n = Number(args[0]);
      if (!Number.isInteger(n) || n < 0)
        throw new UsageError('random N: N must be a non-negative integer');
      const bytes = await device.getRandBytes(n);
      const text = values['hex'] === true ? hex(bytes) : Buffer.from(bytes).toString('base64');
      return [{ bytes: hex(bytes) }, text];
    }
    case 'keys list':
    case 'foreign list': {
      const list = await device.getAllocSlotsList(command === 'foreign' || foreign);
      return [list, `${list.slots.join(' ')}\n(${list.slots.length} of ${list.maxNumKeys})`];
    }
    case 'keys generate': {
      const slot = await device.genKeyPair(parseKeyType(args[1]));
      return [{ slot }, `slot ${slot}`];
    }
    case 'keys remove':
    case 'foreign remove': {
      const removed = await device.removeKey(parseSlot(args[1]), command === 'foreign' || foreign);
      return [{ removed }, `removed ${removed.join(' ')}`];
    }
    case 'keys public': {
      const slot = parseSlot(args[1]);
      if (values['pem'] === true) {
        const pem = await device.exportPubKeyPem(slot, foreign);
        return [{ slot, pem }, pem.trimEnd()];
      }
      const { type, publicKey } = await device.exportPubKeyWithType(slot, foreign);
      return [{ slot, type: KEY_TYPE_NAMES[type], publicKey: hex(publicKey) }, hex(publicKey)];
    }
    case 'foreign add': {
      const slot = await device.storeForeignPubKey(
        parseKeyType(args[1]),
        parseHex(args[2], 'public key'),
      );
      return [{ slot }, `foreign slot ${slot}`];
    }
    case 'sign': {
      const { signature, recoveryId } = await device.genECDSASigFromDigest(
        await digestOf(values),
        parseSlot(values['slot'] as string | undefined),
      );
      return [{ signature: hex(signature), recoveryId }, hex(signature)];
    }
    case 'verify': {
      const valid = await device.verifyECDSASigFromDigest(
        await digestOf(values),
        parseHex(values['signature'] as string | undefined, '--signature'),
        parseSlot(values['slot'] as string | undefined),
        foreign,
      );
      return [{ valid }, valid ? 'valid' : 'INVALID'];
    }
    default:
      throw new UsageError(`unknown command '${command} ${args.join(' ')}'\n${DEVICE_HELP}`);
  }
}

/** `zkbridge <device command> ...`; exit code 0, or 1 for an invalid signature. */
export async function deviceCommand(command: string, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      device: { type: 'string' },
      json: { type: 'boolean' },
      foreign: { type: 'boolean' },
      pem: { type: 'boolean' },
      hex: { type: 'boolean' },
      slot: { type: 'string' },
      file: { type: 'string' },
      digest: { type: 'string' },
      signature: { type: 'string' },
    },
  });
  const device = await Device.connect(
    values.device === undefined ? {} : { address: values.device },
  );
  try {
    const [json, human] = await run(device, command, positionals, values);
    console.log(values.json === true ? JSON.stringify(json) : human);
    return json['valid'] === false ? 1 : 0;
  } finally {
    await device.close();
  }
}
