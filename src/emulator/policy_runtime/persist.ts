/**
 * The policy state on disk: one JSON file in the state directory, replaced atomically (temporary
 * file, fsync, rename, directory fsync) after every change.
 *
 * Loading decides what a device finds at power-on:
 * - no file, and the store never had one: a device fresh from the factory (this includes state
 *   directories made before policies existed);
 * - no file although the store says one was written, or a file that does not parse or fit: the
 *   device's binding memory is corrupt. The vendor calls a production device whose binding
 *   factors are corrupted unusable for ever; the device cannot tell whether it was in production,
 *   so it takes the safe reading: locked, production, cannot bind (docs/device_policies.md §9).
 *   A corrupt file is kept aside as `policy.json.corrupt`.
 *
 * @packageDocumentation
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { initialPolicyState, restorePolicyState, type PolicyState } from '../policy/index.js';
import type { ModelName } from '../models.js';
import { ioError } from '../store/errors.js';
import { fsyncDir, readIfExists, replaceFile } from '../store/files.js';

/** Name of the policy state file in the state directory. */
export const POLICY_FILE = 'policy.json';

/** What {@link loadPolicyState} found. */
export interface LoadedPolicyState {
  state: PolicyState;
  /** 'fresh' (no file), 'restored', or 'corrupt' (a cannot-bind state, see above). */
  origin: 'fresh' | 'restored' | 'corrupt';
  /** Why the stored state was unusable (origin 'corrupt'). */
  problem?: string;
}

/**
 * The state of a device whose policy memory is lost or corrupt: locked, in production mode and
 * unable to bind, for ever.
 *
 * @example
 * ```ts
 * corruptPolicyState('hsm6').binding.cannotBind; // true
 * ```
 */
export function corruptPolicyState(model: ModelName): PolicyState {
  const state = initialPolicyState(model);
  state.binding.lockRequested = true;
  state.binding.production = true;
  state.binding.cannotBind = true;
  for (const c of state.perimeter.channels) c.changesLeft = 1;
  return state;
}

/**
 * Loads the policy state of `dir`. `expected` says whether a file was written before (kept by the
 * caller in the device store).
 *
 * @example
 * ```ts
 * const { state, origin } = await loadPolicyState(dir, 'hsm6', false);
 * ```
 */
export async function loadPolicyState(
  dir: string,
  model: ModelName,
  expected: boolean,
): Promise<LoadedPolicyState> {
  const path = join(dir, POLICY_FILE);
  const bytes = await readIfExists(path);
  if (bytes === undefined) {
    if (!expected) return { state: initialPolicyState(model), origin: 'fresh' };
    return {
      state: corruptPolicyState(model),
      origin: 'corrupt',
      problem: `${POLICY_FILE} is missing`,
    };
  }
  try {
    const state = restorePolicyState(JSON.parse(new TextDecoder().decode(bytes)));
    // The directory now emulates another model: another device, fresh from the factory.
    if (state.model !== model) return { state: initialPolicyState(model), origin: 'fresh' };
    return { state, origin: 'restored' };
  } catch (error) {
    await rename(path, `${path}.corrupt`).catch(() => undefined);
    return {
      state: corruptPolicyState(model),
      origin: 'corrupt',
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Replaces the policy file of `dir` with `json`, durably.
 *
 * @throws StoreError `ERR_STORAGE_IO`.
 */
export async function savePolicyState(dir: string, json: string): Promise<void> {
  const path = join(dir, POLICY_FILE);
  try {
    const fh = await replaceFile(path, new TextEncoder().encode(json));
    await fh.close();
    await fsyncDir(dir);
  } catch (error) {
    throw ioError(`writing ${path}`, error, path);
  }
}
