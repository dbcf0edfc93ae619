/* warwatch event page: the event's fields, what each source claims side by side, and each source's
 * article with the sentences behind the event highlighted. */
"use strict";

(() => {
  const {el, clear, api, fmt, typeDot, place, showError, externalLink, highlight} = WW;
  const FIELDS = [
    ["fatalities", "Killed"], ["injuries", "Injured"], ["actor1", "Actor 1"], ["actor2", "Actor 2"],
    ["date", "Date"], ["weapon", "Weapon"], ["target", "Target"], ["location", "Place"],
  ];
  const PRECISION = {1: "day", 2: "week", 3: "month"};
  const GEO = {1: "town", 2: "near a town / part of a region", 3: "region"};
  // ACLED's actor categories (the inter1/inter2 codes of the exports)
  const INTER = {1: "state forces", 2: "rebel group", 3: "political militia", 4: "identity militia",
                 5: "rioters", 6: "protesters", 7: "civilians", 8: "external/other forces"};

  function field(dl, name, value) {
    if (value === null || value === undefined || value === "") return;
    dl.append(el("dt", {}, name), el("dd", {}, value));
  }

  function renderFields(e) {
    const dl = clear(document.getElementById("fields"));
    const est = e.fatality_estimates;
    const range = est.low !== null && est.high !== null ? ` (low ${est.low}, high ${est.high})` : "";
    field(dl, "Event type", e.event_type);
    field(dl, "Sub-event type", e.sub_event_type);
    field(dl, "Date", e.event_date ? `${e.event_date} (precision: ${PRECISION[e.time_precision] || e.time_precision})` : "undated");
    field(dl, "Place", `${place(e)}` + (e.place_text ? ` — written “${e.place_text}”` : ""));
    if (e.latitude !== null) {
      field(dl, "Coordinates", `${e.latitude.toFixed(4)}, ${e.longitude.toFixed(4)} (${GEO[e.geo_precision] || "precision " + e.geo_precision})`);
    }
    const a = e.acled || {};
    field(dl, "Disorder type", a.disorder_type);
    field(dl, "Actor 1", e.actor1 ? e.actor1 + (e.actor_attributed ? " (believed / suspected)" : "") + category(a.inter1) : null);
    field(dl, "Actor 2", e.actor2 ? e.actor2 + category(a.inter2) : null);
    field(dl, "Interaction", a.interaction === null || a.interaction === undefined ? null : String(a.interaction));
    field(dl, "Fatalities", (e.fatalities === null ? "not reported" : String(e.fatalities)) + (e.fatalities === null ? "" : range));
    field(dl, "Injuries", e.injuries === null ? null : String(e.injuries));
    field(dl, "Weapon", e.weapon);
    field(dl, "Target", e.target);
    field(dl, "Civilian targeting", e.civilian_targeting ? "yes" : "no");
    field(dl, "Grade", e.grade ? e.grade.replace(/_/g, " ") : null);
    field(dl, "Confidence", e.confidence.toFixed(2));
    field(dl, "Notes", e.notes);
  }

  /* ACLED's actor category ("inter" code) after an actor's name: " — state forces (1)". */
  function category(code) {
    return code ? ` — ${INTER[code] || "category"} (${code})` : "";
  }

  function claimCell(claims) {
    if (!claims.length) return el("td", {class: "muted"}, "—");
    return el("td", {}, claims.map((c) => el("div", {class: "claim"},
      el("strong", {}, fmt(c.value)),
      c.attributed ? el("span", {class: "muted"}, " (believed)") : null,
      c.quote ? el("div", {class: "quote"}, `“${c.quote}”`) : null,
      c.claimant ? el("div", {class: "muted"}, `according to ${c.claimant}`) : null)));
  }

  function renderCompare(e) {
    const table = clear(document.getElementById("compare"));
    const head = el("tr", {}, el("th", {scope: "col"}, "Field"), e.articles.map((a) =>
      el("th", {scope: "col"}, a.source, el("div", {class: "muted"}, fmt(a.published, "")))));
    const rows = [];
    for (const [key, label] of FIELDS) {
      const claims = e.claims.filter((c) => c.field === key);
      if (!claims.length) continue;
      rows.push(el("tr", {"data-field": key}, el("th", {scope: "row"}, label),
        e.articles.map((a) => claimCell(claims.filter((c) => c.article_id === a.id)))));
    }
    if (!rows.length) rows.push(el("tr", {}, el("td", {class: "muted"}, "No source claims any field.")));
    table.append(el("thead", {}, head), el("tbody", {}, rows));
  }

  async function renderSources(e) {
    const box = clear(document.getElementById("sources"));
    const columns = e.articles.map((a) => {
      const text = el("div", {class: "article-text boxed", "data-article": String(a.id)}, "loading…");
      const figure = e.fatality_estimates.reported.find((r) => r.article_id === a.id);
      const column = el("article", {class: "source", "data-article": String(a.id)},
        el("h4", {}, a.title || a.source),
        el("p", {class: "muted"}, [a.source, a.published].filter(Boolean).join(" · ")),
        el("p", {class: "figure"}, figure ? `Killed: ${figure.figure}` + (figure.claimant ? ` (${figure.claimant})` : "")
                                          : "No fatality figure"),
        el("p", {class: "links"},
          el("a", {href: `/articles/${a.id}?event=${encodeURIComponent(e.event_id)}`, class: "article-link"}, "Full article"),
          " ", externalLink(a.url, "original ↗")),
        text);
      box.appendChild(column);
      return [a, text];
    });
    await Promise.all(columns.map(async ([a, text]) => {
      try {
        const article = await api(`/api/articles/${a.id}`);
        const spans = article.mentions.filter((m) => m.event_id === e.event_id).map((m) => ({
          start: m.start, end: m.end, kind: m.kind, event_id: m.event_id, current: true,
          title: m.kind === "denial" ? "a sentence denying it" : "the sentence behind this event",
        }));
        clear(text);
        const first = highlight(text, article.text, spans);
        // the box is positioned, so it is the mark's offsetParent: offsetTop is already relative to it
        if (first) text.scrollTop = Math.max(0, first.offsetTop - 40);
      } catch (error) {
        text.textContent = "Could not load the article: " + error.message;
      }
    }));
  }

  async function main() {
    const id = decodeURIComponent(location.pathname.split("/").pop() || "");
    let e;
    try {
      e = await api("/api/events/" + encodeURIComponent(id));
    } catch (error) {
      showError(error.message);
      document.getElementById("title").textContent = "Event not found";
      return;
    }
    document.title = `warwatch — ${e.event_id}`;
    const title = clear(document.getElementById("title"));
    title.append(typeDot(e.event_type), `${e.sub_event_type || e.event_type} — ${e.location || e.place_text || "unlocated"}`);
    document.getElementById("subtitle").textContent =
      `${e.event_id} · ${fmt(e.event_date, "undated")} · ${place(e)} · ${e.n_sources} source(s)`;
    renderFields(e);
    renderCompare(e);
    await renderSources(e);
    document.body.setAttribute("data-ready", "1");
  }

  main();
})();
