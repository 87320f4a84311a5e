// Device policy model, binding and production mode (src/emulator/policy/binding.ts, gate.ts,
// state.ts, restore.ts): developer-mode rebinding, LOCK_BINDING effective at the next reboot, the
// Zymkey4 lock tab, "cannot bind" for ever in production, brown-out, and state persistence.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LedPattern, ResetReason } from '../../src/protocol/constants.generated.ts';
import { MODEL_NAMES } from '../../src/emulator/models.ts';
import {
  assertAllowed,
  createHostSalt,
  createPolicy,
  cutLockTab,
  getCurrentBindingInfo,
  hostDigest,
  initialPolicyState,
  ledOn,
  ledView,
  lockBinding,
  policyErrorStatus,
  reboot,
  refusal,
  restorePolicyState,
  setSupplyStable,
} from '../../src/emulator/policy/index.ts';
import {
  HOST_A,
  HOST_B,
  T0,
  assertRefused,
  bootedPolicy,
  freshPolicy,
  lock,
} from './fixtures/policy_env.ts';

void describe('binding: developer mode', () => {
  void test('a fresh device is unbound: security refused, LED blinks rapidly', () => {
    const { policy } = freshPolicy('hsm6');
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: false, bound: false });
    assert.equal(refusal(policy.state, 'security'), 'ERR_NOT_BOUND');
    assert.equal(refusal(policy.state, 'device'), undefined);
    reboot(policy, { reason: ResetReason.POWER_ON });
    assert.equal(ledView(policy.state).pattern, LedPattern.UNBOUND);
  });

  for (const model of MODEL_NAMES) {
    void test(`${model}: the first boot binds; another host rebinds; moving back rebinds again`, () => {
      const { policy } = bootedPolicy(model);
      assert.deepEqual(getCurrentBindingInfo(policy), { locked: false, bound: true });
      assert.equal(policy.state.binding.boundTo, hostDigest(HOST_A));
      assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
      assert.doesNotThrow(() => {
        assertAllowed(policy.state, 'security');
      });

      const r = reboot(policy, { host: HOST_B });
      assert.deepEqual(r, { bound: true, production: false, cannotBind: false, wiped: [] });
      assert.equal(policy.state.binding.boundTo, hostDigest(HOST_B));
      reboot(policy, { host: HOST_A });
      assert.equal(policy.state.binding.boundTo, hostDigest(HOST_A));
      assert.equal(getCurrentBindingInfo(policy).bound, true);
    });
  }

  void test('a changed salt (other storage, lost state dir) rebinds in developer mode', () => {
    const { policy } = bootedPolicy('scm');
    reboot(policy, { host: { ...HOST_A, salt: createHostSalt(policy) } });
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: false, bound: true });
    assert.notEqual(policy.state.binding.boundTo, hostDigest(HOST_A));
  });

  void test('no host service: not bound, ERR_NOT_BOUND, binding kept for the host', () => {
    const { policy } = bootedPolicy('hsm6');
    reboot(policy, { host: null });
    assert.equal(getCurrentBindingInfo(policy).bound, false);
    assertRefused(() => {
      assertAllowed(policy.state, 'security');
    }, 'ERR_NOT_BOUND');
    assert.equal(policy.state.binding.boundTo, hostDigest(HOST_A));
    reboot(policy, { host: HOST_A });
    assert.equal(getCurrentBindingInfo(policy).bound, true);
  });

  void test('host identities: digest depends on both parts; salts come from the injected random', () => {
    assert.notEqual(hostDigest(HOST_A), hostDigest({ ...HOST_A, salt: HOST_B.salt }));
    assert.notEqual(hostDigest(HOST_A), hostDigest({ ...HOST_B, salt: HOST_A.salt }));
    assert.equal(hostDigest(HOST_A), hostDigest({ ...HOST_A }));
    assertRefused(() => hostDigest({ fingerprint: '', salt: 'x' }), 'ERR_INVALID_ARG');
    assertRefused(() => hostDigest({ fingerprint: 'x', salt: '' }), 'ERR_INVALID_ARG');
    const a = freshPolicy('hsm6').policy;
    const b = freshPolicy('hsm6').policy;
    const salt = createHostSalt(a);
    assert.match(salt, /^[0-9a-f]{32}$/);
    assert.equal(createHostSalt(b), salt, 'same seed, same salt');
    assert.notEqual(createHostSalt(a), salt);
  });

  void test('reboot records the reason, ends host LED settings and restarts the pattern', () => {
    const tp = bootedPolicy('hsm6');
    const { policy } = tp;
    assert.deepEqual(policy.state.resets, {
      count: 1,
      last: { reason: ResetReason.POWER_ON, at: T0 / 1000 },
    });
    ledOn(policy);
    tp.advance(5000);
    reboot(policy);
    assert.equal(policy.state.resets.count, 2);
    assert.equal(policy.state.resets.last?.reason, ResetReason.HOST_REBOOT);
    const v = ledView(policy.state);
    assert.equal(v.pattern, LedPattern.DEVELOPER);
    assert.equal(v.since, T0 + 5000);
  });
});

