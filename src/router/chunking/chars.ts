/**
 * Character classes the splitter uses to find boundaries. Each takes one UTF-16 code unit; every
 * character named here lies in the Basic Multilingual Plane.
 */

const LF = 0x0a;
const CR = 0x0d;
const LINE_SEPARATOR = 0x2028;
const PARAGRAPH_SEPARATOR = 0x2029;

const WHITESPACE = 1;
const NO_BREAK = 2;
const SENTENCE_END = 4;
const CJK_SENTENCE_END = 8;
const CLOSER = 16;

/** Flags of every BMP code unit, so the per-character tests on long content are one array read. */
const FLAGS = new Uint8Array(0x10000);
const mark = (flag: number, chars: string): void => {
  for (const ch of chars) FLAGS[ch.charCodeAt(0)] = (FLAGS[ch.charCodeAt(0)] ?? 0) | flag;
};
for (let c = 0; c < 0x10000; c++) if (/\s/.test(String.fromCharCode(c))) FLAGS[c] = WHITESPACE;
mark(NO_BREAK, "\u00a0\u2007\u202f\ufeff");
mark(SENTENCE_END, ".!?…‼‽⁇⁈⁉。！？｡");
mark(CJK_SENTENCE_END, "。！？｡");
mark(CLOSER, "\"')]}»”’」』）］｝〉》】〕〗〙〛");

const has = (c: number, flag: number): boolean => ((FLAGS[c] ?? 0) & flag) !== 0;

/**
 * True for exactly the characters JavaScript's `\s` matches (tab, line feed, vertical tab, form feed,
 * carriage return, the Unicode space separators, U+2028, U+2029 and U+FEFF), so that "only
 * whitespace" means the same here as `String.prototype.trim()`.
 */
export function isWhitespace(c: number): boolean {
  return has(c, WHITESPACE);
}

/** Whitespace that asks not to be broken at: no-break, figure, narrow no-break and zero-width no-break space. */
export function isNoBreakSpace(c: number): boolean {
  return has(c, NO_BREAK);
}

/** Punctuation that ends a sentence: `. ! ? …` (and their variants) and the CJK `。！？｡`. */
export function isSentenceEnd(c: number): boolean {
  return has(c, SENTENCE_END);
}

/** CJK sentence-ending punctuation, after which a sentence may end with no whitespace. */
export function isCjkSentenceEnd(c: number): boolean {
  return has(c, CJK_SENTENCE_END);
}

/** Closing quotes and brackets that may stand between a sentence's last punctuation and the break. */
export function isCloser(c: number): boolean {
  return has(c, CLOSER);
}

/**
 * Number of line breaks in `s[from..to)`: LF, CR, CRLF (once) and U+2028 count one each; U+2029
 * (paragraph separator) counts two, so it alone makes a paragraph break.
 */
export function countLineBreaks(s: string, from: number, to: number): number {
  let breaks = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || c === LINE_SEPARATOR) breaks++;
    else if (c === CR) {
      if (s.charCodeAt(i + 1) !== LF) breaks++;
    } else if (c === PARAGRAPH_SEPARATOR) breaks += 2;
  }
  return breaks;
}
