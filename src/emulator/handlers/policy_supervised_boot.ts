/** Supervised-boot commands (0x0Cxx, SCM), served by the device policies and boot_files.ts. */
import { Command } from '../../protocol/constants.generated.js';
import { DeviceFault } from '../fault.js';
import {
  addOrUpdateBootFile,
  assertAllowed,
  bootManifest,
  removeBootFile,
  setSupervisedBootPolicy,
} from '../policy/index.js';
import { signBootFile } from '../policy_runtime/boot_files.js';
import { field, type Handler, type HandlerTable } from './types.js';

const text = (p: Parameters<Handler>[1], name: string): string => p[name] as string;

export const policySupervisedBootHandlers: HandlerTable = new Map<number, Handler>([
  [
    Command.SET_SUPERVISED_BOOT_POLICY,
    async (d, req) => {
      const policy = field.num(req, 'policy');
      await d.policy.apply((p) => {
        setSupervisedBootPolicy(p, policy);
        return undefined;
      });
      return {};
    },
  ],
  [
    Command.ADD_OR_UPDATE_SUPERVISED_BOOT_FILE,
    async (d, req) => {
      const bootDir = d.policy.bootDir;
      if (bootDir === undefined) {
        throw new DeviceFault('ERR_SUPBOOT_FILE_NOT_FOUND', 'this device has no boot partition');
      }
      // The model refuses first (halted, not bound, ...), before the file is read and signed.
      assertAllowed(d.policy.policy.state, 'security');
      const entry = await signBootFile(d, bootDir, text(req, 'path'), field.num(req, 'slot'));
      await d.policy.apply((p) => {
        addOrUpdateBootFile(p, entry);
        return undefined;
      });
      return {};
    },
  ],
  [
    Command.REMOVE_SUPERVISED_BOOT_FILE,
    async (d, req) => {
      const path = text(req, 'path');
      await d.policy.apply((p) => {
        removeBootFile(p, path);
        return undefined;
      });
      return {};
    },
  ],
  [Command.GET_SUPERVISED_BOOT_MANIFEST, (d) => ({ files: bootManifest(d.policy.policy) })],
]);
