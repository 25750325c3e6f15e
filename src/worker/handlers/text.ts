/**
 * Text transformations behind the built-in handlers. Pure functions of their input; the segmenters use
 * the root locale so every node gives the same answer for the same text.
 */

const graphemes = new Intl.Segmenter("und", { granularity: "grapheme" });
const words = new Intl.Segmenter("und", { granularity: "word" });

/** Reverses text by grapheme clusters, so emoji sequences and combining marks stay intact. */
export function reverseGraphemes(text: string): string {
  const clusters: string[] = [];
  for (const { segment } of graphemes.segment(text)) clusters.push(segment);
  return clusters.reverse().join("");
}

/** Counts the word-like segments of the text (punctuation and spaces are not words). */
export function countWords(text: string): number {
  let count = 0;
  for (const segment of words.segment(text)) {
    if (segment.isWordLike === true) count++;
  }
  return count;
}

/**
 * Splits text into pieces of one word each, the whitespace after a word kept with it (leading
 * whitespace forms its own first piece). The pieces joined give back the text exactly; empty text gives
 * no pieces.
 */
export function wordPieces(text: string): string[] {
  if (text === "") return [];
  return text.split(/(?<=\s)(?=\S)/u);
}
