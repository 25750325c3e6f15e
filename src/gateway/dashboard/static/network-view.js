import { byId, chips, el } from "./dom.js";
import { formatAge, formatClock, formatCount, formatMs, formatRate, NONE } from "./format.js";

/**
 * Fills the status cards from a `GET /api/v1/status` body.
 *
 * @param {any} status
 */
export function renderStatus(status) {
  const capabilities = Array.isArray(status.capabilities) ? status.capabilities : [];
  const models = Array.isArray(status.models) ? status.models : [];
  byId("stat-nodes").textContent = formatCount(status.nodes_online);
  byId("stat-capabilities").textContent = formatCount(capabilities.length);
  byId("stat-capabilities-list").replaceChildren(
    chips(
      capabilities.map((c) => `${c.capability} · ${formatCount(c.price)} cr`),
      "none online",
    ),
  );
  byId("stat-models").textContent = formatCount(models.length);
  byId("stat-models-list").replaceChildren(chips(models, "none online"));
  byId("stat-jobs").textContent = formatCount(status.jobs_24h);
  const anyJobs = typeof status.jobs_24h === "number" && status.jobs_24h > 0;
  byId("stat-failures").textContent = anyJobs ? formatRate(status.failure_rate_24h) : NONE;
  byId("stat-latency").textContent = anyJobs ? formatMs(status.latency_p50_ms) : NONE;
  byId("stat-latency-p99").textContent = `p99 ${anyJobs ? formatMs(status.latency_p99_ms) : NONE}`;
  byId("updated").textContent = `Updated ${formatClock(status.generated_at)}`;
}

/**
 * The name cell: the node's name, and below it its id and how long it has been connected; the full
 * details (router, labels, languages) in its tooltip.
 *
 * @param {any} node
 * @param {number} nowMs
 */
function nameCell(node, nowMs) {
  const labels = Object.entries(node.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const details = [
    `Node ${node.node_id}`,
    `Router ${node.router_id}`,
    `Connected ${node.connected_at}`,
    `Languages: ${(node.languages ?? []).join(", ") || NONE}`,
    `Labels: ${labels.join(", ") || NONE}`,
  ].join("\n");
  return el("td", { attrs: { title: details } }, [
    el("span", { className: "node-name", text: node.name }),
    el("span", {
      className: "node-meta",
      text: `${node.node_id} · up ${formatAge(node.connected_at, nowMs)}`,
    }),
  ]);
}

/** @param {any} node */
function loadCell(node) {
  const load = typeof node.load === "number" ? Math.min(1, Math.max(0, node.load)) : 0;
  return el("td", {}, [
    el("meter", {
      className: "load",
      attrs: { min: 0, max: 1, low: 0.6, high: 0.9, optimum: 0, value: load, "aria-label": "Load" },
    }),
    el("span", {
      className: "load-text",
      text: `${formatCount(node.in_flight)} / ${formatCount(node.max_concurrency)}`,
    }),
  ]);
}

/** @param {any} node */
function successCell(node) {
  const tasks = `${formatCount(node.tasks_succeeded)} ok · ${formatCount(node.tasks_failed)} failed`;
  return el("td", {}, [
    el("span", { text: formatRate(node.success_rate) }),
    el("span", { className: "node-meta", text: tasks }),
  ]);
}

/**
 * Fills the node table from a `GET /api/v1/nodes` body's `nodes`.
 *
 * @param {any[]} nodes
 * @param {number} nowMs
 */
export function renderNodes(nodes, nowMs) {
  const rows = nodes.map((node) => {
    const ran = (node.tasks_succeeded ?? 0) + (node.tasks_failed ?? 0) > 0;
    return el("tr", {}, [
      nameCell(node, nowMs),
      el("td", {}, [chips(node.capabilities)]),
      el("td", {}, [chips(node.models)]),
      loadCell(node),
      successCell(node),
      el("td", { text: ran ? formatMs(node.latency_p50_ms) : NONE }),
      el("td", {}, [
        node.draining
          ? el("span", { className: "badge badge-warn", text: "draining" })
          : el("span", { className: "badge badge-ok", text: "ready" }),
      ]),
    ]);
  });
  byId("nodes-body").replaceChildren(...rows);
  byId("nodes-count").textContent = `(${formatCount(nodes.length)})`;
  byId("nodes-empty").hidden = nodes.length > 0;
  byId("nodes-table").hidden = nodes.length === 0;
}
