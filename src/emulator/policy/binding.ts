/**
 * Host binding and production mode.
 *
 * The device binds to a host identity: a host fingerprint plus a salt the host service keeps in
 * its state directory. Another host changes the fingerprint; another storage, or a lost or
 * rewritten state directory, changes the salt. The model keeps only a digest of the two.
 *
 * - Developer mode: a boot with another identity simply rebinds.
 * - Production mode: Zymkey4 by cutting its lock tab (in effect at once); other models by
 *   LOCK_BINDING, reported as locked at once and in effect from the next reboot. From then on a
 *   boot with another identity leaves the device unable to bind, for ever: the vendor calls such
 *   a device unusable and gives no way back, so moving back to the first host does not help.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { ResetReason } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed, isBound } from './gate.js';
import { settleLed } from './led.js';
import { evaluateMonitors } from './monitors.js';
import type { WipeTarget } from './self_destruct.js';
import { applyBootCheck } from './supervised_boot.js';
import {
  epochSeconds,
  hasQuirk,
  locksByTab,
  type BootCheck,
  type Policy,
  type PolicyState,
} from './state.js';

/** What the host presents when the device boots. */
export interface HostIdentity {
  /** Stable identity of the host (machine id, CPU serial, ...). */
  fingerprint: string;
  /** Random salt from the host's state directory, on the host's storage. */
  salt: string;
}

/** Options of {@link reboot}. */
export interface RebootOptions {
  /** The host now presented; null = no host service; omitted = the same as before. */
  host?: HostIdentity | null;
  /** Why the device restarts (DEVICE_RESET reason); default HOST_REBOOT. */
  reason?: ResetReason;
  /**
   * The host boot's check of the supervised-boot manifest; omitted when no host boot checked it
   * (a device-only reset), which leaves any supervised-boot hold as it is.
   */
  bootCheck?: BootCheck;
}

/** Resets after which firmware quirk #159 has lost the generated key pairs. */
const KEY_LOSING_RESETS: ReadonlySet<ResetReason> = new Set<ResetReason>([
  ResetReason.POWER_ON,
  ResetReason.HOST_REBOOT,
  ResetReason.FATAL,
  ResetReason.SIMULATED,
]);

/** What a boot found. */
export interface BootResult {
  bound: boolean;
  production: boolean;
  cannotBind: boolean;
  /** Key material destroyed by a monitor policy at boot, to wipe now. */
  wiped: WipeTarget[];
}

/**
 * The digest the device keeps for a host identity.
 *
 * @example
 * ```ts
 * hostDigest({ fingerprint: 'pi-1234', salt: 'c0ffee' }).length; // 64
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` for an empty fingerprint or salt.
 */
export function hostDigest(host: HostIdentity): string {
  if (host.fingerprint === '' || host.salt === '') {
    throw new PolicyError('ERR_INVALID_ARG', 'host fingerprint and salt must not be empty');
  }
  return createHash('sha256')
    .update(`zkbridge-binding\0${host.fingerprint}\0${host.salt}`)
    .digest('hex');
}

/**
 * A new salt for a host state directory (32 hex digits from the injected randomness).
 *
 * @example
 * ```ts
 * const host = { fingerprint: 'pi-1234', salt: createHostSalt(policy) };
 * ```
 */
export function createHostSalt(policy: Policy): string {
  return Buffer.from(policy.env.random(16)).toString('hex');
}

function enterProduction(state: PolicyState): void {
  state.binding.production = true;
  for (const c of state.perimeter.channels) c.changesLeft = 1;
}

function bind(state: PolicyState): void {
  const b = state.binding;
  if (b.cannotBind || b.currentHost === null || b.boundTo === b.currentHost) return;
  if (b.boundTo === null || !b.production) {
    b.boundTo = b.currentHost;
    return;
  }
  b.cannotBind = true;
}

/**
 * Boots the device (power-on, host reboot, or a device reset): a pending LOCK_BINDING takes
 * effect, the binding is checked against the host presented, host LED settings and any
 * recoverable fatal code end, the monitors are applied to the present readings, a host boot's
 * supervised-boot check is applied, and firmware quirk #159 loses the generated key pairs.
 *
 * @example
 * ```ts
 * reboot(policy, { host: { fingerprint: 'pi-1', salt }, reason: ResetReason.POWER_ON });
 * getCurrentBindingInfo(policy); // { locked: false, bound: true }
 * ```
 */
export function reboot(policy: Policy, options: RebootOptions = {}): BootResult {
  const s = policy.state;
  s.resets.count += 1;
  s.resets.last = { reason: options.reason ?? ResetReason.HOST_REBOOT, at: epochSeconds(policy) };
  s.led.override = null;
  s.led.fatal = null;
  s.power.hostComms = true;
  if (s.binding.lockRequested && !s.binding.production) enterProduction(s);
  if (options.host !== undefined) {
    s.binding.currentHost = options.host === null ? null : hostDigest(options.host);
  }
  bind(s);
  const wiped = evaluateMonitors(policy);
  if (options.bootCheck !== undefined) wiped.push(...applyBootCheck(policy, options.bootCheck));
  const reason = s.resets.last.reason;
  if (hasQuirk(s, 'gen-keys-lost-on-reboot') && KEY_LOSING_RESETS.has(reason)) {
    wiped.push('generated-pairs');
  }
  s.led.statusKey = ''; // every pattern starts afresh after a boot
  settleLed(policy);
  return {
    bound: isBound(s),
    production: s.binding.production,
    cannotBind: s.binding.cannotBind,
    wiped,
  };
}

/**
 * LOCK_BINDING: production mode for good. Reported as locked at once; the production rules
 * (frozen monitor policies, one more perimeter action change, live self-destruct) apply from the
 * next {@link reboot}.
 *
 * @example
 * ```ts
 * lockBinding(policy);
 * reboot(policy);
 * ```
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL` (Zymkey4: cut the tab), the security refusals
 *   (`ERR_NOT_BOUND`, `ERR_BROWNOUT`, ...), `ERR_ALREADY_LOCKED`.
 */
export function lockBinding(policy: Policy): void {
  const s = policy.state;
  if (locksByTab(s)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${s.model} locks by cutting its lock tab`);
  }
  assertAllowed(s, 'security');
  if (s.binding.lockRequested) throw new PolicyError('ERR_ALREADY_LOCKED', 'already locked');
  s.binding.lockRequested = true;
  settleLed(policy);
}

/**
 * Simulation input (Zymkey4): the lock tab is cut. Production mode is in effect at once and for
 * good; cutting again changes nothing. A device not yet bound binds to the next host for good.
 *
 * @example
 * ```ts
 * const wiped = cutLockTab(policy);
 * ```
 * @returns Key material destroyed at once (a self-destruct policy that is now live), to wipe.
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL` on models without a tab.
 */
export function cutLockTab(policy: Policy): WipeTarget[] {
  const s = policy.state;
  if (!locksByTab(s)) throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${s.model} has no lock tab`);
  if (s.binding.tabCut) return [];
  s.binding.tabCut = true;
  s.binding.lockRequested = true;
  enterProduction(s);
  const wiped = evaluateMonitors(policy);
  settleLed(policy);
  return wiped;
}

/**
 * GET_BINDING_INFO, in the library's order: locked first, then bound.
 *
 * @example
 * ```ts
 * const { locked, bound } = getCurrentBindingInfo(policy);
 * ```
 */
export function getCurrentBindingInfo(policy: Policy): { locked: boolean; bound: boolean } {
  assertAllowed(policy.state, 'device');
  return { locked: policy.state.binding.lockRequested, bound: isBound(policy.state) };
}
