/**
 * Perimeter (tamper) detection: two channels, each with NOTIFY and SELF_DESTRUCT action flags,
 * a latched first-breach timestamp, and notify events for WAIT_PERIMETER_EVENT.
 *
 * - A breach is a closed loop opening. It is recorded whatever the actions (epoch seconds of the
 *   first breach since the last clear) and disarms the channel until CLEAR_PERIMETER_EVENTS.
 * - SELF_DESTRUCT destroys the keys when production mode is in effect (Zymkey4: tab cut). In
 *   developer mode an SCM-class device shows fatal code 6/n (n: bit 1 for channel 0, bit 2 for
 *   channel 1, over the self-destruct channels breached since the clear) and reboots; other
 *   models do nothing.
 * - NOTIFY queues an event after any destruction, so the keys are gone when a waiter hears of it.
 * - In production mode each channel's actions can be changed once more, then ERR_ACTION_LOCKED.
 *
 * Waits are the emulator's: it takes queued events with {@link takePerimeterEvent} (or follows
 * them per connection with {@link perimeterEventsAfter}) and answers -110 (ERR_TIMEOUT) itself.
 *
 * @packageDocumentation
 */
import { PerimeterAction } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed } from './gate.js';
import { settleLed } from './led.js';
import { evaluateMonitors } from './monitors.js';
import { selfDestruct, selfDestructLive, type WipeTarget } from './self_destruct.js';
import {
  PERIMETER_CHANNELS,
  epochSeconds,
  isScmClass,
  type ChannelState,
  type Policy,
  type PerimeterEventRecord,
  type PolicyState,
} from './state.js';

/** Every defined action flag. */
export const PERIMETER_ACTION_MASK = PerimeterAction.NOTIFY | PerimeterAction.SELF_DESTRUCT;
/** Notify events kept for waiters; older ones are dropped beyond this. */
export const PERIMETER_EVENT_QUEUE = 32;

function channelOf(state: PolicyState, channel: number): ChannelState {
  if (!Number.isInteger(channel)) throw new PolicyError('ERR_INVALID_ARG', 'bad channel');
  const c = state.perimeter.channels[channel];
  if (channel < 0 || channel >= PERIMETER_CHANNELS || c === undefined) {
    throw new PolicyError('ERR_OUT_OF_RANGE', `channel must be 0..${PERIMETER_CHANNELS - 1}`);
  }
  return c;
}

/**
 * SET_PERIMETER_EVENT_ACTION. Setting the actions a channel already has changes nothing and does
 * not use up the post-lock change.
 *
 * @example
 * ```ts
 * setPerimeterEventAction(policy, 0, PerimeterAction.NOTIFY | PerimeterAction.SELF_DESTRUCT);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` (unknown flag bits), `ERR_OUT_OF_RANGE` (channel),
 *   `ERR_UNSUPPORTED_MODEL` (SELF_DESTRUCT on the EDU variant), `ERR_ACTION_LOCKED` (the one
 *   production-mode change is used).
 */
export function setPerimeterEventAction(
  policy: Policy,
  channel: number,
  actions: number,
): WipeTarget[] {
  const s = policy.state;
  assertAllowed(s, 'device');
  const c = channelOf(s, channel);
  if (!Number.isInteger(actions) || actions < 0 || (actions & ~PERIMETER_ACTION_MASK) !== 0) {
    throw new PolicyError('ERR_INVALID_ARG', 'unknown perimeter action bits');
  }
  if ((actions & PerimeterAction.SELF_DESTRUCT) !== 0 && s.variant.noSelfDestruct) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', 'this variant never self-destructs');
  }
  if (c.actions === actions) return [];
  if (c.changesLeft === 0) {
    throw new PolicyError('ERR_ACTION_LOCKED', `channel ${channel} actions are locked`);
  }
  c.actions = actions;
  if (c.changesLeft !== null) c.changesLeft -= 1;
  // Zymkey4/HSM4: arming self-destruct with the battery already gone destroys at once.
  const wiped = evaluateMonitors(policy);
  settleLed(policy);
  return wiped;
}

/**
 * GET_PERIMETER_INFO: epoch seconds of the first breach per channel since the last clear, 0 =
 * none.
 *
 * @example
 * ```ts
 * getPerimeterDetectInfo(policy); // [0, 1767225600]
 * ```
 */
export function getPerimeterDetectInfo(policy: Policy): number[] {
  assertAllowed(policy.state, 'device');
  return policy.state.perimeter.channels.map((c) => c.firstBreach);
}

