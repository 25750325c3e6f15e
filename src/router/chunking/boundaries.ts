import {
  countLineBreaks,
  isCjkSentenceEnd,
  isCloser,
  isNoBreakSpace,
  isSentenceEnd,
  isWhitespace,
} from "./chars.js";
import { isGraphemeBoundary, nearestGraphemeBoundary } from "./graphemes.js";

/** Kinds of boundary, best first. */
export type BoundaryKind = "paragraph" | "sentence" | "whitespace" | "no-break" | "plain";

const RANKED: readonly BoundaryKind[] = ["paragraph", "sentence", "whitespace", "no-break"];
const PARAGRAPH = 0;
const SENTENCE = 1;
const WHITESPACE = 2;
const NO_BREAK = 3;

/** Closing quotes or brackets looked past when deciding whether whitespace follows a sentence end. */
const MAX_CLOSERS = 3;

/** A place to cut: the left chunk ends at `start`, the right one begins at `end`, the separator lies between. */
export interface Cut {
  start: number;
  end: number;
  kind: BoundaryKind;
}

/** Where to look for a cut: near `target`, touching `lo..hi`, leaving the previous chunk `min` or more. */
export interface Window {
  target: number;
  lo: number;
  hi: number;
  /** Smallest allowed `start`: one past where the current chunk begins (always ≥ 1). */
  min: number;
  /** A smaller window around the target already searched in vain; not segmented again. */
  searched?: { lo: number; hi: number } | undefined;
}

/**
 * The best cut in the window: the kind ranked first among those present, and of that kind the one
 * closest to the target (the earlier on a tie). Every cut found leaves non-whitespace on both sides
 * and lies on grapheme boundaries:
 * - a maximal whitespace run `s[start..end)` with text on both sides: "paragraph" when it holds two
 *   line breaks, "sentence" when it follows `. ! ? …` or `。！？` (past up to three closing quotes or
 *   brackets), "no-break" when it holds only no-break spaces, "whitespace" otherwise;
 * - right after CJK `。！？` (and any closers) followed directly by text: "sentence", empty separator;
 * - failing all these, the grapheme boundary closest to the target between two non-whitespace
 *   characters: "plain", empty separator.
 * Returns undefined when the window holds none of these.
 */
export function findCut(s: string, w: Window): Cut | undefined {
  const found = collect(s, w);
  for (const [rank, pairs] of found.entries()) {
    const cut = closestAligned(s, pairs, w.target);
    if (cut !== undefined) return { start: cut[0], end: cut[1], kind: kindAt(rank) };
  }
  const plain = nearestGraphemeBoundary(
    s,
    w.target,
    Math.max(w.lo, w.min),
    Math.min(w.hi, s.length - 1),
    (p) => betweenText(s, p),
    w.searched,
  );
  return plain === undefined ? undefined : { start: plain, end: plain, kind: "plain" };
}

function betweenText(s: string, p: number): boolean {
  return !isWhitespace(s.charCodeAt(p - 1)) && !isWhitespace(s.charCodeAt(p));
}

function kindAt(rank: number): BoundaryKind {
  return RANKED[rank] ?? "plain";
}

/** Candidate cuts in the window by rank, each list flat `[start, end, start, end, …]` ascending. */
function collect(s: string, w: Window): number[][] {
  const found: number[][] = RANKED.map(() => []);
  const length = s.length;
  const last = Math.min(w.hi, length - 1);
  let i = Math.max(w.lo - 1, w.min);
  while (i <= last) {
    const c = s.charCodeAt(i);
    if (isWhitespace(c)) {
      let start = i;
      while (start >= w.min && isWhitespace(s.charCodeAt(start - 1))) start--;
      let end = i + 1;
      while (end < length && isWhitespace(s.charCodeAt(end))) end++;
      if (start >= w.min && end < length) found[rankOfRun(s, start, end)]?.push(start, end);
      i = end;
    } else if (isCjkSentenceEnd(c)) {
      let p = i + 1;
      while (p < length && (isSentenceEnd(s.charCodeAt(p)) || isCloser(s.charCodeAt(p)))) p++;
      if (p >= w.lo && p <= w.hi && p < length && !isWhitespace(s.charCodeAt(p))) found[SENTENCE]?.push(p, p);
      i = p;
    } else {
      i++;
    }
  }
  return found;
}

function rankOfRun(s: string, start: number, end: number): number {
  let breaking = false;
  for (let i = start; i < end && !breaking; i++) breaking = !isNoBreakSpace(s.charCodeAt(i));
  if (!breaking) return NO_BREAK;
  if (countLineBreaks(s, start, end) >= 2) return PARAGRAPH;
  return followsSentenceEnd(s, start) ? SENTENCE : WHITESPACE;
}

function followsSentenceEnd(s: string, pos: number): boolean {
  let i = pos - 1;
  for (let closers = 0; closers < MAX_CLOSERS && i > 0 && isCloser(s.charCodeAt(i)); closers++) i--;
  return isSentenceEnd(s.charCodeAt(i));
}

/**
 * The candidate closest to `target` whose two ends are grapheme boundaries. Candidates are tried
 * outward from the target, so usually only one is checked.
 */
function closestAligned(s: string, pairs: readonly number[], target: number): [number, number] | undefined {
  const count = pairs.length / 2;
  let right = 0;
  while (right < count && (pairs[2 * right + 1] ?? 0) < target) right++;
  let left = right - 1;
  while (left >= 0 || right < count) {
    const useLeft =
      right >= count || (left >= 0 && distanceTo(pairs, left, target) <= distanceTo(pairs, right, target));
    const k = useLeft ? left-- : right++;
    const start = pairs[2 * k] ?? 0;
    const end = pairs[2 * k + 1] ?? 0;
    if (isGraphemeBoundary(s, start) && isGraphemeBoundary(s, end)) return [start, end];
  }
  return undefined;
}

/** Distance from the target to the k-th candidate (0 when the target lies inside its separator). */
function distanceTo(pairs: readonly number[], k: number, target: number): number {
  const start = pairs[2 * k] ?? 0;
  const end = pairs[2 * k + 1] ?? 0;
  return start > target ? start - target : end < target ? target - end : 0;
}
