// Device policy model, perimeter and self-destruct (src/emulator/policy/perimeter.ts,
// self_destruct.ts): the vendor's arming sequence, latched first-breach timestamps, notify events,
// the post-lock "one change" rule, developer-mode behaviour per model, and Zymkey4/HSM4 battery
// removal with tamper armed.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LedPattern, PerimeterAction } from '../../src/protocol/constants.generated.ts';
import {
  PERIMETER_EVENT_QUEUE,
  assertAllowed,
  breach,
  clearPerimeterEvents,
  closePerimeterLoop,
  cutLockTab,
  fatalRebootAt,
  getPerimeterDetectInfo,
  ledView,
  lockBinding,
  openPerimeterLoop,
  perimeterEventsAfter,
  reboot,
  refusal,
  setBatteryReading,
  setPerimeterEventAction,
  takePerimeterEvent,
  wipeTargets,
} from '../../src/emulator/policy/index.ts';
import { HOST_A, T0, assertRefused, bootedPolicy, lock } from './fixtures/policy_env.ts';

const NOTIFY = PerimeterAction.NOTIFY;
const SD = PerimeterAction.SELF_DESTRUCT;
const T0S = T0 / 1000;

void describe('perimeter: the documented arming sequence', () => {
  for (const model of ['zymkey4', 'hsm4', 'hsm6', 'scm'] as const) {
    void test(`${model}: notify, lock, reboot, close loops, clear, arm self-destruct, breach → keys gone`, () => {
      const tp = bootedPolicy(model);
      const { policy } = tp;
      // Loops not yet wired: both open, recorded at once by the clear.
      openPerimeterLoop(policy, 0);
      openPerimeterLoop(policy, 1);
      setPerimeterEventAction(policy, 0, NOTIFY);
      setPerimeterEventAction(policy, 1, NOTIFY);
      lock(policy);
      assert.equal(policy.state.binding.production, true);
      tp.advance(60_000);
      clearPerimeterEvents(policy); // loops still open: recorded again
      assert.deepEqual(getPerimeterDetectInfo(policy), [T0S + 60, T0S + 60]);
      closePerimeterLoop(policy, 0);
      closePerimeterLoop(policy, 1);
      assert.deepEqual(clearPerimeterEvents(policy), []);
      assert.deepEqual(getPerimeterDetectInfo(policy), [0, 0]);
      assert.equal(takePerimeterEvent(policy), undefined, 'clear forgets queued events');
      setPerimeterEventAction(policy, 0, NOTIFY | SD);
      assert.equal(policy.state.destroyed, null);

      tp.advance(3_600_000);
      const wiped = breach(policy, 0);
      assert.deepEqual(wiped, wipeTargets(policy.state));
      assert.ok(wiped.includes('factory-keys'));
      assert.deepEqual(policy.state.destroyed, { cause: 'tamper', at: T0S + 3660, channel: 0 });
      const ev = takePerimeterEvent(policy);
      assert.deepEqual(ev && { ...ev, seq: 0 }, {
        seq: 0,
        channel: 0,
        timestamp: T0S + 3660,
        actions: NOTIFY | SD,
      });
      // Unusable for ever, also after reboots; the documented failure shows.
      for (let i = 0; i < 3; i++) {
        assertRefused(() => {
          assertAllowed(policy.state, 'security');
        }, 'ERR_SELF_DESTRUCTED');
        const v = ledView(policy.state);
        assert.equal(v.pattern, LedPattern.FATAL);
        assert.equal(v.fatalMain, 5);
        assert.equal(v.fatalRepeats, 0);
        reboot(policy, { host: HOST_A });
      }
      assert.deepEqual(breach(policy, 1), [], 'nothing left to wipe');
    });
  }

  void test('wipe targets follow the model: no key store on Zymkey4/HSM4', () => {
    assert.deepEqual(wipeTargets(bootedPolicy('zymkey4').policy.state), [
      'factory-keys',
      'data-lock-keys',
      'token-store',
    ]);
    assert.deepEqual(wipeTargets(bootedPolicy('hsm6').policy.state), [
      'factory-keys',
      'generated-keys',
      'ephemeral-key',
      'foreign-keys',
      'wallets',
      'data-lock-keys',
      'token-store',
    ]);
  });
});

