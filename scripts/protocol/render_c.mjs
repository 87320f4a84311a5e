// Renders the C outputs: native/core/zkb_protocol.h (defines) and protocol_names.c (lookups).
import { BANNER, ERRNO_FALLBACK, SOURCE_NOTE } from './constants.mjs';
import { WIDTH, hex, hex4, wrapWords } from './text_util.mjs';

const cErrno = (s) => (s.errno === null ? ERRNO_FALLBACK : s.errno);

/** Wraps `text` into a C block comment whose lines stay within 100 columns. */
function cComment(text) {
  // "/* " before and " */" after each line, with one column to spare.
  const lines = wrapWords(text.replace(/\*\//g, '* /'), WIDTH - 7);
  if (lines.length === 1) return `/* ${lines[0]} */`;
  return lines.map((l, i) => (i === 0 ? `/* ${l}` : ` * ${l}`)).join('\n') + ' */';
}

/** The licence line and header comment every generated C file starts with. */
function cFileHeader(purpose) {
  return `/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ${BANNER}.
 * ${SOURCE_NOTE}
 *
${purpose.map((l) => ` * ${l}`).join('\n')}
 */`;
}

function defineBlock(comment, rows) {
  const width = Math.max(...rows.map(([name]) => name.length)) + 1;
  const lines = [cComment(comment)];
  for (const [name, value] of rows) lines.push(`#define ${name.padEnd(width)}${value}`);
  return lines.join('\n');
}

/** native/core/zkb_protocol.h: every wire constant as a define, plus the lookup prototypes. */
export function genHeader(spec) {
  const codeRows = (prefix, list) => list.map((x) => [`${prefix}${x.name}`, `${hex4(x.code)}u`]);
  const blocks = [
    defineBlock('Status codes (section 6).', codeRows('ZKB_ST_', spec.statuses)),
    defineBlock('Command codes (section 7).', codeRows('ZKB_CMD_', spec.commands)),
    defineBlock(
      'Event codes, carried in the command field of event messages (section 8).',
      codeRows('ZKB_EVT_', spec.events),
    ),
    defineBlock('Table sizes.', [
      ['ZKB_STATUS_COUNT', `${spec.statuses.length}u`],
      ['ZKB_COMMAND_COUNT', `${spec.commands.length}u`],
      ['ZKB_EVENT_COUNT', `${spec.events.length}u`],
    ]),
    defineBlock(
      'Feature bits of the HELLO response field `features`.',
      spec.features.map((f) => [`ZKB_FEATURE_${f.name}`, `${hex(2 ** f.bit, 8)}u`]),
    ),
  ];
  for (const e of spec.enums) {
    const fmt = e.kind === 'flags' ? (v) => `${hex(v)}u` : (v) => `${v}u`;
    blocks.push(
      defineBlock(
        `${e.name} (${e.type} ${e.kind}): ${e.description}`,
        e.values.map((v) => [`ZKB_${e.name.toUpperCase()}_${v.name}`, fmt(v.value)]),
      ),
    );
  }
  return `${cFileHeader([
    'Wire constants of the device protocol: status codes, command and event codes, feature bits',
    'and enumerations (docs/protocol.md, sections 6-8), plus name lookups.',
  ])}
#ifndef ZKB_PROTOCOL_H
#define ZKB_PROTOCOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

${blocks.join('\n\n')}

/* Name of a status code ("OK", "ERR_TIMEOUT", ...), or NULL when the code is not assigned. */
const char *zkb_status_name(uint16_t code);

/* errno-style value the vendor C library returns for a status (e.g. -110 for ERR_TIMEOUT).
 * 0 for OK and for codes that are not assigned. */
int zkb_status_errno(uint16_t code);

/* Name of a command or event code ("HELLO", "TAP_EVENT", ...), or NULL when not assigned. */
const char *zkb_command_name(uint16_t code);

#ifdef __cplusplus
}
#endif

#endif
`;
}

function switchFunction(signature, cases, fallback) {
  const body = cases.map(([label, result]) => `    case ${label}:\n        return ${result};`);
  return `${signature} {
    switch (code) {
${body.join('\n')}
    default:
        return ${fallback};
    }
}`;
}

/** native/core/protocol_names.c: the lookups declared by the header, as switch statements. */
export function genNames(spec) {
  const statusName = switchFunction(
    'const char *zkb_status_name(uint16_t code)',
    spec.statuses.map((s) => [`ZKB_ST_${s.name}`, `"${s.name}"`]),
    'NULL',
  );
  const statusErrno = switchFunction(
    'int zkb_status_errno(uint16_t code)',
    spec.statuses.map((s) => [`ZKB_ST_${s.name}`, String(cErrno(s))]),
    '0',
  );
  const commandName = switchFunction(
    'const char *zkb_command_name(uint16_t code)',
    [
      ...spec.commands.map((c) => [`ZKB_CMD_${c.name}`, `"${c.name}"`]),
      ...spec.events.map((e) => [`ZKB_EVT_${e.name}`, `"${e.name}"`]),
    ],
    'NULL',
  );
  return `${cFileHeader(['Lookups by value (switch statements, never an array indexed by code).'])}
#include "zkb_protocol.h"

#include <stddef.h>

${statusName}

${statusErrno}

${commandName}
`;
}
