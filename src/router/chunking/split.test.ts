import { describe, expect, it } from "vitest";
import { mergeOutputs } from "./merge.js";
import { type Split, splitContent } from "./split.js";
import { allBoundaries } from "./test-text.js";

/** `length` characters of words separated by single spaces, starting and ending with a letter. */
function filler(length: number): string {
  const text = "lorem ipsum dolor sit amet ".repeat(Math.ceil(length / 27) + 1).slice(0, length);
  return text.endsWith(" ") ? `${text.slice(0, -1)}x` : text;
}

/** Splits, and checks the round trip, that chunks hold text and that cuts lie on grapheme boundaries. */
function split(content: string, threshold: number, maxChunks: number): Split {
  const result = splitContent(content, { threshold, maxChunks });
  expect(mergeOutputs(result.chunks, result.separators)).toBe(content);
  const boundaries = allBoundaries(content);
  let at = 0;
  for (const [i, chunk] of result.chunks.entries()) {
    if (result.chunks.length > 1) expect(chunk.trim()).not.toBe("");
    expect(boundaries.has(at) && boundaries.has(at + chunk.length)).toBe(true);
    at += chunk.length + (result.separators[i]?.length ?? 0);
  }
  return result;
}

describe("splitContent: boundary preference", () => {
  // 101 characters, threshold 51: two chunks, target 51, window 39..63.
  it("prefers a paragraph break to a sentence end closer to the target", () => {
    const content = `${filler(40)}.\n\n${filler(6)}. ${filler(50)}`;
    const { chunks, separators } = split(content, 51, 2);
    expect(separators).toEqual(["\n\n"]);
    expect(chunks[0]).toBe(`${filler(40)}.`);
  });

  it("prefers a sentence end to plain whitespace closer to the target", () => {
    const content = `${filler(44)}. ${filler(55)}`;
    const { chunks, separators } = split(content, 51, 2);
    expect(separators).toEqual([" "]);
    expect(chunks[0]).toBe(`${filler(44)}.`);
  });

  it("counts a sentence end behind closing quotes or brackets, and …, ! and ?", () => {
    for (const end of ['."', "!)", "?", "…", "?!»"]) {
      const content = `${filler(44)}${end} ${filler(55 - end.length)}`;
      expect(split(content, 51, 2).chunks[0]).toBe(`${filler(44)}${end}`);
    }
  });

  it("prefers whitespace to a plain cut", () => {
    const content = `${"x".repeat(44)} ${"y".repeat(56)}`;
    expect(split(content, 51, 2)).toEqual({ chunks: ["x".repeat(44), "y".repeat(56)], separators: [" "] });
  });

  it("cuts plainly, with an empty separator, when no whitespace is near the target", () => {
    expect(split("x".repeat(101), 51, 2)).toEqual({
      chunks: ["x".repeat(51), "x".repeat(50)],
      separators: [""],
    });
    const far = `${"x".repeat(20)} ${"y".repeat(80)}`; // the space is 31 from the target
    expect(split(far, 51, 2)).toEqual({ chunks: [far.slice(0, 51), far.slice(51)], separators: [""] });
  });

  it("takes the closest boundary of the best kind, the earlier on a tie", () => {
    const content = `${filler(39)}.\n\n${filler(16)}.\n\n${filler(40)}`; // breaks at 40..42 and 59..61
    expect(split(content, 51, 2).chunks[0]).toBe(`${filler(39)}.\n\n${filler(16)}.`);
    const tie = `${"x".repeat(48)} yy ${"z".repeat(48)}`; // 100 characters, target 50, spaces at 48 and 51
    expect(split(tie, 50, 2).chunks).toEqual(["x".repeat(48), `yy ${"z".repeat(48)}`]);
  });
});

describe("splitContent: chunk count", () => {
  it("keeps content up to the threshold whole", () => {
    const content = filler(100);
    expect(split(content, 100, 8)).toEqual({ chunks: [content], separators: [] });
    expect(split(content, 99, 8).chunks).toHaveLength(2);
    expect(split("", 1, 8)).toEqual({ chunks: [""], separators: [] });
  });

  it("grows with the size up to maxChunks", () => {
    const counts = [100, 101, 250, 450, 2000].map((length) => split(filler(length), 100, 5).chunks.length);
    expect(counts).toEqual([1, 2, 3, 5, 5]);
  });

  it("never gives more chunks than the content has pieces of text", () => {
    expect(split("ab cd", 1, 10)).toEqual({ chunks: ["ab", "c", "d"], separators: [" ", ""] });
    expect(split("👨‍👩‍👧‍👦x", 1, 10).chunks).toEqual(["👨‍👩‍👧‍👦", "x"]);
  });

  it("cuts at every whitespace run when the threshold is 1", () => {
    const content = "Alpha beta gamma. Delta!\n\nEpsilon zeta, 你好。世界 👍🏽 e\u0301ta\r\ntheta?";
    const { chunks, separators } = split(content, 1, content.length);
    expect(chunks.some((c) => /\s/.test(c))).toBe(false);
    expect(separators.filter((s) => s !== "")).toEqual(content.match(/\s+/g));
  });

  it("splits 10 000 characters of prose at threshold 1 000 into 8 chunks of similar size", () => {
    const content = prose(10_000);
    const { chunks, separators } = split(content, 1000, 8);
    expect(chunks).toHaveLength(8);
    const ideal = content.length / 8;
    for (const chunk of chunks) {
      expect(chunk.length).toBeGreaterThan(0.5 * ideal);
      expect(chunk.length).toBeLessThan(1.5 * ideal);
    }
    for (const [i, chunk] of chunks.slice(0, -1).entries()) {
      expect(chunk).toMatch(/[.!?]$/);
      expect(separators[i]).toMatch(/^\s+$/);
    }
  });

  it("splits 4 MB of prose into maxChunks chunks that merge back", () => {
    const content = prose(4_000_000);
    const { chunks, separators } = splitContent(content, { threshold: 1000, maxChunks: 8 });
    expect(chunks).toHaveLength(8);
    expect(mergeOutputs(chunks, separators)).toBe(content);
  });
});

