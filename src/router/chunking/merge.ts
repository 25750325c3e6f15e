/**
 * Joins the outputs of a split job in chunk order, putting back the separators the split took out:
 * `outputs[0] + separators[0] + outputs[1] + … + separators[n-2] + outputs[n-1]`. With each output
 * equal to its chunk, this gives back the content passed to {@link splitContent}.
 *
 * @throws RangeError when `outputs` is empty or `separators.length !== outputs.length - 1`.
 */
export function mergeOutputs(outputs: readonly string[], separators: readonly string[]): string {
  if (outputs.length === 0 || separators.length !== outputs.length - 1) {
    throw new RangeError(
      `mergeOutputs needs one separator fewer than outputs, got ${outputs.length} outputs and ${separators.length} separators`,
    );
  }
  const parts: string[] = [];
  for (const [i, output] of outputs.entries()) {
    if (i > 0) parts.push(separators[i - 1] ?? "");
    parts.push(output);
  }
  return parts.join("");
}
