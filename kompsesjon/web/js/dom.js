// Building the page. User text only ever goes in as text (textContent,
// attribute values), never as markup: a card reading <b>hi</b> shows
// exactly that.

/** h("li", {class: "card", "aria-label": x}, child, "text", …) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name === "on") {
      for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    } else if (name === "text") {
      el.textContent = value;
    } else if (name in PROPERTIES) {
      el[PROPERTIES[name]] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

const PROPERTIES = { value: "value", checked: "checked", disabled: "disabled", hidden: "hidden" };

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Set text only when it changed (screen readers re-read changed text). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Keep a list's children in step with ``rows`` by key: an element that stays
 * is updated in place, so focus and what is typed in it survive updates.
 */
export function keyed(list, rows, key, create, update) {
  const old = new Map();
  for (const child of list.children) if (child.dataset.key != null) old.set(child.dataset.key, child);
  let at = 0;
  for (const row of rows) {
    const id = String(key(row));
    let el = old.get(id);
    if (el) old.delete(id);
    else {
      el = create(row);
      el.dataset.key = id;
    }
    update(el, row);
    if (list.children[at] !== el) list.insertBefore(el, list.children[at] || null);
    at += 1;
  }
  for (const el of old.values()) el.remove();
  for (const child of [...list.children].slice(at)) child.remove();
}
