// Renders src/protocol/constants.generated.ts: TypeScript constants, types and info maps.
import { BANNER, ERRNO_SOURCES, MODELS, SCOPES, SOURCE_NOTE } from './constants.mjs';
import { WIDTH } from './text_util.mjs';

// The TS output is laid out the way prettier (printWidth 100, single quotes) prints it, so
// `prettier --check` accepts the generated file as it is.
const pascal = (snake) => snake.replace(/(^|_)([a-z0-9])/g, (_, __, ch) => ch.toUpperCase());
const tsHex = (n, digits) => '0x' + n.toString(16).padStart(digits, '0');
const tsString = (s) => {
  const escaped = s.replace(/\\/g, '\\\\');
  if (s.includes("'") && !s.includes('"')) return `"${escaped}"`;
  return `'${escaped.replace(/'/g, "\\'")}'`;
};
/** A union of string literal types, e.g. `'a' | 'b'`. */
const tsUnion = (values) => values.map(tsString).join(' | ');

/** `key: value,` at `indent`, breaking after the colon when a string value does not fit. */
function tsProp(indent, key, value) {
  const pad = ' '.repeat(indent);
  const line = `${pad}${key}: ${value},`;
  if (line.length <= WIDTH || !/^['"]/.test(value)) return line;
  return `${pad}${key}:\n${pad}  ${value},`;
}

/** `key: [a, b],` at `indent`: on one line when it fits and `mayFlatten`, else one per line. */
function tsArrayProp(indent, key, items, mayFlatten = true) {
  const pad = ' '.repeat(indent);
  const flat = `${pad}${key}: [${items.join(', ')}],`;
  if (mayFlatten && flat.length <= WIDTH) return flat;
  return `${pad}${key}: [\n${items.map((i) => `${pad}  ${i},`).join('\n')}\n${pad}],`;
}

/** A list of FieldInfo objects; prettier keeps two or more objects one per line. */
function tsFieldsProp(indent, key, fields) {
  const items = fields.map((f) => {
    const enumPart = f.enum === undefined ? 'null' : tsString(f.enum);
    return `{ name: ${tsString(f.name)}, type: ${tsString(f.type)}, enum: ${enumPart} }`;
  });
  return tsArrayProp(indent, key, items, items.length <= 1);
}

function tsConst(doc, name, rows, valueType) {
  const lines = [`/** ${doc} */`, `export const ${name} = {`];
  for (const [key, value] of rows) lines.push(`  ${key}: ${value},`);
  lines.push('} as const;');
  lines.push(`/** ${valueType} */`);
  lines.push(`export type ${name} = (typeof ${name})[keyof typeof ${name}];`);
  return lines.join('\n');
}

/**
 * `export const <name> = { NAME: 0x0000, ... }` plus its Name and Code types; `what` completes
 * "Name of ..." and `noun` completes "An assigned ... code".
 */
function tsCodeConst({ doc, name, list, what, noun }) {
  return `/** ${doc} */
export const ${name} = {
${list.map((x) => `  ${x.name}: ${tsHex(x.code, 4)},`).join('\n')}
} as const;
/** Name of ${what}. */
export type ${name}Name = keyof typeof ${name};
/** An assigned ${noun} code. */
export type ${name}Code = (typeof ${name})[${name}Name];`;
}

/** One `[code, { ... }],` row of an info map. */
const entry = (codeValue, props) =>
  `  [\n    ${tsHex(codeValue, 4)},\n    {\n${props.join('\n')}\n    },\n  ],`;

function tsInfoMap(doc, name, type, rows) {
  return `/** ${doc} */
export const ${name}: ReadonlyMap<number, ${type}> = new Map<number, ${type}>([
${rows.join('\n')}
]);`;
}

/** The whole of src/protocol/constants.generated.ts. */
export function genTs(spec) {
  const out = [];
  out.push(`// SPDX-License-Identifier: Apache-2.0
// ${BANNER}.
// ${SOURCE_NOTE}`);
  out.push(
    tsCodeConst({
      doc: 'Status codes of responses (docs/protocol.md, section 6).',
      name: 'Status',
      list: spec.statuses,
      what: 'a status code',
      noun: 'status',
    }),
    tsCodeConst({
      doc: 'Command codes of requests and responses (docs/protocol.md, section 7).',
      name: 'Command',
      list: spec.commands,
      what: 'a command',
      noun: 'command',
    }),
    tsCodeConst({
      doc: 'Event codes, carried in the command field of event messages (docs/protocol.md, section 8).',
      name: 'Event',
      list: spec.events,
      what: 'an event',
      noun: 'event',
    }),
  );
  out.push(`/** Feature bits of the HELLO response field \`features\`. */
export const Feature = {
${spec.features.map((f) => `  ${f.name}: ${tsHex(2 ** f.bit, 8)},`).join('\n')}
} as const;
/** Name of a feature bit. */
export type FeatureName = keyof typeof Feature;`);

  for (const e of spec.enums) {
    const fmt = e.kind === 'flags' ? (v) => tsHex(v, 1) : (v) => String(v);
    out.push(
      tsConst(
        `${e.description} (\`${e.name}\`, ${e.type} ${e.kind})`,
        pascal(e.name),
        e.values.map((v) => [v.name, fmt(v.value)]),
        e.kind === 'flags'
          ? `One flag of {@link ${pascal(e.name)}}.`
          : `One value of {@link ${pascal(e.name)}}.`,
      ),
    );
  }

  out.push(`/** Device models a command exists on (docs/protocol.md, section 7). */
export type Models = ${tsUnion(MODELS)};

/** Which requests may return a status without listing it (docs/protocol.md, section 6). */
export type StatusScope = ${tsUnion(SCOPES)};

/** One payload field: name, wire type (section 5) and the enumeration it draws values from. */
export interface FieldInfo {
  readonly name: string;
  readonly type: string;
  readonly enum: string | null;
}

/** What the spec says about one status code. */
export interface StatusInfo {
  readonly name: StatusName;
  /** errno-style value of the vendor library; null when no errno fits. */
  readonly errno: number | null;
  readonly errnoSource: ${tsUnion(ERRNO_SOURCES)};
  readonly scope: StatusScope;
  readonly description: string;
}

/** What the spec says about one command. */
export interface CommandInfo {
  readonly name: CommandName;
  readonly models: Models;
  readonly mutates: boolean;
  readonly security: boolean;
  readonly feature: FeatureName | null;
  /** Vendor library functions this command serves (C, Python and C++ names). */
  readonly api: readonly string[];
  /** Statuses the command returns besides those whose scope covers every command. */
  readonly errors: readonly StatusName[];
  readonly request: readonly FieldInfo[];
  readonly response: readonly FieldInfo[];
}

/** What the spec says about one event. */
export interface EventInfo {
  readonly name: EventName;
  /** Bit of {@link EventMask} that enables the event. */
  readonly mask: number;
  readonly payload: readonly FieldInfo[];
}`);

  const statusRows = spec.statuses.map((s) =>
    entry(s.code, [
      tsProp(6, 'name', tsString(s.name)),
      tsProp(6, 'errno', s.errno === null ? 'null' : String(s.errno)),
      tsProp(6, 'errnoSource', tsString(s.errno_source)),
      tsProp(6, 'scope', tsString(s.scope)),
      tsProp(6, 'description', tsString(s.description)),
    ]),
  );
  out.push(
    tsInfoMap(
      'Status code -> name, errno, scope and description.',
      'STATUS_INFO',
      'StatusInfo',
      statusRows,
    ),
  );

  const commandRows = spec.commands.map((c) =>
    entry(c.code, [
      tsProp(6, 'name', tsString(c.name)),
      tsProp(6, 'models', tsString(c.models)),
      tsProp(6, 'mutates', String(c.mutates)),
      tsProp(6, 'security', String(c.security)),
      tsProp(6, 'feature', c.feature === null ? 'null' : tsString(c.feature)),
      tsArrayProp(6, 'api', c.api.map(tsString)),
      tsArrayProp(6, 'errors', c.errors.map(tsString)),
      tsFieldsProp(6, 'request', c.request),
      tsFieldsProp(6, 'response', c.response),
    ]),
  );
  out.push(
    tsInfoMap(
      'Command code -> name, models, mutates, api names, errors and payload layouts.',
      'COMMAND_INFO',
      'CommandInfo',
      commandRows,
    ),
  );

  const eventRows = spec.events.map((e) =>
    entry(e.code, [
      tsProp(6, 'name', tsString(e.name)),
      tsProp(6, 'mask', tsHex(e.maskValue, 1)),
      tsFieldsProp(6, 'payload', e.payload),
    ]),
  );
  out.push(
    tsInfoMap(
      'Event code -> name, mask bit and payload layout.',
      'EVENT_INFO',
      'EventInfo',
      eventRows,
    ),
  );
  return out.join('\n\n') + '\n';
}
