// Reads spec/status.json and spec/commands.json, validates both and returns a normalised model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMMANDS_JSON,
  ERRNO_NAMES,
  ERRNO_SOURCES,
  INT_TYPES,
  MODELS,
  ROOT,
  SCOPES,
  SIMPLE_TYPES,
  STATUS_JSON,
} from './constants.mjs';
import { byCode, prefixOf } from './text_util.mjs';

const SNAKE = /^[a-z][a-z0-9_]*$/;
const SCREAMING = /^[A-Z][A-Z0-9_]*$/;
const isHex16 = (s) => typeof s === 'string' && /^0x[0-9A-F]{4}$/.test(s);

function readJson(rel) {
  const text = readFileSync(join(ROOT, rel), 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${rel}: invalid JSON: ${err.message}`);
  }
}

/** True when `t` is a payload type of docs/protocol.md section 5 (`rest` only where allowed). */
export function isKnownType(t, allowRest) {
  if (typeof t !== 'string') return false;
  if (t === 'rest') return allowRest;
  if (SIMPLE_TYPES.has(t)) return true;
  const bytes = /^bytes\[([1-9][0-9]*)\]$/.exec(t);
  if (bytes) return true;
  const list = /^list<(.+)>$/.exec(t);
  return list !== null && isKnownType(list[1], false);
}

/**
 * Validates both spec files and returns a normalised model (codes as numbers). Throws an Error
 * listing every problem found.
 */
export function loadSpec() {
  const statusDoc = readJson(STATUS_JSON);
  const cmdDoc = readJson(COMMANDS_JSON);
  const problems = [];
  const fail = (where, msg) => problems.push(`${where}: ${msg}`);
  /** The numeric value of a `"0xHHHH"` code, or null (after reporting) when malformed. */
  const parseCode = (where, codeText) => {
    if (isHex16(codeText)) return parseInt(codeText, 16);
    fail(where, 'code must be a string like "0x0101"');
    return null;
  };
  const checkNotes = (where, notes) => {
    if (typeof notes !== 'string') fail(where, 'notes must be a string');
  };

  // --- statuses
  const rangePrefixes = new Set((statusDoc.ranges ?? []).map((r) => r.prefix));
  const statuses = [];
  const statusByName = new Map();
  const statusCodes = new Set();
  for (const [i, s] of (statusDoc.statuses ?? []).entries()) {
    const where = `${STATUS_JSON}: status ${s.name ?? '#' + i}`;
    if (typeof s.name !== 'string' || !/^(OK|ERR_[A-Z0-9_]+)$/.test(s.name))
      fail(where, 'name must be OK or ERR_SCREAMING_SNAKE');
    const code = parseCode(where, s.code);
    if (code === null) continue;
    if (statusByName.has(s.name)) fail(where, 'duplicate name');
    if (statusCodes.has(code)) fail(where, `duplicate code ${s.code}`);
    if (!rangePrefixes.has(prefixOf(code))) fail(where, `code ${s.code} is in no declared range`);
    if (s.name === 'OK' && code !== 0) fail(where, 'OK must be 0x0000');
    if (s.errno !== null && !(Number.isInteger(s.errno) && s.errno <= 0))
      fail(where, 'errno must be a negative integer (0 for OK) or null');
    if (s.errno !== null && !(String(s.errno) in ERRNO_NAMES))
      fail(where, `errno ${s.errno} is not in the generator's errno name table`);
    if (!ERRNO_SOURCES.includes(s.errno_source))
      fail(where, 'errno_source must be "research" or "inferred"');
    if (!SCOPES.includes(s.scope)) fail(where, `scope must be one of ${SCOPES.join(', ')}`);
    if (typeof s.description !== 'string' || !/\S.*[.]$/.test(s.description))
      fail(where, 'description must be one sentence ending in a full stop');
    const st = { ...s, code };
    statuses.push(st);
    statusByName.set(s.name, st);
    statusCodes.add(code);
  }
  if (!statusByName.has('OK')) fail(STATUS_JSON, 'no OK status');

  // --- enums and features
  const enums = new Map();
  for (const e of cmdDoc.enums ?? []) {
    const where = `${COMMANDS_JSON}: enum ${e.name}`;
    if (!SNAKE.test(e.name ?? '')) fail(where, 'name must be snake_case');
    if (enums.has(e.name) || e.name === 'features') fail(where, 'duplicate enum name');
    if (!(e.type in INT_TYPES) || e.type.startsWith('i')) fail(where, 'type must be u8..u64');
    if (!['enum', 'flags'].includes(e.kind)) fail(where, 'kind must be "enum" or "flags"');
    const names = new Set();
    const values = new Set();
    for (const v of e.values ?? []) {
      if (!SCREAMING.test(v.name ?? '')) fail(where, `value name ${v.name} not SCREAMING`);
      if (names.has(v.name)) fail(where, `duplicate value name ${v.name}`);
      if (!Number.isInteger(v.value) || v.value < 0 || v.value >= 2 ** (INT_TYPES[e.type] ?? 0))
        fail(where, `value ${v.name} does not fit ${e.type}`);
      if (values.has(v.value)) fail(where, `duplicate value ${v.value}`);
      if (e.kind === 'flags' && (v.value === 0 || (v.value & (v.value - 1)) !== 0))
        fail(where, `flag ${v.name} is not a single bit`);
      if (typeof v.description !== 'string' || v.description === '')
        fail(where, `value ${v.name} needs a description`);
      names.add(v.name);
      values.add(v.value);
    }
    enums.set(e.name, e);
  }
  const features = cmdDoc.features ?? [];
  const featureNames = new Set();
  const featureBits = new Set();
  for (const f of features) {
    const where = `${COMMANDS_JSON}: feature ${f.name}`;
    if (!SCREAMING.test(f.name ?? '')) fail(where, 'name must be SCREAMING_SNAKE');
    if (featureNames.has(f.name)) fail(where, 'duplicate name');
    if (!Number.isInteger(f.bit) || f.bit < 0 || f.bit > 31) fail(where, 'bit must be 0..31');
    if (featureBits.has(f.bit)) fail(where, `duplicate bit ${f.bit}`);
    featureNames.add(f.name);
    featureBits.add(f.bit);
  }

  // --- fields
  const checkFields = (where, fields) => {
    if (!Array.isArray(fields)) {
      fail(where, 'must be a list of fields');
      return [];
    }
    const seen = new Set();
    fields.forEach((f, i) => {
      const w = `${where} field ${f.name ?? '#' + i}`;
      if (!SNAKE.test(f.name ?? '')) fail(w, 'name must be snake_case');
      if (seen.has(f.name)) fail(w, 'duplicate field name');
      seen.add(f.name);
      if (!isKnownType(f.type, true)) fail(w, `unknown type ${JSON.stringify(f.type)}`);
      if (f.type === 'rest' && i !== fields.length - 1) fail(w, '`rest` must be the last field');
      if (typeof f.note !== 'string' || f.note.trim() === '') fail(w, 'needs a note');
      if (f.enum !== undefined) {
        const e = f.enum === 'features' ? { type: 'u32' } : enums.get(f.enum);
        if (!e) fail(w, `unknown enum ${f.enum}`);
        else if (e.type !== f.type) fail(w, `enum ${f.enum} is ${e.type}, field is ${f.type}`);
      }
    });
    return fields;
  };

  // --- areas, reserved ranges
  const areas = cmdDoc.areas ?? [];
  const areaPrefixes = new Set(areas.map((a) => a.prefix));
  const reserved = (cmdDoc.reserved ?? []).map((r) => {
    if (!isHex16(r.from) || !isHex16(r.to))
      fail(`${COMMANDS_JSON}: reserved ${r.title}`, 'bad range');
    return { ...r, lo: parseInt(r.from, 16), hi: parseInt(r.to, 16) };
  });

  // --- commands and events share one code space and one name space
  const codeOwner = new Map();
  const names = new Set();
  const apiOwner = new Map();
  const claimCode = (where, name, codeText) => {
    if (!SCREAMING.test(name ?? '')) fail(where, 'name must be SCREAMING_SNAKE');
    if (names.has(name)) fail(where, 'duplicate name');
    names.add(name);
    const code = parseCode(where, codeText);
    if (code === null) return -1;
    if (codeOwner.has(code)) fail(where, `code ${codeText} already used by ${codeOwner.get(code)}`);
    codeOwner.set(code, name);
    if (!areaPrefixes.has(prefixOf(code))) fail(where, `code ${codeText} is in no declared area`);
    for (const r of reserved)
      if (code >= r.lo && code <= r.hi)
        fail(where, `code ${codeText} is in reserved range ${r.title}`);
    return code;
  };
  const claimApi = (where, owner, list) => {
    if (!Array.isArray(list)) {
      fail(where, 'api must be a list');
      return;
    }
    for (const a of list) {
      if (typeof a !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(a))
        fail(where, `bad api name ${a}`);
      else if (apiOwner.has(a)) fail(where, `api ${a} already mapped by ${apiOwner.get(a)}`);
      else apiOwner.set(a, owner);
    }
  };

  const commands = [];
  for (const c of cmdDoc.commands ?? []) {
    const where = `${COMMANDS_JSON}: command ${c.name}`;
    const code = claimCode(where, c.name, c.code);
    claimApi(where, c.name, c.api);
    if (!MODELS.includes(c.models)) fail(where, `models must be one of ${MODELS.join(', ')}`);
    if (typeof c.mutates !== 'boolean') fail(where, 'mutates must be true or false');
    if (typeof c.security !== 'boolean') fail(where, 'security must be true or false');
    if (c.feature !== undefined && !featureNames.has(c.feature))
      fail(where, `unknown feature ${c.feature}`);
    if (c.request === undefined) fail(where, 'missing request');
    if (c.response === undefined) fail(where, 'missing response');
    checkFields(`${where} request`, c.request);
    checkFields(`${where} response`, c.response);
    const errors = Array.isArray(c.errors) ? c.errors : [];
    if (!Array.isArray(c.errors)) fail(where, 'errors must be a list');
    const seenErr = new Set();
    for (const e of errors) {
      const st = statusByName.get(e);
      if (!st) fail(where, `errors: unknown status ${e}`);
      else if (st.scope !== 'listed')
        fail(where, `errors: ${e} has scope "${st.scope}" and must not be listed`);
      if (seenErr.has(e)) fail(where, `errors: ${e} listed twice`);
      seenErr.add(e);
    }
    if ((c.models !== 'all' || c.feature !== undefined) && !seenErr.has('ERR_UNSUPPORTED_MODEL'))
      fail(where, 'a command that some devices lack must list ERR_UNSUPPORTED_MODEL');
    for (const [st, fields] of Object.entries(c.error_responses ?? {})) {
      if (!seenErr.has(st)) fail(where, `error_responses: ${st} is not in errors`);
      checkFields(`${where} error_responses ${st}`, fields);
    }
    checkNotes(where, c.notes);
    commands.push({ ...c, code, errors, feature: c.feature ?? null });
  }

  const eventMask = enums.get('event_mask');
  const events = [];
  for (const ev of cmdDoc.events ?? []) {
    const where = `${COMMANDS_JSON}: event ${ev.name}`;
    const code = claimCode(where, ev.name, ev.code);
    const bit = eventMask?.values.find((v) => v.name === ev.mask);
    if (!bit) fail(where, `mask ${ev.mask} is not a value of enum event_mask`);
    checkFields(`${where} payload`, ev.payload);
    checkNotes(where, ev.notes);
    events.push({ ...ev, code, maskValue: bit ? bit.value : 0 });
  }
  const cmdPrefixes = new Set(commands.map((c) => prefixOf(c.code)));
  for (const ev of events)
    if (cmdPrefixes.has(prefixOf(ev.code)))
      fail(`${COMMANDS_JSON}: event ${ev.name}`, 'events and commands must not share an area');

  for (const u of cmdDoc.unmapped ?? []) claimApi(`${COMMANDS_JSON}: unmapped`, 'unmapped', u.api);
  const listedByCommands = new Set(commands.flatMap((c) => c.errors));
  for (const st of statuses)
    if (st.scope === 'listed' && !listedByCommands.has(st.name))
      fail(`${STATUS_JSON}: status ${st.name}`, 'scope "listed" but no command lists it');

  if (problems.length > 0) {
    throw new Error(`spec validation failed:\n  ${problems.join('\n  ')}`);
  }
  return {
    statusDoc,
    cmdDoc,
    statuses: statuses.sort(byCode),
    commands: commands.sort(byCode),
    events: events.sort(byCode),
    enums: [...enums.values()],
    features: [...features].sort((a, b) => a.bit - b.bit),
    areas,
    reserved,
  };
}
