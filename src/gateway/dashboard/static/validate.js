/* Checks of the quick-test form's fields before anything is sent. Pure functions. */

/**
 * The params field: empty means no params; otherwise it must be a JSON object.
 *
 * @param {string} text
 * @returns {{ ok: true, value: Record<string, unknown> | undefined } | { ok: false, message: string }}
 */
export function parseParams(text) {
  if (text.trim() === "") return { ok: true, value: undefined };
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `Params are not valid JSON: ${detail}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, message: 'Params must be a JSON object, such as {"temperature": 0.2}.' };
  }
  return { ok: true, value };
}

/**
 * The task type: trimmed; a message when it is empty.
 *
 * @param {string} text
 * @returns {{ ok: true, value: string } | { ok: false, message: string }}
 */
export function parseTaskType(text) {
  const value = text.trim();
  return value === "" ? { ok: false, message: "Choose or type a task type." } : { ok: true, value };
}
