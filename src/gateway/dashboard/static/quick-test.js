import { byId, el } from "./dom.js";
import { formatCount, formatMs } from "./format.js";
import { parseParams, parseTaskType } from "./validate.js";

/** The value of the select's last option, which reveals the free-text task type. */
const OTHER = "\u0000other";

/**
 * @param {HTMLElement} node
 * @param {string} text
 * @param {"info" | "error"} [tone]
 */
function setStatus(node, text, tone = "info") {
  node.textContent = text;
  node.classList.toggle("is-error", tone === "error");
}

/**
 * The quick-test form: runs one streamed job with the key of the account panel, shows the output as it
 * arrives, then the result's cost, chunks, duration and job id, or the error.
 *
 * @param {ReturnType<typeof import("./api.js").createApi>} api
 * @param {{ key: () => string, onFinished: () => void }} options
 */
export function createQuickTest(api, { key, onFinished }) {
  const select = /** @type {HTMLSelectElement} */ (byId("test-capability"));
  const custom = /** @type {HTMLInputElement} */ (byId("test-custom"));
  const customField = byId("test-custom-field");
  const params = /** @type {HTMLTextAreaElement} */ (byId("test-params"));
  const paramsError = byId("test-params-error");
  const content = /** @type {HTMLTextAreaElement} */ (byId("test-content"));
  const run = /** @type {HTMLButtonElement} */ (byId("test-run"));
  const stop = /** @type {HTMLButtonElement} */ (byId("test-stop"));
  const status = byId("test-status");
  const output = byId("test-output");
  const summary = byId("test-summary");
  /** @type {AbortController | null} */
  let running = null;
  /** The task type the user picked in the select; "" until they pick one. */
  let picked = "";
  /** What the select offers now, so that an unchanged list is not rebuilt under an open dropdown. */
  let offered = "";

  function syncCustom() {
    customField.hidden = select.value !== OTHER;
  }

  /** Shows (or clears, for "") the params error, and marks the field for assistive technology. */
  function showParamsError(message) {
    paramsError.textContent = message;
    paramsError.hidden = message === "";
    if (message === "") params.removeAttribute("aria-invalid");
    else params.setAttribute("aria-invalid", "true");
  }

  /**
   * Offers the capabilities online now, keeping the user's choice when it is still offered.
   *
   * @param {Array<{ capability: string, nodes: number, price: number }>} capabilities
   */
  function setCapabilities(capabilities) {
    const signature = JSON.stringify(capabilities.map((c) => [c.capability, c.price, c.nodes]));
    if (signature === offered) return;
    offered = signature;
    const options = capabilities.map((c) =>
      el("option", {
        text: `${c.capability} — ${formatCount(c.price)} credits, ${formatCount(c.nodes)} node${c.nodes === 1 ? "" : "s"}`,
        attrs: { value: c.capability },
      }),
    );
    options.push(el("option", { text: "Other…", attrs: { value: OTHER } }));
    select.replaceChildren(...options);
    if (picked === "" || picked === OTHER || capabilities.some((c) => c.capability === picked)) {
      // Until the user picks, the first capability online (or free text when there is none).
      select.value = picked === "" ? (capabilities[0]?.capability ?? OTHER) : picked;
    } else {
      // The picked capability went offline: keep it as free text rather than silently switching.
      select.value = OTHER;
      if (custom.value === "") custom.value = picked;
      picked = OTHER;
    }
    syncCustom();
  }

  /** @param {any} result the `result` body of the job */
  function showResult(result) {
    byId("test-cost").textContent = `${formatCount(result.cost)} credits`;
    byId("test-chunks").textContent = formatCount(result.chunks);
    byId("test-duration").textContent = formatMs(result.duration_ms);
    byId("test-job").textContent = String(result.job_id ?? "");
    summary.hidden = false;
  }

  /** @param {boolean} on */
  function setRunning(on) {
    run.disabled = on;
    stop.hidden = !on;
    output.classList.toggle("is-running", on);
  }

  async function submit() {
    const taskType = parseTaskType(select.value === OTHER ? custom.value : select.value);
    if (!taskType.ok) {
      setStatus(status, taskType.message, "error");
      (select.value === OTHER ? custom : select).focus();
      return;
    }
    const parsed = parseParams(params.value);
    if (!parsed.ok) {
      showParamsError(parsed.message);
      params.focus();
      return;
    }
    showParamsError("");
    const apiKey = key();
    if (apiKey === "") {
      setStatus(status, "Enter an API key in Your account to run a job.", "error");
      byId("key-input").focus();
      return;
    }

    /** @type {Record<string, unknown>} */
    const job = { task_type: taskType.value, content: content.value };
    if (parsed.value !== undefined) job.params = parsed.value;
    const controller = new AbortController();
    running = controller;
    output.replaceChildren();
    summary.hidden = true;
    setRunning(true);
    setStatus(status, "Running…");
    try {
      const result = await api.runJob(job, apiKey, {
        signal: controller.signal,
        onDelta: (text) => output.append(text),
      });
      showResult(result);
      setStatus(status, "Done.");
    } catch (err) {
      if (controller.signal.aborted) setStatus(status, "Stopped; the job was cancelled.");
      else setStatus(status, err instanceof Error ? err.message : String(err), "error");
    } finally {
      running = null;
      setRunning(false);
      onFinished();
    }
  }

  select.addEventListener("change", () => {
    picked = select.value;
    syncCustom();
    if (select.value === OTHER) custom.focus();
  });
  params.addEventListener("input", () => {
    const parsed = parseParams(params.value);
    showParamsError(parsed.ok ? "" : parsed.message);
  });
  byId("test-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (running === null) submit().catch(() => {});
  });
  stop.addEventListener("click", () => running?.abort());

  setCapabilities([]);
  return { setCapabilities };
}
