/** Key slots: generation, removal, listing, public export, foreign keys. */
import { Command, KeyType } from '../../protocol/constants.generated.js';
import { generateKeyPair, publicKeyPem, validatePublicKey } from '../crypto/index.js';
import { DeviceFault } from '../fault.js';
import { classifySlot } from '../models.js';
import type { DeviceContext } from '../device_context.js';
import { field, type Handler, type HandlerTable } from './types.js';

function keyType(device: DeviceContext, value: number, allowed: readonly KeyType[]): KeyType {
  if (!allowed.includes(value as KeyType)) {
    throw new DeviceFault(
      'ERR_UNSUPPORTED_CURVE',
      `${device.spec.model} does not do key type ${value} here`,
    );
  }
  return value as KeyType;
}

function exportable(device: DeviceContext, slot: number, foreign: boolean) {
  const key = device.key(slot, foreign);
  if (key.exportDisabled)
    throw new DeviceFault('ERR_PUBKEY_EXPORT_DISABLED', `slot ${slot}: export disabled`);
  return key;
}

export const keyHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.GEN_KEY_PAIR,
    async (d, req) => {
      const type = keyType(d, field.num(req, 'key_type'), d.spec.generateTypes);
      const slot = d.freeGeneratedSlot();
      const pair = generateKeyPair(type);
      const rec = { slot, origin: 'generated', exportDisabled: false, ...pair } as const;
      await d.commit(Command.GEN_KEY_PAIR, (w) => d.store.putKey(rec, w));
      return { slot };
    },
  ],
  [
    Command.GEN_EPHEMERAL_KEY_PAIR,
    (d, req) => {
      d.ephemeral = generateKeyPair(keyType(d, field.num(req, 'key_type'), d.spec.generateTypes));
      return {};
    },
  ],
  [
    Command.INVALIDATE_EPHEMERAL_KEY,
    (d) => {
      d.ephemeral = undefined;
      return {};
    },
  ],
  [
    Command.REMOVE_KEY,
    async (d, req) => {
      const slot = field.num(req, 'slot');
      if (field.bool(req, 'foreign')) {
        d.foreignKey(slot);
        await d.commit(Command.REMOVE_KEY, (w) => d.store.removeForeign(slot, w));
        return { removed: [slot] };
      }
      const where = classifySlot(d.spec, slot);
      if (where === 'factory')
        throw new DeviceFault('ERR_SLOT_NOT_REMOVABLE', `slot ${slot} is a factory slot`);
      if (where !== 'generated' || !d.store.getKey(slot)) {
        throw new DeviceFault('ERR_NO_SUCH_SLOT', `slot ${slot} holds no removable key`);
      }
      // Wallet descendants go too, and with every key the token objects bound to its slot.
      const freed = [slot, ...d.store.descendantsOf(slot)];
      for (const s of freed) d.slotFreed(s);
      const { result: removed } = await d.commit(Command.REMOVE_KEY, (w) =>
        d.store.removeKeys([slot], w),
      );
      return { removed };
    },
  ],
  [
    Command.GET_ALLOC_SLOTS,
    (d, req) => {
      if (field.bool(req, 'foreign')) {
        d.requireForeignStore();
        const slots = [...d.store.foreignKeys()].map((k) => k.slot).sort((a, b) => a - b);
        return { max_num_keys: d.spec.foreignMax, slots };
      }
      const slots = [...d.store.keys()].map((k) => k.slot).sort((a, b) => a - b);
      return { max_num_keys: d.spec.factorySlots.length + d.spec.generatedMax, slots };
    },
  ],
  [
    Command.EXPORT_PUBKEY,
    (d, req) => {
      const key = exportable(d, field.num(req, 'slot'), field.bool(req, 'foreign'));
      return { key_type: key.type, public_key: key.publicKey };
    },
  ],
  [
    Command.EXPORT_PUBKEY_PEM,
    (d, req) => {
      const key = exportable(d, field.num(req, 'slot'), field.bool(req, 'foreign'));
      return { pem: new TextEncoder().encode(publicKeyPem(key.type, key.publicKey)) };
    },
  ],
  [
    Command.DISABLE_PUBKEY_EXPORT,
    async (d, req) => {
      const slot = field.num(req, 'slot');
      const foreign = field.bool(req, 'foreign');
      const key = d.key(slot, foreign);
      if (slot === -1) throw new DeviceFault('ERR_NO_SUCH_SLOT', 'the ephemeral key is not stored');
      if (!key.exportDisabled) {
        await d.commit(Command.DISABLE_PUBKEY_EXPORT, (w) =>
          d.store.setExportDisabled(slot, foreign, w),
        );
      }
      return {};
    },
  ],
  [
    Command.STORE_FOREIGN_PUBKEY,
    async (d, req) => {
      d.requireForeignStore();
      const type = keyType(d, field.num(req, 'key_type'), d.spec.curves);
      const publicKey = validatePublicKey(type, field.bytes(req, 'public_key'));
      const slot = d.freeForeignSlot();
      const rec = { slot, type, publicKey, exportDisabled: false };
      await d.commit(Command.STORE_FOREIGN_PUBKEY, (w) => d.store.putForeign(rec, w));
      return { slot };
    },
  ],
]);
