// Checks the protocol spec (spec/*.json) against the vendor research, the generated C header,
// the generated TypeScript constants and docs/protocol.md.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  COMMAND_INFO,
  Command,
  Event,
  Feature,
  STATUS_INFO,
  Status,
  commandName,
  statusErrno,
  statusName,
} from '../../src/protocol/index.ts';

interface Field {
  name: string;
  type: string;
  note: string;
  enum?: string;
}
interface StatusEntry {
  name: string;
  code: string;
  errno: number | null;
  errno_source: string;
  scope: string;
  description: string;
}
interface CommandEntry {
  name: string;
  code: string;
  api: string[];
  models: string;
  mutates: boolean;
  request: Field[];
  response: Field[];
  errors: string[];
}
interface EventEntry {
  name: string;
  code: string;
  payload: Field[];
}
interface CommandsDoc {
  commands: CommandEntry[];
  events: EventEntry[];
  features: { name: string; bit: number }[];
  unmapped: { api: string[]; reason: string }[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (rel: string): string => readFileSync(root + rel, 'utf8');
const statuses = (JSON.parse(read('spec/status.json')) as { statuses: StatusEntry[] }).statuses;
const spec = JSON.parse(read('spec/commands.json')) as CommandsDoc;
const code = (hex: string): number => Number.parseInt(hex, 16);

/** Every function name of the research's function list (section 2.3): C, Python and C++. */
const RESEARCH_FUNCTIONS = [
  // random, LED, admin, time, accelerometer
  ...['zkGetRandBytes', 'get_random', 'getRandBytes'],
  ...['zkCreateRandDataFile', 'create_random_file', 'createRandDataFile'],
  ...['zkLEDOn', 'zkLEDOff', 'led_on', 'led_off', 'ledOn', 'ledOff'],
  ...['zkLEDFlash', 'led_flash', 'ledFlash'],
  ...['zkSetI2CAddr', 'set_i2c_address', 'setI2CAddr'],
  ...['zkSetTapSensitivity', 'set_tap_sensitivity', 'setTapSensitivity'],
  ...['zkWaitForTap', 'wait_for_tap', 'waitForTap'],
  ...['zkGetAccelerometerData', 'get_accelerometer_data', 'getAccelerometerData'],
  ...['zkGetTime', 'get_time', 'getTime'],
  ...['zkGetRTCDrift', 'get_rtc_drift', 'getRTCDrift'],
  // lock / unlock
  ...['zkLockDataF2F', 'zkLockDataB2F', 'zkLockDataF2B', 'zkLockDataB2B', 'lock', 'lockData'],
  ...['zkUnlockDataF2F', 'zkUnlockDataB2F', 'zkUnlockDataF2B', 'zkUnlockDataB2B'],
  ...['unlock', 'unlockData'],
  // signing and verification
  ...['zkGenECDSASigFromDigest', 'zkGenECDSASigFromDigestWithRecID', 'genECDSASigFromDigest'],
  ...['sign', 'sign_digest'],
  ...['zkVerifyECDSASigFromDigest', 'zkVerifyECDSASigFromDigestWithForeignKeySlot'],
  ...['verify', 'verify_digest', 'verifyECDSASigFromDigest'],
  'zkVerifyECDSASigFromDigestWithForeignKey',
  // ECDH
  ...['ecdh', 'zkDoRawECDH', 'zkDoRawECDHWithIntPeerPubkey', 'zkDoECDHAndKDF'],
  ...['zkDoECDHAndKDFWithIntPeerPubkey', 'doRawECDH', 'doRawECDHWithIntPeerPubkey'],
  ...['doECDHAndKDF', 'doECDHAndKDFWithIntPeerPubkey'],
  // key management
  ...['zkExportPubKey', 'get_public_key', 'exportPubKey'],
  ...['zkGetECDSAPubKey', 'get_ecdsa_public_key', 'getECDSAPubKey'],
  ...['zkExportPubKey2File', 'create_public_key_file', 'exportPubKey2File'],
  ...['zkSaveECDSAPubKey2File', 'create_ecdsa_public_key_file', 'saveECDSAPubKey2File'],
  ...['zkGetAllocSlotsList', 'get_slot_alloc_list', 'getAllocSlotsList'],
  ...['zkStoreForeignPubKey', 'store_foreign_public_key', 'storeForeignPubKey'],
  ...['zkDisablePubKeyExport', 'disable_public_key_export', 'disablePubKeyExport'],
  ...['zkGenKeyPair', 'gen_key_pair', 'genKeyPair'],
  ...['zkGenEphemeralKeyPair', 'gen_ephemeral_key_pair', 'genEphemeralKeyPair'],
  ...['zkInvalidateEphemeralKey', 'invalidate_ephemeral_key', 'invalidateEphemeralKey'],
  ...['zkRemoveKey', 'remove_key', 'removeKey'],
  // wallets
  ...['zkGenWalletMasterSeedWithBIP39', 'zkGenWalletMasterSeedWithSLIP39'],
  ...['gen_wallet_master_seed', 'genWalletMasterSeed'],
  ...['zkSetSLIP39GroupInfo', 'set_gen_SLIP39_group_info', 'setGenSLIP39GroupInfo'],
  ...['zkAddSLIP39MemberPassword', 'add_gen_SLIP39_member_pwd', 'addGenSLIP39Member'],
  ...['zkCancelSLIP39Session', 'cancel_SLIP39_session', 'cancelSLIP39Session'],
  ...['zkRestoreWalletMasterSeedFromBIP39Mnemonic', 'zkRestoreWalletMasterSeedFromSLIP39'],
  ...['restore_wallet_master_seed', 'restoreWalletMasterSeedFromMnemonic'],
  ...['zkAddRestoreSLIP39Mnemonic', 'add_restore_SLIP39_mnemonic', 'addRestoreSLIP39Mnemonic'],
  ...['zkGenOversightWallet', 'gen_oversight_wallet', 'genOverSightWallet'],
  ...['zkGenWalletChildKey', 'gen_wallet_child_key', 'genWalletChildKey'],
  ...['zkGetWalletNodeAddrFromKeySlot', 'get_wallet_node_addr', 'getWalletNodeAddrFromKeySlot'],
  ...['zkGetWalletKeySlotFromNodeAddr', 'get_wallet_key_slot', 'getWalletKeySlotFromNodeAddr'],
  // binding, perimeter, monitors, info, supervised boot
  ...['zkLockBinding', 'lock_binding', 'lockBinding'],
  ...['zkGetCurrentBindingInfo', 'get_current_binding_info', 'getCurrentBindingInfo'],
  ...['zkSetPerimeterEventAction', 'set_perimeter_event_actions', 'setPerimeterEventAction'],
  'zkSetDigitalPerimeterDetectLPPeriod',
  ...['set_digital_perimeter_lp_period', 'setDigitalPerimeterDetectLPPeriod'],
  'zkSetDigitalPerimeterDetectLPMaxBits',
  ...['set_digital_perimeter_lp_max_bits', 'setDigitalPerimeterDetectLPMaxBits'],
  'zkSetDigitalPerimeterDetectDelays',
  ...['set_digital_perimeter_delays', 'setDigitalPerimeterDetectDelays'],
  ...['zkWaitForPerimeterEvent', 'wait_for_perimeter_event', 'waitForPerimeterEvent'],
  ...['zkGetPerimeterDetectInfo', 'get_perimeter_detect_info', 'getPerimeterDetectInfo'],
  ...['zkClearPerimeterDetectEvents', 'clear_perimeter_detect_info', 'clearPerimeterDetectEvents'],
  ...['zkGetCPUTemp', 'get_cpu_temp', 'getCPUTemp'],
  ...['zkGetAUXTemp', 'get_aux_temp', 'getAUXTemp'],
  ...['zkGetBatteryVoltage', 'get_batt_volt', 'getBatteryVoltage'],
  ...['zkSetBatteryVoltageAction', 'set_battery_voltage_action', 'setBatteryVoltageAction'],
  ...['zkSetBatteryVoltageThreshold', 'set_battery_voltage_threshold'],
  'setBatteryVoltageThreshold',
  ...['zkSetCPUTempAction', 'set_cpu_temp_action', 'setCPUTempAction'],
  ...['zkSetCPULowTempThreshold', 'set_cpu_low_temp_threshold', 'setCPULowTempThreshold'],
  ...['zkSetCPUHighTempThreshold', 'set_cpu_high_temp_threshold', 'setCPUHighTempThreshold'],
  ...['zkGetModelNumberString', 'get_model_number', 'getModelNumberString'],
  ...['zkGetFirmwareVersionString', 'get_firmware_version', 'getFirmwareVersionString'],
  ...['zkGetSerialNumberString', 'get_serial_number', 'getSerialNumberString'],
  ...['zkSetSupervisedBootPolicy', 'set_supervised_boot_policy', 'setSupervisedBootPolicy'],
  'zkAddOrUpdateSupervisedBootFile',
  ...['add_or_update_supervised_boot_file', 'addOrUpdateSupervisedBootFile'],
  ...['zkRemoveSupervisedBootFile', 'remove_supervised_boot_file', 'removeSupervisedBootFile'],
  'zkGetSupervisedBootFileManifest',
  ...['get_supervised_boot_file_manifest', 'getSupervisedBootFileManifest'],
];

/** Research names deliberately left without a command (listed under `unmapped`). */
const RESEARCH_UNMAPPED = [
  'zkSetGMTTime',
  ...['RecoveryStrategy', 'RecoveryStrategyBIP39', 'RecoveryStrategySLIP39'],
  ...['recoveryStrategyBaseType', 'recoveryStrategyBIP39', 'recoveryStrategySLIP39'],
];

function duplicates(values: readonly (string | number)[]): (string | number)[] {
  const seen = new Set<string | number>();
  const dups: (string | number)[] = [];
  for (const v of values) {
    if (seen.has(v)) dups.push(v);
    seen.add(v);
  }
  return dups;
}

void test('generated files are up to date (gen_protocol --check)', () => {
  const run = spawnSync(process.execPath, ['scripts/gen_protocol.mjs', '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `gen_protocol --check failed:\n${run.stderr}`);
});

void test('status names and codes are unique; OK is 0', () => {
  assert.deepEqual(duplicates(statuses.map((s) => s.name)), []);
  assert.deepEqual(duplicates(statuses.map((s) => code(s.code))), []);
  assert.equal(statuses.find((s) => s.name === 'OK')?.code, '0x0000');
  assert.equal(statuses.find((s) => s.name === 'ERR_TIMEOUT')?.errno, -110);
});

void test('command and event names and codes are unique', () => {
  const all = [...spec.commands, ...spec.events];
  assert.deepEqual(duplicates(all.map((c) => c.name)), []);
  assert.deepEqual(duplicates(all.map((c) => code(c.code))), []);
});

void test('every research function maps to exactly one command', () => {
  const owners = new Map<string, string[]>();
  for (const c of spec.commands)
    for (const a of c.api) owners.set(a, [...(owners.get(a) ?? []), c.name]);
  for (const name of RESEARCH_FUNCTIONS)
    assert.equal(owners.get(name)?.length, 1, `${name}: ${String(owners.get(name) ?? 'none')}`);
  const research = new Set([...RESEARCH_FUNCTIONS, ...RESEARCH_UNMAPPED]);
  for (const name of owners.keys()) assert.ok(research.has(name), `${name} is not a research name`);
  const unmapped = new Set(spec.unmapped.flatMap((u) => u.api));
  for (const name of RESEARCH_UNMAPPED) {
    assert.ok(unmapped.has(name), `${name} should be listed as unmapped`);
    assert.equal(owners.get(name), undefined, `${name} is unmapped but has a command`);
  }
});

void test('every listed error is a known status', () => {
  const names = new Set(statuses.map((s) => s.name));
  for (const c of spec.commands)
    for (const e of c.errors) assert.ok(names.has(e), `${c.name}: unknown status ${e}`);
});

void test('waits take u32 timeout_ms and can time out', () => {
  for (const name of ['WAIT_PERIMETER_EVENT', 'WAIT_FOR_TAP']) {
    const c = spec.commands.find((x) => x.name === name);
    assert.ok(c, name);
    assert.deepEqual(
      c.request.map((f) => [f.name, f.type]),
      [['timeout_ms', 'u32']],
    );
    assert.ok(c.errors.includes('ERR_TIMEOUT'));
  }
});

void test('HELLO carries the negotiation fields', () => {
  const hello = spec.commands.find((c) => c.name === 'HELLO');
  assert.ok(hello);
  assert.equal(code(hello.code), Command.HELLO);
  const types = (fields: Field[]) => Object.fromEntries(fields.map((f) => [f.name, f.type]));
  assert.deepEqual(types(hello.request), {
    min_version: 'u8',
    max_version: 'u8',
    max_payload: 'u32',
    max_message: 'u32',
    client_name: 'str',
  });
  const response = types(hello.response);
  const required = {
    version: 'u8',
    model: 'str',
    serial: 'str',
    firmware: 'str',
    max_payload: 'u32',
    max_message: 'u32',
    max_in_flight: 'u32',
    features: 'u32',
    key_slots: 'u16',
    foreign_slots: 'u16',
    curves: 'u8',
  };
  for (const [name, type] of Object.entries(required))
    assert.equal(response[name], type, `HELLO response field ${name}`);
});

void test('the C header defines match the JSON', () => {
  const header = read('native/core/zkb_protocol.h');
  const defines = new Map<string, number>();
  for (const m of header.matchAll(/^#define (ZKB_\w+)\s+0x([0-9A-Fa-f]+)u$/gm))
    defines.set(m[1] ?? '', Number.parseInt(m[2] ?? '', 16));
  const expected = new Map<string, number>([
    ...statuses.map((s): [string, number] => [`ZKB_ST_${s.name}`, code(s.code)]),
    ...spec.commands.map((c): [string, number] => [`ZKB_CMD_${c.name}`, code(c.code)]),
    ...spec.events.map((e): [string, number] => [`ZKB_EVT_${e.name}`, code(e.code)]),
    ...spec.features.map((f): [string, number] => [`ZKB_FEATURE_${f.name}`, 2 ** f.bit]),
  ]);
  for (const [name, value] of expected) assert.equal(defines.get(name), value, name);
  const prefixed = [...defines.keys()].filter((n) => /^ZKB_(ST|CMD|EVT|FEATURE)_/.test(n));
  assert.equal(prefixed.length, expected.size, 'no extra code defines in the header');
  assert.match(header, /GENERATED by scripts\/gen_protocol\.mjs - DO NOT EDIT/);
  assert.match(header, /const char \*zkb_status_name\(uint16_t code\);/);
  assert.match(header, /int zkb_status_errno\(uint16_t code\);/);
  assert.match(header, /const char \*zkb_command_name\(uint16_t code\);/);
});

void test('the TypeScript constants and lookups match the JSON', () => {
  assert.equal(Object.keys(Status).length, statuses.length);
  for (const s of statuses) {
    assert.equal(Status[s.name as keyof typeof Status], code(s.code), s.name);
    assert.equal(statusName(code(s.code)), s.name);
    assert.equal(statusErrno(code(s.code)), s.errno ?? -5);
    assert.equal(STATUS_INFO.get(code(s.code))?.description, s.description);
  }
  assert.equal(Object.keys(Command).length, spec.commands.length);
  for (const c of spec.commands) {
    const info = COMMAND_INFO.get(code(c.code));
    assert.ok(info, c.name);
    assert.equal(info.name, c.name);
    assert.equal(info.mutates, c.mutates, c.name);
    assert.equal(info.models, c.models, c.name);
    assert.deepEqual(info.api, c.api, c.name);
    assert.equal(commandName(code(c.code)), c.name);
  }
  for (const e of spec.events) assert.equal(commandName(code(e.code)), e.name);
  assert.equal(commandName(Event.TAP_EVENT), 'TAP_EVENT');
  assert.equal(Feature.EMULATED, 0x80000000);
  assert.equal(statusName(0xbeef), undefined);
  assert.equal(statusErrno(0xbeef), undefined);
  assert.equal(commandName(0xf001), undefined);
});

void test('docs/protocol.md carries the generated sections after the marker', () => {
  const doc = read('docs/protocol.md');
  const marker =
    '<!-- GENERATED below by scripts/gen_protocol.mjs from spec/*.json: do not edit by hand -->';
  const at = doc.indexOf(marker);
  assert.ok(at > 0, 'marker present');
  assert.equal(doc.indexOf(marker, at + 1), -1, 'marker appears once');
  const [before, after] = [doc.slice(0, at), doc.slice(at)];
  assert.match(before, /^## 5\. /m);
  assert.doesNotMatch(before, /^## 6\. /m);
  for (const heading of ['## 6. Status codes', '## 7. Command catalogue', '## 8. Events'])
    assert.ok(after.includes(`\n${heading}\n`), heading);
  for (const c of spec.commands) assert.ok(after.includes(`#### \`${c.name}\``), c.name);
});