void describe('binding: production mode', () => {
  void test('LOCK_BINDING: locked at once, production rules after the next reboot', () => {
    const { policy } = bootedPolicy('hsm6');
    lockBinding(policy);
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: true });
    assert.equal(policy.state.binding.production, false);
    assert.equal(ledView(policy.state).pattern, LedPattern.DEVELOPER);
    assertRefused(() => {
      lockBinding(policy);
    }, 'ERR_ALREADY_LOCKED');
    const r = reboot(policy);
    assert.deepEqual(r, { bound: true, production: true, cannotBind: false, wiped: [] });
    assert.equal(ledView(policy.state).pattern, LedPattern.PRODUCTION);
    assertRefused(() => {
      lockBinding(policy);
    }, 'ERR_ALREADY_LOCKED');
  });

  void test('LOCK_BINDING is a security command: refused unbound and during a brown-out', () => {
    const { policy } = freshPolicy('hsm4');
    assertRefused(() => {
      lockBinding(policy);
    }, 'ERR_NOT_BOUND');
    reboot(policy, { host: HOST_A });
    setSupplyStable(policy, false);
    assertRefused(() => {
      lockBinding(policy);
    }, 'ERR_BROWNOUT');
    setSupplyStable(policy, true);
    lockBinding(policy);
    assert.equal(getCurrentBindingInfo(policy).locked, true);
  });

  void test('Zymkey4 locks by its tab, at once and for good; other models have no tab', () => {
    const { policy } = bootedPolicy('zymkey4');
    assertRefused(() => {
      lockBinding(policy);
    }, 'ERR_UNSUPPORTED_MODEL');
    assert.deepEqual(cutLockTab(policy), []);
    assert.equal(policy.state.binding.production, true);
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: true });
    assert.equal(ledView(policy.state).pattern, LedPattern.PRODUCTION);
    assert.deepEqual(cutLockTab(policy), [], 'cutting again changes nothing');
    for (const model of ['hsm4', 'hsm6', 'scm'] as const) {
      assertRefused(() => cutLockTab(bootedPolicy(model).policy), 'ERR_UNSUPPORTED_MODEL');
    }
  });

  void test('Zymkey4 with the tab cut before binding binds to the first host for good', () => {
    const { policy } = freshPolicy('zymkey4');
    cutLockTab(policy);
    reboot(policy, { host: HOST_B });
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: true });
    reboot(policy, { host: HOST_A });
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: false });
    assert.equal(policy.state.binding.cannotBind, true);
  });

  for (const model of MODEL_NAMES) {
    const changes = [
      ['another host', HOST_B],
      ['another storage (new salt)', { ...HOST_A, salt: 'fresh-salt-on-new-sd-card' }],
      ['a changed salt file', { ...HOST_A, salt: `${HOST_A.salt}0` }],
    ] as const;
    for (const [what, host] of changes) {
      void test(`${model}: production + ${what} → cannot bind, for ever`, () => {
        const { policy } = bootedPolicy(model);
        lock(policy);
        const r = reboot(policy, { host });
        assert.deepEqual(r, { bound: false, production: true, cannotBind: true, wiped: [] });
        assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: false });
        assert.equal(refusal(policy.state, 'security'), 'ERR_BINDING_BROKEN');
        assert.equal(policyErrorStatus.ERR_BINDING_BROKEN, 'ERR_BINDING_BROKEN');
        assert.equal(refusal(policy.state, 'device'), undefined, 'diagnosis still answers');
        assert.equal(ledView(policy.state).pattern, LedPattern.CANNOT_BIND);
        // Further reboots, and moving back to the original host, do not help.
        reboot(policy);
        reboot(policy, { host: HOST_A });
        reboot(policy, { host: HOST_A, reason: ResetReason.POWER_ON });
        assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: false });
        assertRefused(() => {
          assertAllowed(policy.state, 'security');
        }, 'ERR_BINDING_BROKEN');
        assert.equal(ledView(policy.state).pattern, LedPattern.CANNOT_BIND);
      });
    }
  }

  void test('a pending lock meeting another host at the same reboot cannot bind', () => {
    const { policy } = bootedPolicy('scm');
    lockBinding(policy);
    const r = reboot(policy, { host: HOST_B });
    assert.equal(r.cannotBind, true);
  });

  void test('production + the same host after a reboot stays bound', () => {
    const { policy } = bootedPolicy('hsm6');
    lock(policy);
    reboot(policy, { host: { ...HOST_A } });
    reboot(policy, { host: null });
    assert.equal(getCurrentBindingInfo(policy).bound, false);
    assert.equal(policy.state.binding.cannotBind, false, 'no host is not another host');
    reboot(policy, { host: HOST_A });
    assert.deepEqual(getCurrentBindingInfo(policy), { locked: true, bound: true });
  });
});

