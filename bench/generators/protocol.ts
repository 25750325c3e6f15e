/**
 * The child side of a load generator (bench/generator.ts): reads its job from the command line, prints
 * its result on one line, and exits at once if the bench goes away (its stdin, a pipe from the bench,
 * closes).
 */

/** The line prefix of a generator's result. */
export const RESULT_PREFIX = "result ";

/** The job the bench passed, as JSON in the first argument. */
export function generatorInput<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("a generator takes its job as JSON in its first argument");
  process.stdin.on("end", () => process.exit(3));
  process.stdin.on("close", () => process.exit(3));
  process.stdin.on("error", () => process.exit(3));
  process.stdin.resume();
  return JSON.parse(raw) as T;
}

/** Prints the result and exits. */
export function report(result: object): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}
