/* warwatch: helpers shared by the pages.
 * Article text, titles, outlets and URLs come from the news and are untrusted: every string is
 * put into the page with textContent or setAttribute (never innerHTML), and a URL is only linked
 * when it is http(s). */
"use strict";

const WW = (() => {
  const TYPE_COLORS = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Protests": "#2ca02c",
    "Riots": "#8c564b",
    "Strategic developments": "#1f77b4",
  };
  const OTHER_COLOR = "#7f7f7f";

  function typeColor(type) {
    return Object.prototype.hasOwnProperty.call(TYPE_COLORS, type) ? TYPE_COLORS[type] : OTHER_COLOR;
  }

  /* el("a", {href: "/x", class: "y"}, "text", childNode): attributes by setAttribute, text as text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (/^on/i.test(key)) throw new Error("no inline handlers: " + key);
      node.setAttribute(key, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /* A URL from an article, only if it is an absolute http(s) URL (no javascript:, data:, ...). */
  function safeUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(url, label) {
    const href = safeUrl(url);
    if (!href) return null;
    return el("a", {href, rel: "noopener noreferrer nofollow", target: "_blank", class: "external"}, label || href);
  }

  async function api(path, params) {
    const query = params ? "?" + params.toString() : "";
    const response = await fetch(path + query, {headers: {Accept: "application/json"}});
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const message = body && typeof body.message === "string" ? body.message : response.statusText;
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function showError(message) {
    const box = document.getElementById("error");
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  }

  function fmt(value, fallback) {
    return value === null || value === undefined || value === "" ? (fallback === undefined ? "—" : fallback) : String(value);
  }

  function typeDot(type) {
    const dot = el("span", {class: "dot", "aria-hidden": "true"});
    dot.style.background = typeColor(type);
    return dot;
  }

  function place(e) {
    return [e.location, e.admin1, e.country].filter(Boolean).join(", ") || e.place_text || "unlocated";
  }

  /* Append `text` to `container`, wrapping the spans [{start, end, kind, current}] in <mark>.
   * Offsets are in code points (as Python counts them), so the text is split with Array.from. */
  function highlight(container, text, spans) {
    const chars = Array.from(text || "");
    const marks = (spans || []).filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || b.end - a.end);
    let at = 0;
    let first = null;
    for (const span of marks) {
      const start = Math.max(span.start, at);
      let end = Math.min(span.end, chars.length);
      while (end > start && /\s/.test(chars[end - 1])) end--;  // a trailing newline would mark an empty line
      if (end <= start) continue;
      if (start > at) container.appendChild(document.createTextNode(chars.slice(at, start).join("")));
      const mark = el("mark", {
        class: [span.kind || "evidence", span.current ? "current" : ""].join(" ").trim(),
        "data-event": span.event_id || null,
        title: span.title || null,
      }, chars.slice(start, end).join(""));
      container.appendChild(mark);
      // the page scrolls to the first evidence sentence of the current event (a denial only if there is none)
      if (span.current && (!first || (first.classList.contains("denial") && span.kind !== "denial"))) first = mark;
      at = end;
    }
    if (at < chars.length) container.appendChild(document.createTextNode(chars.slice(at).join("")));
    return first;
  }

  return {TYPE_COLORS, typeColor, el, append, clear, safeUrl, externalLink, api, showError, fmt, typeDot, place,
          highlight};
})();
