import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeOutputs } from "./merge.js";
import { type Split, splitContent } from "./split.js";
import { allBoundaries, hostileText, realisticText, textGraphemes, withOptions } from "./test-text.js";

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff;
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff;

/** Checks what holds for any content: round trip, chunk shape, cuts on grapheme boundaries, count. */
function expectSafeSplit(content: string, split: Split, threshold: number, maxChunks: number): void {
  const { chunks, separators } = split;
  expect(separators).toHaveLength(chunks.length - 1);
  expect(mergeOutputs(chunks, separators)).toBe(content);
  expect(chunks.length).toBeLessThanOrEqual(
    Math.min(maxChunks, Math.max(1, Math.ceil(content.length / threshold))),
  );
  const boundaries = allBoundaries(content);
  let at = 0;
  for (const [i, chunk] of chunks.entries()) {
    if (chunks.length > 1) {
      expect(chunk).not.toBe("");
      expect(chunk.trim()).not.toBe("");
      expect(isLow(chunk.charCodeAt(0)) && isHigh(content.charCodeAt(at - 1))).toBe(false);
      const end = at + chunk.length;
      expect(isHigh(chunk.charCodeAt(chunk.length - 1)) && isLow(content.charCodeAt(end))).toBe(false);
      expect(boundaries.has(at)).toBe(true);
      expect(boundaries.has(end)).toBe(true);
    }
    expect(separators[i] ?? "").toMatch(/^\s*$/);
    at += chunk.length + (separators[i]?.length ?? 0);
  }
}

describe("splitContent properties", () => {
  it("splits text safely and into at least two chunks when it is over the threshold", () => {
    fc.assert(
      fc.property(withOptions(realisticText()), ({ content, threshold, maxChunks }) => {
        const split = splitContent(content, { threshold, maxChunks });
        expectSafeSplit(content, split, threshold, maxChunks);
        if (content.length > threshold && textGraphemes(content) >= 2) {
          expect(split.chunks.length).toBeGreaterThanOrEqual(Math.min(maxChunks, 2));
        }
        if (content.length <= threshold) expect(split.chunks).toEqual([content]);
      }),
      { numRuns: 500 },
    );
  });

  it("splits any text safely: lone marks, ZWJ, indicators, surrogates, any code point", () => {
    fc.assert(
      fc.property(withOptions(hostileText()), ({ content, threshold, maxChunks }) => {
        expectSafeSplit(content, splitContent(content, { threshold, maxChunks }), threshold, maxChunks);
      }),
      { numRuns: 500 },
    );
  });

  it("merges per-chunk results in chunk order", () => {
    fc.assert(
      fc.property(withOptions(realisticText()), ({ content, threshold, maxChunks }) => {
        const { chunks, separators } = splitContent(content, { threshold, maxChunks });
        expect(
          mergeOutputs(
            chunks.map((c) => c.toUpperCase()),
            separators,
          ),
        ).toBe(content.toUpperCase());
        const tagged = chunks.map((c, i) => `<${i}:${c.length}>`);
        let expected = tagged[0] ?? "";
        for (const [i, tag] of tagged.slice(1).entries()) expected += `${separators[i]}${tag}`;
        expect(mergeOutputs(tagged, separators)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
