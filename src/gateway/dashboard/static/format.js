/* Formatting of figures for display. Pure functions: every value comes back as plain text. */

/** The text shown for a figure that has no value. */
export const NONE = "—";

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

/** @param {unknown} n */
function isNumber(n) {
  return typeof n === "number" && Number.isFinite(n);
}

/** A whole number with the reader's grouping, e.g. "1,234". @param {unknown} n */
export function formatCount(n) {
  return isNumber(n) ? integer.format(n) : NONE;
}

/** A rate from 0 to 1 as a percentage, e.g. "2.5%"; NONE for null. @param {unknown} rate */
export function formatRate(rate) {
  return isNumber(rate) ? percent.format(rate) : NONE;
}

/** A duration: "850 ms" below a second, "1.25 s" from one. @param {unknown} ms */
export function formatMs(ms) {
  if (!isNumber(ms) || ms < 0) return NONE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A credit amount with its sign, e.g. "+10" or "−10" (a true minus sign). @param {unknown} n */
export function formatSigned(n) {
  if (!isNumber(n)) return NONE;
  if (n > 0) return `+${integer.format(n)}`;
  if (n < 0) return `−${integer.format(-n)}`;
  return "0";
}

/** An ISO time as the reader's local date and time; NONE when it does not parse. @param {unknown} iso */
export function formatDateTime(iso) {
  if (typeof iso !== "string") return NONE;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? NONE : date.toLocaleString();
}

/**
 * An ISO time, short: the clock time for today, else the day and the time to the minute.
 *
 * @param {unknown} iso
 * @param {number} nowMs
 */
export function formatWhen(iso, nowMs) {
  if (typeof iso !== "string") return NONE;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return NONE;
  if (date.toDateString() === new Date(nowMs).toDateString()) return date.toLocaleTimeString();
  return date.toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
}

/** An ISO time as the reader's local clock time. @param {unknown} iso */
export function formatClock(iso) {
  if (typeof iso !== "string") return NONE;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? NONE : date.toLocaleTimeString();
}

/**
 * How long ago an ISO time was, coarsely: "just now", "5 min", "3 h", "2 d".
 *
 * @param {unknown} iso
 * @param {number} nowMs
 */
export function formatAge(iso, nowMs) {
  if (typeof iso !== "string") return NONE;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return NONE;
  const seconds = Math.max(0, Math.round((nowMs - at) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** The first characters of a key, enough to tell keys apart, never the whole secret. @param {string} key */
export function keyHint(key) {
  return key.length <= 10 ? "…" : `${key.slice(0, 7)}…`;
}