void describe('power and persistence', () => {
  void test('brown-out refuses security commands until power is stable again', () => {
    const { policy } = bootedPolicy('zymkey4');
    setSupplyStable(policy, false);
    assert.equal(refusal(policy.state, 'security'), 'ERR_BROWNOUT');
    assert.equal(refusal(policy.state, 'device'), undefined);
    setSupplyStable(policy, true);
    assert.equal(refusal(policy.state, 'security'), undefined);
  });

  void test('the state is plain JSON: a round trip restores an equal, working policy', () => {
    const tp = bootedPolicy('hsm6');
    lockBinding(tp.policy);
    const text = JSON.stringify(tp.policy.state);
    const restored = restorePolicyState(JSON.parse(text));
    assert.deepEqual(restored, tp.policy.state);
    const again = createPolicy(restored, tp.policy.env);
    reboot(again, { host: HOST_B });
    assert.equal(again.state.binding.cannotBind, true, 'the pending lock survived persistence');
    for (const model of MODEL_NAMES) {
      const fresh = initialPolicyState(model);
      assert.deepEqual(restorePolicyState(JSON.parse(JSON.stringify(fresh))), fresh);
    }
  });

  void test('restore rejects a state that does not fit, naming the field', () => {
    const good = (): Record<string, unknown> =>
      JSON.parse(JSON.stringify(initialPolicyState('scm'))) as Record<string, unknown>;
    assert.throws(() => restorePolicyState(null), /state must be an object/);
    assert.throws(() => restorePolicyState({ ...good(), version: 3 }), /state\.version/);
    assert.throws(() => restorePolicyState({ ...good(), model: 'hsm9' }), /state\.model/);
    const s = good();
    (s.perimeter as { channels: unknown[] }).channels.pop();
    assert.throws(() => restorePolicyState(s), /state\.perimeter\.channels must be an array of 2/);
    const t = good();
    (t.binding as Record<string, unknown>).production = 'yes';
    assert.throws(() => restorePolicyState(t), /state\.binding\.production must be a boolean/);
    const u = good();
    (u.supervisedBoot as Record<string, unknown>).held = 'maybe';
    assert.throws(() => restorePolicyState(u), /state\.supervisedBoot\.held must be one of/);
  });

  void test('restore upgrades a layout-1 state: quirk list, new sections at factory values', () => {
    const v2 = initialPolicyState('scm', { quirks: ['battery-threshold-unchecked'] });
    v2.battery.threshold = 2.9;
    const { digitalPerimeter, accel, supervisedBoot, ...rest } = JSON.parse(
      JSON.stringify(v2),
    ) as Record<string, unknown>;
    assert.ok(digitalPerimeter && accel && supervisedBoot);
    const v1 = {
      ...rest,
      version: 1,
      variant: {
        noSelfDestruct: false,
        batteryThresholdUnchecked: true,
        productionTemperature: 'hold',
      },
    };
    const restored = restorePolicyState(v1);
    assert.equal(restored.version, 2);
    assert.deepEqual(restored.variant, {
      noSelfDestruct: false,
      quirks: ['battery-threshold-unchecked'],
      productionTemperature: 'hold',
    });
    assert.equal(restored.battery.threshold, 2.9);
    assert.deepEqual(restored.accel, initialPolicyState('scm').accel);
    assert.deepEqual(restored.supervisedBoot, initialPolicyState('scm').supervisedBoot);
    assert.deepEqual(restored.digitalPerimeter, initialPolicyState('scm').digitalPerimeter);
  });
});
