/* warwatch article page: a source article's text with every sentence an event rests on highlighted
 * (?event=ID marks that event's sentences as current), and the list of its events. */
"use strict";

(() => {
  const {el, clear, api, fmt, typeDot, showError, externalLink, highlight} = WW;

  async function main() {
    const id = location.pathname.split("/").pop();
    const current = new URLSearchParams(location.search).get("event");
    let a;
    try {
      a = await api(`/api/articles/${encodeURIComponent(id)}`);
    } catch (error) {
      showError(error.message);
      document.getElementById("title").textContent = "Article not found";
      return;
    }
    document.title = `warwatch — ${a.title || a.source}`;
    document.getElementById("title").textContent = a.title || "(untitled)";
    document.getElementById("meta").textContent =
      [a.source, a.published ? "published " + a.published : null, a.doc_id].filter(Boolean).join(" · ");
    const links = clear(document.getElementById("links"));
    const original = externalLink(a.url, "Read the original ↗");
    links.append(original || (a.url ? el("span", {class: "muted"}, `URL (not linked): ${a.url}`) : "No URL known."));
    const spans = a.mentions.map((m) => ({
      start: m.start, end: m.end, kind: m.kind, event_id: m.event_id, current: m.event_id === current,
      title: `${m.event_id}: ${m.sub_event_type || m.event_type}${m.kind === "denial" ? " (denial)" : ""}`,
    }));
    const text = clear(document.getElementById("text"));
    const first = highlight(text, a.text, spans);
    if (first) first.scrollIntoView({block: "center"});
    const list = clear(document.getElementById("events"));
    const seen = new Set();
    for (const m of a.mentions) {
      if (seen.has(m.event_id)) continue;
      seen.add(m.event_id);
      list.appendChild(el("li", {class: m.event_id === current ? "current" : null},
        typeDot(m.event_type),
        el("a", {href: "/events/" + encodeURIComponent(m.event_id)}, m.event_id),
        ` — ${fmt(m.sub_event_type || m.event_type)}`));
    }
    if (!seen.size) list.appendChild(el("li", {class: "muted"}, "No event was read from this article."));
    document.body.setAttribute("data-ready", "1");
  }

  main();
})();