void describe('perimeter: actions', () => {
  void test('in production each channel can change once; unchanged settings cost nothing', () => {
    const { policy } = bootedPolicy('hsm6');
    for (let i = 0; i < 5; i++) setPerimeterEventAction(policy, 0, i % 2 === 0 ? NOTIFY : 0);
    lockBinding(policy);
    setPerimeterEventAction(policy, 0, NOTIFY); // still developer rules until the reboot
    setPerimeterEventAction(policy, 0, 0);
    reboot(policy);
    setPerimeterEventAction(policy, 0, 0); // same value: no change used
    setPerimeterEventAction(policy, 0, NOTIFY | SD);
    assertRefused(() => setPerimeterEventAction(policy, 0, NOTIFY), 'ERR_ACTION_LOCKED');
    assertRefused(() => setPerimeterEventAction(policy, 0, 0), 'ERR_ACTION_LOCKED');
    setPerimeterEventAction(policy, 0, NOTIFY | SD); // same value still accepted
    setPerimeterEventAction(policy, 1, NOTIFY);
    assertRefused(() => setPerimeterEventAction(policy, 1, 0), 'ERR_ACTION_LOCKED');
    reboot(policy);
    assertRefused(() => setPerimeterEventAction(policy, 0, NOTIFY), 'ERR_ACTION_LOCKED');
  });

  void test('Zymkey4: the one change starts at the tab cut', () => {
    const { policy } = bootedPolicy('zymkey4');
    setPerimeterEventAction(policy, 1, NOTIFY);
    cutLockTab(policy);
    setPerimeterEventAction(policy, 1, NOTIFY | SD);
    assertRefused(() => setPerimeterEventAction(policy, 1, NOTIFY), 'ERR_ACTION_LOCKED');
  });

  void test('arguments: unknown flags, channels out of range', () => {
    const { policy } = bootedPolicy('scm');
    assertRefused(() => setPerimeterEventAction(policy, 0, 4), 'ERR_INVALID_ARG');
    assertRefused(() => setPerimeterEventAction(policy, 0, -1), 'ERR_INVALID_ARG');
    assertRefused(() => setPerimeterEventAction(policy, 0, 1.5), 'ERR_INVALID_ARG');
    assertRefused(() => setPerimeterEventAction(policy, 2, NOTIFY), 'ERR_OUT_OF_RANGE');
    assertRefused(() => setPerimeterEventAction(policy, -1, NOTIFY), 'ERR_OUT_OF_RANGE');
    assertRefused(() => setPerimeterEventAction(policy, 0.5, NOTIFY), 'ERR_INVALID_ARG');
    assertRefused(() => breach(policy, 2), 'ERR_OUT_OF_RANGE');
  });

  void test('the EDU variant refuses self-destruct', () => {
    const { policy } = bootedPolicy('hsm6', { noSelfDestruct: true });
    assertRefused(() => setPerimeterEventAction(policy, 0, SD), 'ERR_UNSUPPORTED_MODEL');
    setPerimeterEventAction(policy, 0, NOTIFY);
  });
});