describe("splitContent: text and whitespace", () => {
  it("treats CRLF blank lines as paragraph breaks and never parts CR from LF", () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}, line one.\r\nLine two here.`);
    const content = paragraphs.join("\r\n\r\n");
    const { chunks, separators } = split(content, 100, 6);
    expect(chunks).toHaveLength(6);
    expect(separators.every((s) => s === "\r\n\r\n")).toBe(true);
    expect(chunks.flatMap((c) => c.split("\r\n\r\n"))).toEqual(paragraphs);
  });

  it("ends CJK sentences at 。！？ without whitespace, the punctuation staying left", () => {
    const content = "今天天气很好。我们去公园散步吧！你觉得怎么样？「好的。」他说。".repeat(4);
    const { chunks, separators } = split(content, 30, 4);
    expect(chunks).toHaveLength(4);
    expect(separators).toEqual(["", "", ""]);
    for (const chunk of chunks) expect(chunk).toMatch(/[。！？]$/);
    const quoted = `${"好".repeat(20)}「好的。」${"好".repeat(20)}`; // the cut goes after the closing bracket
    expect(split(quoted, 23, 2).chunks[0]).toBe(`${"好".repeat(20)}「好的。」`);
  });

  it("cuts CJK text with no punctuation between characters", () => {
    const { chunks } = split("漢字仮名交じり文".repeat(20), 50, 4);
    expect(chunks.map((c) => c.length)).toEqual([40, 40, 40, 40]);
  });

  it("never breaks emoji sequences, flags, skin tones or combining marks", () => {
    const units = ["👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "👍🏽", "e\u0301", "a\u0300\u0301\u0302", "🧑🏿‍💻"];
    const content = units.join("").repeat(30);
    const { chunks } = split(content, 37, 12);
    expect(chunks).toHaveLength(12);
    const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
    for (const chunk of chunks) {
      for (const { segment } of segmenter.segment(chunk)) expect(units).toContain(segment);
    }
    const flags = split("🇫🇷🇩🇪".repeat(50), 30, 7).chunks;
    expect(flags.every((c) => /^(🇫🇷|🇩🇪)+$/u.test(c))).toBe(true);
  });

  it("makes no empty or whitespace-only chunk", () => {
    expect(split(`a${" ".repeat(50)}b`, 5, 10)).toEqual({ chunks: ["a", "b"], separators: [" ".repeat(50)] });
    const blank = " \n\n\t ".repeat(100);
    expect(split(blank, 10, 8)).toEqual({ chunks: [blank], separators: [] });
  });

  it("keeps leading and trailing whitespace in the first and last chunk", () => {
    const content = `\n\n  ${filler(100)}  \r\n`;
    const { chunks } = split(content, 30, 4);
    expect(chunks[0]?.startsWith("\n\n  l")).toBe(true);
    expect(chunks.at(-1)?.endsWith(`${filler(100).slice(-5)}  \r\n`)).toBe(true);
  });

  it("cuts at a run of no-break spaces only when nothing better is near", () => {
    const content = `${"x".repeat(48)}\u00a0${"y".repeat(52)}`;
    expect(split(content, 51, 2).separators).toEqual(["\u00a0"]);
    const both = `${"x".repeat(40)} ${"y".repeat(8)}\u00a0${"z".repeat(51)}`;
    expect(split(both, 51, 2).separators).toEqual([" "]);
  });
});

describe("splitContent: options", () => {
  it.each([
    [{ threshold: 0, maxChunks: 8 }, /threshold/],
    [{ threshold: 1.5, maxChunks: 8 }, /threshold/],
    [{ threshold: Number.NaN, maxChunks: 8 }, /threshold/],
    [{ threshold: 10, maxChunks: 0 }, /maxChunks/],
    [{ threshold: 10, maxChunks: Number.POSITIVE_INFINITY }, /maxChunks/],
  ])("rejects %o with a RangeError naming the option", (options, name) => {
    expect(() => splitContent("text", options)).toThrow(RangeError);
    expect(() => splitContent("text", options)).toThrow(name);
  });
});

/** Deterministic prose: sentences of 4–20 words, paragraphs of 2–6 sentences. */
function prose(length: number): string {
  const words = ["router", "node", "chunk", "job", "worker", "split", "merge", "order", "queue", "model"];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const sentences = 2 + next(5);
    for (let s = 0; s < sentences; s++) {
      const count = 4 + next(17);
      const sentence = Array.from({ length: count }, () => words[next(words.length)]).join(" ");
      const text = `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${".!?"[next(3)]}`;
      parts.push(s === 0 ? text : ` ${text}`);
      size += text.length + 1;
    }
    parts.push("\n\n");
    size += 2;
  }
  return parts.join("").slice(0, length).trimEnd();
}
