// Text helpers shared by the protocol renderers: hex formatting, word wrapping, code prefixes.

/** Line width of the generated sources and markdown (prettier's printWidth). */
export const WIDTH = 100;

/** `0x` + upper-case hex digits of `n`, zero-padded to at least `digits`. */
export const hex = (n, digits = 0) => '0x' + n.toString(16).toUpperCase().padStart(digits, '0');

/** A 16-bit code as `0xHHHH`. */
export const hex4 = (n) => hex(n, 4);

/** The area / range prefix of a 16-bit code: its high byte as `0xHH`. */
export const prefixOf = (code) => hex(code >> 8, 2);

/** Sorts records by their numeric `code`. */
export const byCode = (a, b) => a.code - b.code;

/**
 * Greedy word wrap of `text` into lines of at most `width` characters (a longer word gets a line
 * of its own). A line break goes before a word only when `mayBreakBefore(word)` allows it.
 */
export function wrapWords(text, width, mayBreakBefore = () => true) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width && mayBreakBefore(word)) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}