function tamperSub(state: PolicyState): number {
  let sub = 0;
  state.perimeter.channels.forEach((c, i) => {
    if (c.breached && (c.actions & PerimeterAction.SELF_DESTRUCT) !== 0) sub |= 1 << i;
  });
  return sub;
}

function recordBreach(policy: Policy, channel: number): WipeTarget[] {
  const s = policy.state;
  const c = channelOf(s, channel);
  if (c.breached) return [];
  const now = epochSeconds(policy);
  c.breached = true;
  c.firstBreach = now;
  let wiped: WipeTarget[] = [];
  if ((c.actions & PerimeterAction.SELF_DESTRUCT) !== 0) {
    if (selfDestructLive(s)) {
      wiped = selfDestruct(policy, 'tamper', channel);
    } else if (isScmClass(s) && !s.binding.production && s.destroyed === null) {
      const fatal = s.led.fatal;
      if (fatal === null || fatal.cause === 'tamper') {
        s.led.fatal = { main: 6, sub: tamperSub(s), cause: 'tamper' };
      }
    }
  }
  if ((c.actions & PerimeterAction.NOTIFY) !== 0) {
    const events = s.perimeter.events;
    events.push({ seq: s.perimeter.nextSeq++, channel, timestamp: now, actions: c.actions });
    if (events.length > PERIMETER_EVENT_QUEUE)
      events.splice(0, events.length - PERIMETER_EVENT_QUEUE);
  }
  return wiped;
}

/**
 * Simulation input: the channel's loop opens. On a closed, armed loop that is a breach.
 *
 * @example
 * ```ts
 * const wiped = openPerimeterLoop(policy, 1);
 * ```
 * @returns What the emulator must wipe now (a live self-destruct), else [].
 */
export function openPerimeterLoop(policy: Policy, channel: number): WipeTarget[] {
  const c = channelOf(policy.state, channel);
  const wasClosed = c.closed;
  c.closed = false;
  const wiped = wasClosed ? recordBreach(policy, channel) : [];
  settleLed(policy);
  return wiped;
}

/**
 * Simulation input: the channel's loop closes again. Closing records nothing; the breach stays
 * latched until cleared.
 *
 * @example
 * ```ts
 * closePerimeterLoop(policy, 1);
 * ```
 */
export function closePerimeterLoop(policy: Policy, channel: number): void {
  channelOf(policy.state, channel).closed = true;
}

/**
 * Simulation input: a momentary breach (the loop opens and closes again).
 *
 * @example
 * ```ts
 * breach(policy, 0);
 * ```
 * @returns What the emulator must wipe now.
 */
export function breach(policy: Policy, channel: number): WipeTarget[] {
  const wiped = openPerimeterLoop(policy, channel);
  closePerimeterLoop(policy, channel);
  return wiped;
}

/**
 * CLEAR_PERIMETER_EVENTS: forgets the breaches and queued events and re-arms both channels. A
 * loop still open is breached again at once (the vendor's "clear until clean" step).
 *
 * @example
 * ```ts
 * clearPerimeterEvents(policy);
 * getPerimeterDetectInfo(policy); // [0, 0] when both loops are closed
 * ```
 * @returns What the emulator must wipe now (an open loop on a live self-destruct channel).
 */
export function clearPerimeterEvents(policy: Policy): WipeTarget[] {
  const s = policy.state;
  assertAllowed(s, 'device');
  for (const c of s.perimeter.channels) {
    c.breached = false;
    c.firstBreach = 0;
  }
  s.perimeter.events = [];
  const wiped: WipeTarget[] = [];
  s.perimeter.channels.forEach((c, i) => {
    if (!c.closed) wiped.push(...recordBreach(policy, i));
  });
  settleLed(policy);
  return wiped;
}

/**
 * Takes the oldest queued notify event, or undefined when there is none: the device side of a
 * perimeter wait, without its timing. The emulator waits for the next breach itself and answers
 * ERR_TIMEOUT (-110) when the timeout runs out.
 *
 * @example
 * ```ts
 * const ev = takePerimeterEvent(policy);
 * if (ev === undefined) status = 'ERR_TIMEOUT'; // after waiting timeout_ms
 * ```
 */
export function takePerimeterEvent(policy: Policy): PerimeterEventRecord | undefined {
  return policy.state.perimeter.events.shift();
}

/**
 * Queued events after sequence number `seq`, oldest first, without taking them: for emulators
 * that keep one cursor per connection (the protocol's per-connection latch).
 *
 * @example
 * ```ts
 * const [next] = perimeterEventsAfter(policy.state, cursor);
 * ```
 */
export function perimeterEventsAfter(state: PolicyState, seq: number): PerimeterEventRecord[] {
  return state.perimeter.events.filter((e) => e.seq > seq);
}
