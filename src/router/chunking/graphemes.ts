/**
 * Grapheme cluster boundaries found locally: `Intl.Segmenter` runs only over a short stretch around
 * the positions asked about, never over the whole content.
 *
 * A stretch starts at a "sync point", a position where a break is certain and no later break
 * depends on anything before it (after a control character or line feed, or between two plain
 * characters such as ASCII, Latin letters, kana, CJK ideographs or Hangul syllables). When no sync
 * point lies within `LOOKBEHIND` code units, the stretch starts that far back, on a code point and
 * on an even count of regional indicators, which is exact for all but single clusters longer than
 * `LOOKBEHIND` code units.
 */

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

const LOOKBEHIND = 256;
/** UAX #29 decides a break from the text before it and the one code point (≤ 2 units) after it. */
const LOOKAHEAD = 4;
const CR = 0x0d;
const LF = 0x0a;

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

/** Characters that are grapheme class "Other", not pictographic, and never join a neighbour. */
function isPlain(u: number): boolean {
  return (
    (u >= 0x20 && u <= 0x7e) ||
    (u >= 0xc0 && u <= 0x24f) ||
    (u >= 0x3000 && u <= 0x3029) ||
    (u >= 0x3041 && u <= 0x3096) ||
    (u >= 0x30a0 && u <= 0x30ff) ||
    (u >= 0x3400 && u <= 0x4dbf) ||
    (u >= 0x4e00 && u <= 0x9fff) ||
    (u >= 0xac00 && u <= 0xd7a3) ||
    (u >= 0xff01 && u <= 0xff5e)
  );
}

/** True when the position between code units `prev` and `cur` is a sync point. */
function isSyncPoint(prev: number, cur: number): boolean {
  if (prev === CR) return cur !== LF;
  if (prev < 0x20 || prev === 0x7f) return true;
  return isPlain(prev) && isPlain(cur);
}

/** True when the code point at `i` is a regional indicator (U+1F1E6..U+1F1FF). */
function isRegionalIndicatorAt(s: string, i: number): boolean {
  const low = s.charCodeAt(i + 1);
  return s.charCodeAt(i) === 0xd83c && low >= 0xdde6 && low <= 0xddff;
}

/** A position at or before `pos` from which segmenting gives the true boundaries at and after `pos`. */
function syncStart(s: string, pos: number): number {
  const floor = Math.max(0, pos - LOOKBEHIND);
  for (let i = pos; i > floor; i--) {
    if (isSyncPoint(s.charCodeAt(i - 1), s.charCodeAt(i))) return i;
  }
  if (floor === 0) return 0;
  let start = floor;
  if (isLow(s.charCodeAt(start)) && isHigh(s.charCodeAt(start - 1))) start--;
  if (!isRegionalIndicatorAt(s, start)) return start;
  // Flags pair regional indicators from the start of their run: keep the parity.
  let first = start;
  while (first >= 2 && isRegionalIndicatorAt(s, first - 2)) first -= 2;
  return (start - first) % 4 === 0 ? start : start - 2;
}

/** The grapheme cluster boundaries `p` with `from ≤ p ≤ to`, ascending (0 and `s.length` count). */
export function graphemeBoundaries(s: string, from: number, to: number): number[] {
  const found: number[] = [];
  if (from > to) return found;
  const start = syncStart(s, from);
  const end = Math.min(s.length, to + LOOKAHEAD);
  for (const { index } of segmenter.segment(s.slice(start, end))) {
    const p = start + index;
    if (p > to) break;
    if (p >= from) found.push(p);
  }
  if (to >= s.length) found.push(s.length);
  return found;
}

/** Whether `p` is a boundary when the two code units around it decide it, else undefined. */
function quickBoundary(s: string, p: number): boolean | undefined {
  if (p <= 0 || p >= s.length) return true;
  const prev = s.charCodeAt(p - 1);
  const cur = s.charCodeAt(p);
  if (prev < 0x80 && cur < 0x80) return prev !== CR || cur !== LF;
  if (isSyncPoint(prev, cur)) return true;
  if (cur < 0x20 || cur === 0x2028 || cur === 0x2029) return true; // a break always precedes a control
  if (isHigh(prev) && isLow(cur)) return false;
  return undefined;
}

/** True when `p` lies between two grapheme clusters (never inside a surrogate pair, CRLF, emoji sequence…). */
export function isGraphemeBoundary(s: string, p: number): boolean {
  return quickBoundary(s, p) ?? graphemeBoundaries(s, p, p).length > 0;
}

/** Positions tried one by one around the target before segmenting. */
const QUICK_REACH = 8;

/**
 * The grapheme boundary in `lo..hi` closest to `target` that `accept` takes, the earlier one on a
 * tie, or undefined when there is none. Segments outward from the target, so the cost follows the
 * distance to the answer rather than the width of the range; `searched`, a range around the target
 * known to hold no accepted boundary, is skipped.
 */
export function nearestGraphemeBoundary(
  s: string,
  target: number,
  lo: number,
  hi: number,
  accept: (p: number) => boolean,
  searched?: { lo: number; hi: number },
): number | undefined {
  if (lo > hi) return undefined;
  if (searched === undefined) {
    const quick = nearestQuick(s, target, lo, hi, accept);
    if (quick !== undefined) return quick;
  }
  let doneLo = Math.max(lo, searched?.lo ?? Number.POSITIVE_INFINITY);
  let doneHi = Math.min(hi, searched?.hi ?? Number.NEGATIVE_INFINITY);
  for (let reach = 16; ; reach *= 4) {
    const from = Math.min(doneLo, Math.max(lo, target - reach));
    const to = Math.max(doneHi, Math.min(hi, target + reach));
    const fresh =
      doneLo > doneHi
        ? graphemeBoundaries(s, from, to)
        : [...graphemeBoundaries(s, from, doneLo - 1), ...graphemeBoundaries(s, doneHi + 1, to)];
    let best: number | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const p of fresh) {
      const distance = Math.abs(p - target);
      if (distance < bestDistance && accept(p)) {
        best = p;
        bestDistance = distance;
      }
    }
    if (best !== undefined || (from === lo && to === hi)) return best;
    doneLo = from;
    doneHi = to;
  }
}

/**
 * The closest accepted boundary within `QUICK_REACH` of the target when every position up to it is
 * decided by its two code units; undefined as soon as one is not (or none is accepted).
 */
function nearestQuick(
  s: string,
  target: number,
  lo: number,
  hi: number,
  accept: (p: number) => boolean,
): number | undefined {
  for (let d = 0; d <= QUICK_REACH; d++) {
    for (const p of d === 0 ? [target] : [target - d, target + d]) {
      if (p < lo || p > hi) continue;
      const boundary = quickBoundary(s, p);
      if (boundary === undefined) return undefined;
      if (boundary && accept(p)) return p;
    }
  }
  return undefined;
}
