/* warwatch sources page: every feed and sitemap `warwatch watch` polls, with its last success, last
 * error, failures in a row, next poll and articles stored (GET /api/sources). Text only: a feed's
 * title and an error message are untrusted. */
"use strict";

(() => {
  const {el, clear, api, showError} = WW;

  function when(value) {
    return value ? value.replace("T", " ").slice(0, 19) + "Z" : "–";
  }

  async function main() {
    let data;
    try {
      data = await api("/api/sources");
    } catch (error) {
      showError(error.message);
      return;
    }
    const body = clear(document.getElementById("sources"));
    const failing = data.sources.filter((s) => s.failures > 0).length;
    document.getElementById("meta").textContent =
      `${data.sources.length} source(s), ${failing} failing; times in UTC`;
    for (const s of data.sources) {
      const error = s.last_error ? `${when(s.last_error_at)} ${s.last_error}` : "–";
      body.appendChild(el("tr", {class: s.failures ? "failing" : null},
        el("td", {}, s.active ? s.url : `${s.url} (not in the file)`),
        el("td", {}, s.outlet || "–"),
        el("td", {}, when(s.last_success)),
        el("td", {class: s.last_error ? "error-text" : null}, error),
        el("td", {}, String(s.failures)),
        el("td", {}, s.active ? when(s.next_due) : "–"),
        el("td", {}, String(s.articles)),
        el("td", {}, String(s.pending)),
        el("td", {}, String(s.refused))));
    }
    if (!data.sources.length) {
      body.appendChild(el("tr", {}, el("td", {colspan: "9", class: "muted"}, "No source is watched yet.")));
    }
    document.body.setAttribute("data-ready", "1");
  }

  main();
})();
