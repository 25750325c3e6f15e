import { type Cut, findCut } from "./boundaries.js";

/** How to split. Both are integers ≥ 1. */
export interface SplitOptions {
  /** Content longer than this many UTF-16 code units is split. */
  threshold: number;
  /** Most chunks to produce. */
  maxChunks: number;
}

/**
 * Chunks and the separators taken out between them:
 * `content === chunks[0] + separators[0] + chunks[1] + … + separators[n-2] + chunks[n-1]`.
 */
export interface Split {
  chunks: string[];
  separators: string[];
}

/** Half-width of the search window around each cut target, as a share of the ideal chunk size. */
const WINDOW_SHARE = 0.25;
const NON_WHITESPACE = /\S/;

/**
 * Splits content into chunks of about equal size that can be processed independently and merged
 * back with {@link mergeOutputs}.
 *
 * Content of at most `threshold` code units, or made only of whitespace, is one chunk. Otherwise
 * the target count is `n = min(maxChunks, ceil(length / threshold))`, and for k = 1…n−1 a cut is
 * sought near `round(k · length / n)`, within ± a quarter of the ideal chunk size (at least 1) —
 * so chunks keep between half and one and a half times the ideal size when boundaries exist.
 * In that window the best kind present wins, then the boundary closest to the target (the earlier
 * on a tie):
 * 1. paragraph — a whitespace run holding a blank line (two line breaks: `\n\n`, `\r\n\r\n`,
 *    `\n \n`…, or U+2029);
 * 2. sentence — a whitespace run after `. ! ? …` or `。！？` (closing quotes or brackets may stand
 *    between), or the point right after `。！？` when text follows with no whitespace;
 * 3. whitespace — any other run of whitespace (JavaScript `\s`);
 * 4. a run made only of no-break spaces;
 * 5. plain — the grapheme cluster boundary closest to the target between two non-whitespace
 *    characters (never inside a code point, CRLF, emoji sequence, flag or combining sequence).
 * When the window holds none of these it doubles until it spans the rest of the content. A cut
 * goes after the previous one and leaves text on both sides; when no such cut exists the split
 * stops, so there may be fewer than n chunks.
 *
 * The separator is the whole whitespace run at the boundary (empty for plain and CJK no-space cuts);
 * sentence punctuation stays at the end of the left chunk. Chunks are never empty and never only
 * whitespace; whitespace leading or trailing the content stays in the first or last chunk. The
 * result depends only on the arguments. Cost is linear in the length; the grapheme segmenter runs
 * only near the positions it checks.
 *
 * @throws RangeError when `threshold` or `maxChunks` is not an integer ≥ 1 (the message names it).
 */
export function splitContent(content: string, options: SplitOptions): Split {
  const threshold = positiveInteger("threshold", options.threshold);
  const maxChunks = positiveInteger("maxChunks", options.maxChunks);
  if (content.length <= threshold || !NON_WHITESPACE.test(content)) {
    return { chunks: [content], separators: [] };
  }
  const count = Math.min(maxChunks, Math.ceil(content.length / threshold));
  return applyCuts(content, chooseCuts(content, count));
}

function positiveInteger(name: keyof SplitOptions, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  }
  return value;
}

function chooseCuts(content: string, count: number): Cut[] {
  const size = content.length / count;
  const reach = Math.max(1, Math.floor(size * WINDOW_SHARE));
  const cuts: Cut[] = [];
  let min = 1;
  for (let k = 1; k < count && min < content.length; k++) {
    const cut = cutNear(content, Math.round(k * size), reach, min);
    if (cut === undefined) break; // nothing left to cut: a later target would search the same text
    cuts.push(cut);
    min = cut.end + 1;
  }
  return cuts;
}

/**
 * The cut for one target (moved up to `min` when an earlier cut went past it), widening the window
 * until something is found or nothing can be.
 */
function cutNear(content: string, target: number, reach: number, min: number): Cut | undefined {
  const centre = Math.max(target, min);
  let searched: { lo: number; hi: number } | undefined;
  for (let r = reach; ; r *= 2) {
    const lo = centre - r;
    const hi = centre + r;
    const cut = findCut(content, { target: centre, lo, hi, min, searched });
    if (cut !== undefined || (lo <= min && hi >= content.length - 1)) return cut;
    searched = { lo, hi };
  }
}

function applyCuts(content: string, cuts: readonly Cut[]): Split {
  const chunks: string[] = [];
  const separators: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(content.slice(from, cut.start));
    separators.push(content.slice(cut.start, cut.end));
    from = cut.end;
  }
  chunks.push(content.slice(from));
  return { chunks, separators };
}