void describe('perimeter: breaches and events', () => {
  void test('first breach per channel is latched until cleared; clear re-arms', () => {
    const tp = bootedPolicy('hsm6');
    const { policy } = tp;
    setPerimeterEventAction(policy, 0, NOTIFY);
    setPerimeterEventAction(policy, 1, NOTIFY);
    tp.advance(10_000);
    breach(policy, 1);
    tp.advance(10_000);
    breach(policy, 1);
    breach(policy, 0);
    assert.deepEqual(getPerimeterDetectInfo(policy), [T0S + 20, T0S + 10]);
    const events = [takePerimeterEvent(policy), takePerimeterEvent(policy)];
    assert.deepEqual(
      events.map((e) => [e?.channel, e?.timestamp]),
      [
        [1, T0S + 10],
        [0, T0S + 20],
      ],
    );
    assert.equal(takePerimeterEvent(policy), undefined, 'a latched channel does not fire again');
    clearPerimeterEvents(policy);
    assert.deepEqual(getPerimeterDetectInfo(policy), [0, 0]);
    tp.advance(5000);
    breach(policy, 1);
    assert.deepEqual(getPerimeterDetectInfo(policy), [0, T0S + 25]);
    assert.equal(takePerimeterEvent(policy)?.timestamp, T0S + 25);
  });

  void test('breaches are recorded whatever the actions; only NOTIFY queues events', () => {
    const { policy } = bootedPolicy('zymkey4');
    breach(policy, 0);
    assert.notEqual(getPerimeterDetectInfo(policy)[0], 0);
    assert.equal(takePerimeterEvent(policy), undefined);
  });

  void test('an open loop stays breached; closing does not record; reopening a latched loop neither', () => {
    const tp = bootedPolicy('hsm4');
    const { policy } = tp;
    setPerimeterEventAction(policy, 0, NOTIFY);
    openPerimeterLoop(policy, 0);
    openPerimeterLoop(policy, 0);
    closePerimeterLoop(policy, 0);
    tp.advance(1000);
    openPerimeterLoop(policy, 0);
    assert.equal(perimeterEventsAfter(policy.state, 0).length, 1);
    assert.equal(getPerimeterDetectInfo(policy)[0], T0S);
  });

  void test('per-connection cursors see events without taking them', () => {
    const { policy } = bootedPolicy('hsm6');
    setPerimeterEventAction(policy, 0, NOTIFY);
    setPerimeterEventAction(policy, 1, NOTIFY);
    breach(policy, 0);
    breach(policy, 1);
    const all = perimeterEventsAfter(policy.state, 0);
    assert.deepEqual(
      all.map((e) => e.channel),
      [0, 1],
    );
    const first = all[0]?.seq ?? Number.NaN;
    assert.deepEqual(
      perimeterEventsAfter(policy.state, first).map((e) => e.channel),
      [1],
    );
    assert.equal(takePerimeterEvent(policy)?.channel, 0);
    assert.equal(perimeterEventsAfter(policy.state, 0).length, 1);
  });

  void test('the notify queue drops the oldest events beyond its bound', () => {
    const { policy } = bootedPolicy('hsm6');
    setPerimeterEventAction(policy, 0, NOTIFY);
    // Simulate a long run of breaches between waits without clearing the queue.
    for (let i = 0; i < PERIMETER_EVENT_QUEUE + 5; i++) {
      breach(policy, 0);
      const ch0 = policy.state.perimeter.channels[0];
      if (ch0) ch0.breached = false; // re-arm without clearing events
    }
    const events = policy.state.perimeter.events;
    assert.equal(events.length, PERIMETER_EVENT_QUEUE);
    assert.equal(events[0]?.seq, 6);
  });
});

