import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWhitespace } from "./chars.js";
import { graphemeBoundaries, isGraphemeBoundary, nearestGraphemeBoundary } from "./graphemes.js";
import { allBoundaries, hostileText } from "./test-text.js";

function expectAgreesWithFullSegmentation(s: string): void {
  const truth = allBoundaries(s);
  for (let p = 0; p <= s.length; p++) {
    if (isGraphemeBoundary(s, p) !== truth.has(p)) {
      throw new Error(`position ${p} of ${JSON.stringify(s)}: expected ${truth.has(p)}`);
    }
  }
  expect(graphemeBoundaries(s, 0, s.length)).toEqual([...truth].sort((a, b) => a - b));
}

describe("local grapheme boundaries", () => {
  it("agree with segmenting the whole text, for any text", () => {
    fc.assert(fc.property(hostileText(), expectAgreesWithFullSegmentation), { numRuns: 300 });
  });

  it("keep flag pairs right in a run of regional indicators longer than the look-behind", () => {
    const flags = "🇫🇷🇩🇪🇯🇵".repeat(80);
    expectAgreesWithFullSegmentation(flags);
    expectAgreesWithFullSegmentation(`x${flags}`);
    expectAgreesWithFullSegmentation(`🇫${flags}`); // odd count: every pair shifts by one indicator
  });

  it("stay right inside long combining sequences and emoji chains", () => {
    expectAgreesWithFullSegmentation(`ab${"e\u0301\u0302\u0303".repeat(100)}`);
    expectAgreesWithFullSegmentation(`a${"\u0301".repeat(600)}b c`);
    expectAgreesWithFullSegmentation("👩🏽‍💻 👨‍👩‍👧‍👦".repeat(60));
  });

  it("find the nearest accepted boundary, the earlier on a tie", () => {
    const s = "ab\u0301cd";
    const any = (): boolean => true;
    expect(nearestGraphemeBoundary(s, 2, 0, s.length, any)).toBe(1); // 2 is inside b + accent
    expect(nearestGraphemeBoundary(s, 3, 0, s.length, any)).toBe(3);
    expect(nearestGraphemeBoundary(s, 3, 4, 4, any)).toBe(4);
    expect(nearestGraphemeBoundary(s, 2, 2, 2, any)).toBeUndefined();
    expect(nearestGraphemeBoundary(s, 2, 0, s.length, (p) => p > 3)).toBe(4);
  });
});

describe("whitespace class", () => {
  it("is exactly what \\s matches", () => {
    for (let c = 0; c < 0x10000; c++) {
      if (isWhitespace(c) !== /\s/.test(String.fromCharCode(c))) throw new Error(`U+${c.toString(16)}`);
    }
  });
});
