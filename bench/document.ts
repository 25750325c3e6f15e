/**
 * The documents of the fan-out scenarios: English prose in paragraphs, generated from a fixed seed so
 * every run sends the same text, and the capabilities the bench workers serve it under.
 */

/** Declared splittable by the bench workers: a long document is split into chunks. */
export const SPLIT_CAPABILITY = "upper";

/** The same handler, not declared splittable: a job of this capability always runs whole. */
export const WHOLE_CAPABILITY = "upper-whole";

const SUBJECTS = [
  "the dispatcher",
  "a freight train",
  "the night shift",
  "every signal box",
  "the yard master",
  "a late container",
  "the morning timetable",
  "each coupling",
];
const VERBS = ["waits for", "checks", "follows", "reroutes", "announces", "delays", "clears", "counts"];
const OBJECTS = [
  "the switch on track nine",
  "a column of empty wagons",
  "the long curve past the depot",
  "the inspection log",
  "a shipment of paper rolls",
  "the lamps along the platform",
  "the weekly maintenance window",
  "the queue at the loading dock",
];
const TAILS = [
  "before dawn",
  "without a word",
  "as the fog lifts",
  "while the crew changes",
  "until the line is clear",
  "once the paperwork is signed",
];

/** A small deterministic generator (mulberry32), so the text is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(list: readonly T[], next: () => number): T {
  return list[Math.floor(next() * list.length)] as T;
}

/**
 * Exactly `size` characters of prose: sentences of a few clauses, four to nine sentences per paragraph,
 * paragraphs separated by a blank line. ASCII only, so upper-casing keeps the length.
 */
export function proseDocument(size: number, seed = 7): string {
  const next = random(seed);
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const sentences: string[] = [];
    const count = 4 + Math.floor(next() * 6);
    for (let i = 0; i < count; i++) {
      const clause = `${pick(SUBJECTS, next)} ${pick(VERBS, next)} ${pick(OBJECTS, next)}`;
      const sentence = `${clause} ${pick(TAILS, next)}.`;
      sentences.push(sentence.charAt(0).toUpperCase() + sentence.slice(1));
    }
    const paragraph = sentences.join(" ");
    parts.push(paragraph);
    length += paragraph.length + 2;
  }
  return parts.join("\n\n").slice(0, size).trimEnd().padEnd(size, ".");
}
