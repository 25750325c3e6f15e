/** Text generators and checks shared by the chunking tests. */
import fc from "fast-check";

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** Every grapheme cluster boundary of `s`, from segmenting all of it (0 and `s.length` included). */
export function allBoundaries(s: string): Set<number> {
  const found = new Set<number>([s.length]);
  for (const { index } of segmenter.segment(s)) found.add(index);
  return found;
}

/** Grapheme clusters of `s` that hold something other than whitespace. */
export function textGraphemes(s: string): number {
  let count = 0;
  for (const { segment } of segmenter.segment(s)) if (/\S/.test(segment)) count++;
  return count;
}

const WORDS = ["a", "Go", "word", "chunk", "Ärger", "naïve", "Zürich", "x1"];
const EMOJI = ["😀", "👍🏽", "👍🏿", "👨‍👩‍👧‍👦", "🧑🏿‍💻", "👩‍❤️‍💋‍👨", "🏳️‍🌈", "❤️", "🇫🇷", "🇯🇵", "🇺🇦"];
const CJK = ["你好", "世界", "分割测试", "日本語", "です", "한국어"];
const COMBINED = ["e\u0301", "n\u0303", "a\u0300\u0301\u0302", "o\u0308\u0304", "क्षि"];
const SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\u3000"];
const LINE_ENDS = ["\n", "\r\n", "\n\n", "\r\n\r\n", "\n \n", " \n\n "];
const PUNCTUATION = [".", "!", "?", "…", "。", "！", "？", "」", ",", '"'];

/**
 * Text as people write it, in several scripts: words, emoji (ZWJ sequences, skin tones, flags),
 * CJK, letters with combining marks, spaces, LF and CRLF line ends, blank lines and punctuation.
 * Combining marks always follow a letter.
 */
export function realisticText(maxTokens = 120): fc.Arbitrary<string> {
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
    { weight: 2, arbitrary: fc.constantFrom(...EMOJI) },
    { weight: 2, arbitrary: fc.constantFrom(...CJK) },
    { weight: 2, arbitrary: fc.constantFrom(...COMBINED) },
    { weight: 6, arbitrary: fc.constantFrom(...SPACES) },
    { weight: 2, arbitrary: fc.constantFrom(...LINE_ENDS) },
    { weight: 3, arbitrary: fc.constantFrom(...PUNCTUATION) },
  );
  return fc.array(token, { maxLength: maxTokens, size: "max" }).map((tokens) => tokens.join(""));
}

/**
 * Text with everything that makes boundaries hard: lone combining marks (some next to the ranges the
 * segmenter treats as plain), ZWJ, skin tones and regional indicators, prepended marks, Hangul jamo,
 * CR without LF, lone surrogates and any code point.
 */
export function hostileText(maxTokens = 80): fc.Arbitrary<string> {
  const odd = fc.constantFrom(
    "\u0301",
    "\u200d",
    "🏽",
    "🇫",
    "\u0600",
    "\r",
    "\ud83d",
    "\ude00",
    "\ufe0f",
    "\u1161",
    "각",
    "\u11a8",
    "\u3099",
    "\u302a",
    "\uff9e",
    "\u0e33",
    "\u0483",
  );
  const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
  const token = fc.oneof(
    { weight: 4, arbitrary: realisticText(3) },
    { weight: 3, arbitrary: odd },
    { weight: 1, arbitrary: anyCodePoint },
  );
  return fc.array(token, { maxLength: maxTokens, size: "max" }).map((tokens) => tokens.join(""));
}

/** Content with split options scaled to it: thresholds from 1 to a little over its length. */
export function withOptions(
  content: fc.Arbitrary<string>,
): fc.Arbitrary<{ content: string; threshold: number; maxChunks: number }> {
  return content.chain((text) =>
    fc.record({
      content: fc.constant(text),
      threshold: fc.integer({ min: 1, max: Math.max(1, Math.ceil(text.length * 1.1)) }),
      maxChunks: fc.integer({ min: 1, max: 20 }),
    }),
  );
}
