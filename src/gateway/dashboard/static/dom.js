/*
 * Building the page from data. Every string goes in as text (textContent, text nodes, attribute
 * values), never as markup: node names, labels, models and job output are chosen by others.
 */

/**
 * A new element with text, a class, attributes and children. `attrs` keys come from this code only.
 *
 * @param {string} tag
 * @param {{ text?: unknown, className?: string, attrs?: Record<string, string | number | boolean> }} [props]
 * @param {Array<Node | string | null | undefined>} [children]
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/**
 * Small labelled tags, one per value ("upper", "switchyard/demo"); `empty` when there are none.
 *
 * @param {unknown} values
 * @param {string} [empty]
 */
export function chips(values, empty = "—") {
  const list = Array.isArray(values) ? values.filter((v) => typeof v === "string") : [];
  if (list.length === 0) return el("span", { className: "muted", text: empty });
  return el(
    "ul",
    { className: "chips" },
    list.map((v) => el("li", { className: "chip", text: v })),
  );
}

/**
 * Finds an element of the page by id.
 *
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}