void describe('perimeter: self-destruct by mode and model', () => {
  for (const model of ['zymkey4', 'hsm4', 'hsm6'] as const) {
    void test(`${model}: developer mode ignores self-destruct (notify still works)`, () => {
      const { policy } = bootedPolicy(model);
      setPerimeterEventAction(policy, 0, NOTIFY | SD);
      assert.deepEqual(breach(policy, 0), []);
      assert.equal(policy.state.destroyed, null);
      assert.equal(refusal(policy.state, 'security'), undefined);
      assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
      assert.equal(takePerimeterEvent(policy)?.actions, NOTIFY | SD);
    });
  }

  void test('hsm6: LOCK_BINDING alone does not arm self-destruct; the reboot does', () => {
    const { policy } = bootedPolicy('hsm6');
    setPerimeterEventAction(policy, 0, SD);
    lockBinding(policy);
    assert.deepEqual(breach(policy, 0), []);
    clearPerimeterEvents(policy);
    reboot(policy);
    assert.notDeepEqual(breach(policy, 0), []);
    assert.equal(policy.state.destroyed?.cause, 'tamper');
  });

  void test('scm: developer mode shows 6/n, halts, and recovers at the reboot', () => {
    const tp = bootedPolicy('scm');
    const { policy } = tp;
    setPerimeterEventAction(policy, 0, NOTIFY | SD);
    setPerimeterEventAction(policy, 1, SD);
    tp.advance(1000);
    assert.deepEqual(breach(policy, 0), []);
    let v = ledView(policy.state);
    assert.deepEqual(
      [v.pattern, v.fatalMain, v.fatalSub, v.fatalRepeats],
      [LedPattern.FATAL, 6, 1, 3],
    );
    assert.equal(v.since, T0 + 1000);
    assert.equal(refusal(policy.state, 'security'), 'ERR_DEVICE_HALTED');
    assert.equal(refusal(policy.state, 'device'), 'ERR_DEVICE_HALTED');
    assert.ok((fatalRebootAt(policy.state) ?? 0) > T0 + 1000);
    breach(policy, 1);
    v = ledView(policy.state);
    assert.deepEqual([v.fatalMain, v.fatalSub], [6, 3], 'aggregate of both channels');
    reboot(policy);
    assert.equal(policy.state.destroyed, null);
    assert.equal(refusal(policy.state, 'security'), undefined);
    assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
    assert.equal(fatalRebootAt(policy.state), undefined);
    assert.equal(takePerimeterEvent(policy)?.channel, 0, 'notify still delivered');
    assert.equal(takePerimeterEvent(policy), undefined, 'channel 1 has no NOTIFY');
  });

  void test('scm: channel 1 alone gives sub code 2', () => {
    const { policy } = bootedPolicy('scm');
    setPerimeterEventAction(policy, 1, SD);
    breach(policy, 1);
    assert.equal(ledView(policy.state).fatalSub, 2);
  });

  void test('scm: production destroys, and the LED shows main code 5 for ever', () => {
    const { policy } = bootedPolicy('scm');
    setPerimeterEventAction(policy, 1, NOTIFY);
    lockBinding(policy);
    reboot(policy);
    setPerimeterEventAction(policy, 1, NOTIFY | SD);
    assert.ok(breach(policy, 1).includes('wallets'));
    const v = ledView(policy.state);
    assert.deepEqual([v.fatalMain, v.fatalSub, v.fatalRepeats], [5, 0, 0]);
    assert.equal(fatalRebootAt(policy.state), undefined);
  });

  void test('EDU variant in production never destroys', () => {
    const { policy } = bootedPolicy('scm', { noSelfDestruct: true });
    lockBinding(policy);
    reboot(policy);
    // Armed through state as a restored EDU device might be: still no destruction.
    const ch0 = policy.state.perimeter.channels[0];
    if (ch0) ch0.actions = SD;
    assert.deepEqual(breach(policy, 0), []);
    assert.equal(policy.state.destroyed, null);
  });
});

void describe('battery removal with tamper armed (Zymkey4/HSM4)', () => {
  for (const model of ['zymkey4', 'hsm4'] as const) {
    void test(`${model}: removal destroys only with self-destruct live`, () => {
      const { policy } = bootedPolicy(model);
      setPerimeterEventAction(policy, 0, SD);
      assert.deepEqual(setBatteryReading(policy, 0), [], 'developer mode: nothing');
      setBatteryReading(policy, 3.0);
      lock(policy);
      assert.equal(policy.state.destroyed === null, true);
      assert.deepEqual(setBatteryReading(policy, 2.0), [], 'a low battery is not a removal');
      assert.ok(setBatteryReading(policy, 0).includes('factory-keys'));
      assert.equal(policy.state.destroyed?.cause, 'battery-removed');
      assert.equal(ledView(policy.state).fatalMain, 5);
    });
  }

  void test('without a self-destruct channel, removal in production does nothing', () => {
    const { policy } = bootedPolicy('zymkey4');
    setPerimeterEventAction(policy, 0, NOTIFY);
    cutLockTab(policy);
    assert.deepEqual(setBatteryReading(policy, 0), []);
    assert.equal(policy.state.destroyed, null);
  });

  void test('arming self-destruct with the battery already gone destroys at once', () => {
    const { policy } = bootedPolicy('zymkey4');
    cutLockTab(policy);
    setBatteryReading(policy, 0);
    assert.ok(setPerimeterEventAction(policy, 0, SD).length > 0);
  });

  void test('hsm6 has threshold policies instead: removal alone does nothing', () => {
    const { policy } = bootedPolicy('hsm6');
    setPerimeterEventAction(policy, 0, SD);
    lock(policy);
    assert.deepEqual(setBatteryReading(policy, 0), []);
    assert.equal(policy.state.destroyed, null);
  });
});
