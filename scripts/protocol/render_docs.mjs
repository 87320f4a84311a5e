// Renders docs/protocol.md sections 6-8 and splices them in after the generated-content marker.
import { DOC_MARKER, ERRNO_FALLBACK, ERRNO_NAMES } from './constants.mjs';
import { WIDTH, hex, hex4, prefixOf, wrapWords } from './text_util.mjs';

const cell = (s) => String(s).replace(/\|/g, '\\|');
const code = (s) => '`' + s + '`';
const yesNo = (b) => (b ? 'yes' : 'no');

/** Wraps a markdown paragraph at 100 columns, never starting a line with a block marker. */
function wrapParagraph(text) {
  const lines = wrapWords(text, WIDTH, (word) => !/^(\d+[.)]|[-+*>]|#+)$/.test(word));
  if (lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

function errnoText(s) {
  if (s.errno === null) return `none (lookups give ${ERRNO_FALLBACK})`;
  const name = ERRNO_NAMES[String(s.errno)];
  const value = s.errno === 0 ? '0' : `${s.errno} ${name}`;
  return s.errno_source === 'research' ? `${value} (research)` : value;
}

/** Markdown table of payload fields; `kinds` maps enum names to "enum" or "flags". */
function fieldTable(fields, kinds) {
  if (fields.length === 0) return '*(empty)*';
  const enumRef = (name) =>
    name === 'features' ? 'bits in 7.2' : `${kinds.get(name) ?? 'enum'} ${code(name)}, 7.1`;
  const rows = fields.map((f) => {
    const note = f.enum === undefined ? f.note : `${f.note} (${enumRef(f.enum)})`;
    return `| ${code(f.name)} | ${code(cell(f.type))} | ${cell(note)} |`;
  });
  return ['| Field | Type | Note |', '|---|---|---|', ...rows].join('\n');
}

/** The markdown of sections 6 (status codes), 7 (command catalogue) and 8 (events). */
export function genDocSections(spec) {
  const md = [];
  const push = (...lines) => md.push(...lines);
  const para = (text) => push(wrapParagraph(text), '');
  const kinds = new Map(spec.enums.map((e) => [e.name, e.kind]));
  const table = (fields) => fieldTable(fields, kinds);

  // --- 6
  push('## 6. Status codes', '');
  for (const n of spec.statusDoc.notes ?? []) para(n);
  let sub = 0;
  for (const r of spec.statusDoc.ranges) {
    const rows = spec.statuses.filter((s) => prefixOf(s.code) === r.prefix);
    if (rows.length === 0) continue;
    sub += 1;
    push(`### 6.${sub} ${r.title} (${r.prefix}xx)`, '');
    push('| Name | Code | errno | Scope | Description |', '|---|---|---|---|---|');
    for (const s of rows)
      push(
        `| ${code(s.name)} | ${code(hex4(s.code))} | ${errnoText(s)} | ${s.scope} | ${cell(s.description)} |`,
      );
    push('');
  }

  // --- 7
  push('## 7. Command catalogue', '');
  for (const n of spec.cmdDoc.notes ?? []) para(n);
  sub = 1;
  push(`### 7.${sub} Enumerations`, '');
  push(
    'Fields marked with an enumeration take only its values (flag sets: only its bits); anything',
    'else is `ERR_INVALID_ARG`. C names are `ZKB_<ENUM>_<VALUE>`, TypeScript objects are the',
    'enumeration name in PascalCase.',
    '',
  );
  for (const e of spec.enums) {
    push(`#### ${code(e.name)} (${e.type}, ${e.kind})`, '');
    para(e.description);
    push('| Name | Value | Meaning |', '|---|---|---|');
    for (const v of e.values) {
      const value = e.kind === 'flags' ? hex(v.value) : String(v.value);
      push(`| ${code(v.name)} | ${value} | ${cell(v.description)} |`);
    }
    push('');
  }
  sub += 1;
  push(`### 7.${sub} Feature bits`, '');
  push(
    'Bits of the HELLO response field `features` (`ZKB_FEATURE_*`, TypeScript `Feature`). A',
    'command with a `feature` answers `ERR_UNSUPPORTED_MODEL` on a device that does not set its bit.',
    '',
  );
  push('| Bit | Name | Meaning |', '|---:|---|---|');
  for (const f of spec.features) push(`| ${f.bit} | ${code(f.name)} | ${cell(f.description)} |`);
  push('');

  for (const area of spec.areas) {
    const cmds = spec.commands.filter((c) => prefixOf(c.code) === area.prefix);
    const evs = spec.events.filter((e) => prefixOf(e.code) === area.prefix);
    sub += 1;
    push(`### 7.${sub} ${area.title} (${area.prefix}xx)`, '');
    if (cmds.length === 0) {
      push(evs.length > 0 ? 'Event codes only; see section 8.' : 'No commands assigned yet.', '');
      continue;
    }
    for (const c of cmds) {
      push(`#### ${code(c.name)} (${hex4(c.code)})`, '');
      const feature = c.feature === null ? '' : ` · feature ${code(c.feature)}`;
      push(
        `- Models: ${c.models} · mutates: ${yesNo(c.mutates)} · security: ${yesNo(c.security)}${feature}`,
      );
      push(
        `- Library: ${c.api.length === 0 ? 'none (protocol only)' : c.api.map(code).join(', ')}`,
      );
      push(
        `- Errors: ${c.errors.length === 0 ? 'none beyond the scoped ones (section 6)' : c.errors.map(code).join(', ')}`,
      );
      push('', 'Request:', '', table(c.request), '', 'Response:', '', table(c.response), '');
      for (const [st, fields] of Object.entries(c.error_responses ?? {}))
        push(`Response with ${code(st)}:`, '', table(fields), '');
      if (c.notes) para(c.notes);
    }
  }

  sub += 1;
  push(`### 7.${sub} Reserved ranges`, '');
  push('| Codes | Purpose | Notes |', '|---|---|---|');
  for (const r of spec.reserved)
    push(`| ${code(r.from)} - ${code(r.to)} | ${cell(r.title)} | ${cell(r.notes)} |`);
  push('');
  sub += 1;
  push(`### 7.${sub} Library names without a command`, '');
  push('| Names | Why |', '|---|---|');
  for (const u of spec.cmdDoc.unmapped ?? [])
    push(`| ${u.api.map(code).join(', ')} | ${cell(u.reason)} |`);
  push('');

  // --- 8
  push('## 8. Events', '');
  push(
    'Events are messages of kind 2 with `request_id` 0 and `status` 0. The device sends each event',
    'to every connection that completed HELLO and has the event enabled (`SET_EVENT_MASK`; all are',
    'enabled after HELLO). The `command` field carries the event code.',
    '',
  );
  for (const e of spec.events) {
    push(`### ${code(e.name)} (${hex4(e.code)})`, '');
    push(`- Enabled by ${code(e.mask)} (${hex(e.maskValue)}) of ${code('event_mask')}`, '');
    push('Payload:', '', table(e.payload), '');
    if (e.notes) para(e.notes);
  }
  return md.join('\n').replace(/\n+$/, '\n');
}

/** Returns `current` with everything after the marker (or after section 5) replaced. */
export function spliceDoc(current, generated) {
  const lines = current.split('\n');
  let cut = lines.findIndex((l) => l.trim() === DOC_MARKER);
  if (cut < 0) cut = lines.findIndex((l) => /^## ([6-9]|[1-9][0-9])\.\s/.test(l));
  const head = cut < 0 ? current : lines.slice(0, cut).join('\n');
  return `${head.replace(/\s+$/, '')}\n\n${DOC_MARKER}\n\n${generated}`;
}
