import { byId, el } from "./dom.js";
import { formatCount, formatDateTime, formatSigned, formatWhen, keyHint, NONE } from "./format.js";

/** Where the key is kept: this browser's localStorage for this gateway's origin. */
const KEY_STORAGE = "switchyard.dashboard.apiKey";

/** Transactions per page. */
const PAGE_SIZE = 20;

/** The stored key, or "" when there is none or storage is unavailable. */
function readKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

/** @param {string} key "" forgets it */
function writeKey(key) {
  try {
    if (key === "") localStorage.removeItem(KEY_STORAGE);
    else localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage disabled: the key still works until the page is closed.
  }
}

/**
 * @param {HTMLElement} node
 * @param {string} text
 * @param {"info" | "error"} [tone]
 */
function setStatus(node, text, tone = "info") {
  node.textContent = text;
  node.classList.toggle("is-error", tone === "error");
}

/** Transaction kinds with a colour of their own. */
const KINDS = new Set(["grant", "charge", "reward", "refund"]);

/** @param {any} tx one transaction of `GET /api/v1/transactions` */
function transactionRow(tx) {
  const amount = typeof tx.amount === "number" ? tx.amount : 0;
  return el("tr", {}, [
    el("td", {
      className: "nowrap",
      text: formatWhen(tx.created_at, Date.now()),
      attrs: { title: formatDateTime(tx.created_at) },
    }),
    el("td", {}, [
      el("span", { className: `badge badge-${KINDS.has(tx.kind) ? tx.kind : "other"}`, text: tx.kind }),
    ]),
    el("td", {
      className: `num ${amount < 0 ? "amount-out" : "amount-in"}`,
      text: formatSigned(amount),
    }),
    el("td", {}, [
      // Cut short by CSS only: the whole id stays in the page, for copying and in the tooltip.
      tx.job_id ? el("code", { className: "job-id", text: tx.job_id, attrs: { title: tx.job_id } }) : NONE,
    ]),
    el("td", { text: tx.note ?? "" }),
  ]);
}

/**
 * The account panel: the API key field, the key holder's balance and transaction history.
 *
 * @param {ReturnType<typeof import("./api.js").createApi>} api
 */
export function createAccountView(api) {
  const input = /** @type {HTMLInputElement} */ (byId("key-input"));
  const status = byId("account-status");
  const details = byId("account-details");
  const txBody = byId("tx-body");
  const more = /** @type {HTMLButtonElement} */ (byId("tx-more"));
  let key = readKey();
  /** Bumped by every refresh and key change, so an answer for an older one is dropped. */
  let generation = 0;
  /** @type {string | null} */
  let nextCursor = null;

  input.value = key;

  /** @param {any} page */
  function showPage(page, append) {
    const rows = (Array.isArray(page.transactions) ? page.transactions : []).map(transactionRow);
    if (append) txBody.append(...rows);
    else txBody.replaceChildren(...rows);
    nextCursor = typeof page.next_cursor === "string" ? page.next_cursor : null;
    more.hidden = nextCursor === null;
    byId("tx-empty").hidden = txBody.childElementCount > 0;
  }

  /** @param {any} balance */
  function showBalance(balance) {
    byId("balance-value").textContent = formatCount(balance.balance);
    byId("balance-held").textContent = formatCount(balance.held);
    byId("balance-earned").textContent = formatCount(balance.earned);
    byId("balance-spent").textContent = formatCount(balance.spent);
  }

  /** Reloads the balance and the first page of transactions for the current key. */
  async function refresh() {
    const mine = ++generation;
    if (key === "") {
      details.hidden = true;
      setStatus(status, "Enter an API key to see its balance and transactions and to run jobs.");
      return;
    }
    try {
      const [balance, page] = await Promise.all([api.balance(key), api.transactions(key, PAGE_SIZE)]);
      if (mine !== generation) return;
      showBalance(balance);
      showPage(page, false);
      details.hidden = false;
      setStatus(status, `Using key ${keyHint(key)}`);
    } catch (err) {
      if (mine !== generation) return;
      details.hidden = true;
      setStatus(status, err instanceof Error ? err.message : String(err), "error");
    }
  }

  async function loadMore() {
    if (nextCursor === null || key === "") return;
    const mine = generation;
    more.disabled = true;
    try {
      const page = await api.transactions(key, PAGE_SIZE, nextCursor);
      if (mine === generation) showPage(page, true);
    } catch (err) {
      if (mine === generation) setStatus(status, err instanceof Error ? err.message : String(err), "error");
    } finally {
      more.disabled = false;
    }
  }

  /** @param {string} next */
  function useKey(next) {
    key = next.trim();
    input.value = key;
    writeKey(key);
    return refresh();
  }

  byId("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    useKey(input.value).catch(() => {});
  });
  byId("key-forget").addEventListener("click", () => {
    useKey("").catch(() => {});
    input.focus();
  });
  byId("account-refresh").addEventListener("click", () => {
    refresh().catch(() => {});
  });
  more.addEventListener("click", () => {
    loadMore().catch(() => {});
  });

  return {
    /** The key in use; "" when none. */
    key: () => key,
    refresh,
  };
}
