/* warwatch dashboard: filters, map, timeline and table, all fed by the REST API and kept in sync.
 * State lives in the URL (?since=...&sort=...&event=...), so a view can be shared or reloaded. */
"use strict";

(() => {
  const {el, clear, api, fmt, typeColor, typeDot, place, showError, externalLink} = WW;
  const FILTERS = ["since", "until", "event_type", "sub_event_type", "admin1", "actor", "min_fatalities", "grade", "q"];
  const PAGE = 50;
  const MAP_LIMIT = 5000;
  const SYRIA = [[32.3, 35.6], [37.4, 42.4]];
  const state = {sort: "-event_date", offset: 0, selected: null, config: null, fitted: false};
  const form = document.getElementById("filters");
  const tbody = document.querySelector("#events tbody");
  const markers = new Map();
  const tips = new Map();  // event id -> its details, fetched when its marker's tooltip first opens
  let map = null;
  let markerLayer = null;
  let generation = 0;
  let renders = 0;
  let legendBox = null;
  let facetKey = "";  // the facets the filters were filled from, to refill them only when they change

  // --- state <-> URL ---------------------------------------------------------------------

  function readUrl() {
    const p = new URLSearchParams(location.search);
    for (const name of FILTERS) {
      const input = form.elements[name];
      if (input && p.has(name)) input.value = p.get(name);
    }
    state.sort = p.get("sort") || "-event_date";
    state.offset = Math.max(0, parseInt(p.get("offset") || "0", 10) || 0);
    form.elements.in_view.checked = p.get("in_view") === "1";
    state.selected = p.get("event") || null;
  }

  function filterParams(withBox) {
    const p = new URLSearchParams();
    for (const name of FILTERS) {
      const input = form.elements[name];
      const value = input ? String(input.value).trim() : "";
      if (value) p.set(name, value);
    }
    if (withBox && form.elements.in_view.checked && map) {
      const b = map.getBounds();
      const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v)).toFixed(4);
      p.set("bbox", [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                     clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].join(","));
    }
    return p;
  }

  function writeUrl() {
    const p = filterParams(false);
    if (state.sort !== "-event_date") p.set("sort", state.sort);
    if (state.offset) p.set("offset", String(state.offset));
    if (form.elements.in_view.checked) p.set("in_view", "1");
    if (state.selected) p.set("event", state.selected);
    const query = p.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
    const exports = filterParams(true).toString();
    document.getElementById("export-csv").href = "/api/events.csv" + (exports ? "?" + exports : "");
    document.getElementById("export-geojson").href = "/api/events.geojson" + (exports ? "?" + exports : "");
    // the report covers what the table shows: the same filters, the map's box when "in view" is on
    document.getElementById("report").href = "/api/report" + (exports ? "?" + exports : "");
    document.getElementById("report-pdf").href = "/api/report?" + (exports ? exports + "&" : "") + "format=pdf";
  }

  // --- loading ---------------------------------------------------------------------------

  async function reload(options) {
    const withMap = !options || options.map !== false;
    const mine = ++generation;
    writeUrl();
    const listParams = filterParams(true);
    listParams.set("sort", state.sort);
    listParams.set("offset", String(state.offset));
    listParams.set("limit", String(PAGE));
    // the map needs five columns of each event, not the full rows: the compact points endpoint
    const mapParams = filterParams(false);
    mapParams.set("limit", String(MAP_LIMIT));
    mapParams.set("sort", "-fatalities");
    try {
      const [list, stats, points] = await Promise.all([
        api("/api/events", listParams),
        api("/api/stats/daily", filterParams(true)),
        withMap ? api("/api/events/points", mapParams) : Promise.resolve(null),
      ]);
      if (mine !== generation) return;  // a newer request is on its way
      showError("");
      renderTable(list);
      renderTimeline(stats);
      if (points) renderMap(points, list);
      if (state.selected) highlightSelection();
      // for tests and scripts: how many views have been drawn, and the query the table shows
      document.body.setAttribute("data-renders", String(++renders));
      document.body.setAttribute("data-query", listParams.toString());
    } catch (error) {
      if (mine === generation) showError("Could not load events: " + error.message);
    }
  }

  // --- table -----------------------------------------------------------------------------

  /* "Shelling/artillery/missile attack" may wrap after its slashes (a zero-width space each). */
  function breakable(text) {
    return String(text).replace(/\//g, "/\u200b");
  }

  /* The table is narrow: ACLED's "(2000-)" period suffix is left to the tooltip and the event page. */
  function shortActor(actor) {
    return actor ? actor.replace(/\s*\(\d{4}-\d{0,4}\)$/, "") : "—";
  }

  /* 12345 as "12,345" */
  function count(n) {
    return Number(n).toLocaleString("en-US");
  }

  /* A listing's total as words: "12,345 events", or "more than 10,000 events" when the count stopped at a cap. */
  function totalText(list) {
    const n = list.total_capped ? `more than ${count(list.total)}` : count(list.total);
    return `${n} event${list.total === 1 && !list.total_capped ? "" : "s"}`;
  }

  function renderTable(list) {
    clear(tbody);
    const showGrade = Boolean(state.config && state.config.grade);
    for (const e of list.events) {
      const row = el("tr", {"data-id": e.event_id, tabindex: "0"},
        el("td", {class: "nowrap"}, fmt(e.event_date, "undated")),
        el("td", {title: e.event_type}, typeDot(e.event_type), breakable(e.sub_event_type || e.event_type)),
        el("td", {}, e.location || e.place_text || "unlocated", el("div", {class: "muted"}, fmt(e.admin1, ""))),
        el("td", {title: fmt(e.actor1, "")}, shortActor(e.actor1)),
        el("td", {class: "num"}, fmt(e.fatalities)),
        el("td", {class: "num", title: e.sources.join("; ")}, String(e.n_sources)),
        showGrade ? el("td", {class: "nowrap"}, fmt(e.grade).replace(/_/g, " ")) : null);
      row.addEventListener("click", () => select(e.event_id, {pan: true}));
      row.addEventListener("keydown", (ev) => { if (ev.key === "Enter") select(e.event_id, {pan: true}); });
      row.addEventListener("mouseenter", () => emphasise(e.event_id, true));
      row.addEventListener("mouseleave", () => emphasise(e.event_id, false));
      tbody.appendChild(row);
    }
    if (!list.events.length) {
      tbody.appendChild(el("tr", {}, el("td", {colspan: "7", class: "empty"}, "No event matches these filters.")));
    }
    const last = list.offset + list.events.length;
    const of = list.total_capped ? `more than ${count(list.total)}` : count(list.total);
    document.getElementById("page").textContent = list.events.length ? `${count(list.offset + 1)}–${count(last)} of ${of}`
      : list.total ? `past the end of ${of}` : "0 events";
    document.getElementById("prev").disabled = list.offset <= 0;
    // past a capped total there are more pages than the count says
    document.getElementById("next").disabled = !list.total_capped && last >= list.total;
    for (const th of document.querySelectorAll("#events th[data-sort]")) {
      const key = th.getAttribute("data-sort");
      const order = state.sort === key ? "ascending" : state.sort === "-" + key ? "descending" : "none";
      th.setAttribute("aria-sort", order);
    }
    for (const node of document.querySelectorAll(".grade-col")) node.hidden = !showGrade;
  }

  // --- map -------------------------------------------------------------------------------

  function radius(fatalities) {
    return fatalities ? Math.min(28, 5 + 2.5 * Math.sqrt(fatalities)) : 5;
  }

  function markerStyle(p, selected) {
    return {radius: radius(p.fatalities), fillColor: typeColor(p.event_type), fillOpacity: 0.8,
            color: selected ? "#111" : "#fff", weight: selected ? 3 : 1, dashArray: p.fatalities === null ? "2 2" : null};
  }

  /* A marker's tooltip: what its point says at once, the date, place and sources once fetched. */
  function tooltipContent(p) {
    const e = tips.get(p.event_id);
    return el("div", {class: "tip"},
      el("strong", {}, e ? e.sub_event_type || e.event_type : p.event_type),
      el("div", {}, e ? `${fmt(e.event_date, "undated")} · ${[e.location, e.admin1].filter(Boolean).join(", ")}` : "…"),
      el("div", {}, `Fatalities: ${fmt(p.fatalities, "not reported")}` + (e ? ` · ${e.n_sources} source(s)` : "")));
  }

  async function fillTooltip(marker, p) {
    if (tips.has(p.event_id)) return;
    try {
      tips.set(p.event_id, await api("/api/events/" + encodeURIComponent(p.event_id)));
    } catch (error) {
      return;  // the tooltip keeps what the point said
    }
    if (marker.isTooltipOpen()) marker.setTooltipContent(tooltipContent(p));
  }

  function renderMap(collection, list) {
    markerLayer.clearLayers();
    markers.clear();
    tips.clear();
    for (const [id, lat, lon, type, fatalities] of collection.points) {
      const p = {event_id: id, event_type: type, fatalities};
      const marker = L.circleMarker([lat, lon], markerStyle(p, id === state.selected));
      marker.bindTooltip(() => tooltipContent(p), {direction: "top", offset: [0, -4]});
      marker.on("tooltipopen", () => fillTooltip(marker, p));
      marker.on("click", () => select(id, {scroll: true}));
      marker.addTo(markerLayer);
      const node = marker.getElement();
      if (node) {
        node.setAttribute("data-event-id", id);
        node.setAttribute("aria-label", `${id}: ${type}`);
        node.classList.add("ww-marker");
      }
      markers.set(id, {marker, props: p});
    }
    const shown = markers.size;
    const summary = `${totalText(list)} · ${count(shown)} on the map` +
      (collection.unlocated ? ` · ${count(collection.unlocated)} without coordinates` : "") +
      (collection.truncated ? ` (map shows the ${count(MAP_LIMIT)} deadliest)` : "");
    document.getElementById("summary").textContent = summary;
    if (!state.fitted && shown) {
      map.fitBounds(markerLayer.getBounds().pad(0.15), {maxZoom: 10});
      state.fitted = true;
    }
  }

  function emphasise(id, on) {
    const found = markers.get(id);
    if (!found) return;
    found.marker.setStyle(markerStyle(found.props, on || id === state.selected));
    if (on) found.marker.bringToFront();
  }

  function highlightSelection() {
    for (const [id, found] of markers) found.marker.setStyle(markerStyle(found.props, id === state.selected));
    const chosen = markers.get(state.selected);
    if (chosen) chosen.marker.bringToFront();
    for (const row of tbody.querySelectorAll("tr[data-id]")) {
      row.classList.toggle("selected", row.getAttribute("data-id") === state.selected);
    }
  }

  async function initMap(config, present) {
    map = L.map("map", {zoomSnap: 0.5, worldCopyJump: true}).fitBounds(SYRIA);
    if (config.tiles) {
      L.tileLayer(config.tiles.url, {attribution: config.tiles.attribution, maxZoom: 18}).addTo(map);
    } else {
      document.getElementById("map").classList.add("no-tiles");
    }
    map.attributionControl.addAttribution(config.boundaries.attribution);
    try {
      const shapes = await api(config.boundaries.url);
      const noTiles = !config.tiles;
      L.geoJSON(shapes, {
        interactive: false,
        style: (f) => f.properties.placetype === "country"
          ? {color: "#444", weight: 2, fill: false}
          : {color: "#777", weight: 1, fill: noTiles, fillColor: "#f3efe6", fillOpacity: 1},
        onEachFeature: (f, layer) => {
          if (!noTiles || f.properties.placetype !== "region") return;
          const label = el("span", {}, f.properties.label || f.properties.name);
          L.tooltip({permanent: true, direction: "center", className: "region-label", interactive: false})
            .setLatLng(layer.getBounds().getCenter()).setContent(label).addTo(map);
        },
      }).addTo(map);
    } catch (error) {
      showError("Could not load the admin boundaries: " + error.message);
    }
    markerLayer = L.featureGroup().addTo(map);
    L.control.scale({imperial: false}).addTo(map);
    const legend = L.control({position: "topright"});
    legend.onAdd = () => (legendBox = el("div", {class: "legend"}, legendItems(present)));
    legend.addTo(map);
    let pending = null;
    map.on("moveend", () => {
      if (!form.elements.in_view.checked) return;
      clearTimeout(pending);
      pending = setTimeout(() => { state.offset = 0; reload({map: false}); }, 250);
    });
  }

  function legendItems(present) {
    // only the types in the database (in ACLED's order, as the filter and the bars): six lines for
    // two colours would hide the map for nothing
    return [...(present.length ? present : Object.keys(WW.TYPE_COLORS)).map((t) => el("div", {"data-type": t}, typeDot(t), t)),
            el("div", {class: "muted"}, "size: fatalities · dashed: no figure")];
  }

  // --- selection and detail --------------------------------------------------------------

  async function select(id, options) {
    state.selected = id;
    writeUrl();
    highlightSelection();
    const found = markers.get(id);
    if (found && options && options.pan) map.panTo(found.marker.getLatLng());
    const panel = document.getElementById("detail");
    try {
      const e = await api("/api/events/" + encodeURIComponent(id));
      if (state.selected !== id) return;
      renderDetail(panel, e);
      // after the panel is drawn (it takes room above the table), so that the row stays in sight
      const row = tbody.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
      if (row && options && options.scroll) row.scrollIntoView({block: "center"});
    } catch (error) {
      showError("Could not load event " + id + ": " + error.message);
    }
  }

  function renderDetail(panel, e) {
    clear(panel);
    const close = el("button", {type: "button", class: "close", "aria-label": "Close"}, "×");
    close.addEventListener("click", () => { panel.hidden = true; state.selected = null; writeUrl(); highlightSelection(); });
    const est = e.fatality_estimates;
    const range = est.low !== null && est.high !== null && est.low !== est.high ? ` (${est.low}–${est.high})` : "";
    const figures = el("table", {class: "figures"},
      el("thead", {}, el("tr", {}, el("th", {}, "Source"), el("th", {class: "num"}, "Killed"),
                           el("th", {}, "Claimed by"), el("th", {}, "Words"))),
      el("tbody", {}, est.reported.length ? est.reported.map((r) => el("tr", {},
        el("td", {}, r.source), el("td", {class: "num"}, String(r.figure)), el("td", {}, fmt(r.claimant)),
        el("td", {}, fmt(r.quote)))) : el("tr", {}, el("td", {colspan: "4", class: "muted"}, "No source gives a figure."))));
    const sources = el("ul", {class: "source-list"}, e.articles.map((a) => el("li", {},
      el("a", {href: `/articles/${a.id}?event=${encodeURIComponent(e.event_id)}`, class: "article-link"},
         a.title || a.source),
      el("span", {class: "muted"}, ` — ${a.source}${a.published ? ", " + a.published : ""} `),
      externalLink(a.url, "original ↗"))));
    panel.append(
      close,
      el("h2", {}, typeDot(e.event_type), `${e.sub_event_type || e.event_type}`, el("span", {class: "muted"}, ` ${e.event_id}`)),
      el("p", {}, `${fmt(e.event_date, "undated")} · ${place(e)}`),
      el("dl", {class: "fields compact"},
        el("dt", {}, "Actors"), el("dd", {}, [e.actor1, e.actor2].filter(Boolean).join(" vs ") || "—"),
        el("dt", {}, "Fatalities"), el("dd", {}, fmt(e.fatalities, "not reported") + range),
        e.grade ? [el("dt", {}, "Grade"), el("dd", {}, e.grade.replace(/_/g, " "))] : null),
      el("h3", {}, "Figures by source"), figures,
      el("h3", {}, `Sources (${e.articles.length})`), sources,
      el("p", {}, el("a", {href: "/events/" + encodeURIComponent(e.event_id), class: "open-event"},
                     "Open the evidence page →")));
    panel.hidden = false;
  }

  // --- timeline --------------------------------------------------------------------------

  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children) node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  const DAY = 86400000;
  const dayNumber = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY;
  const isoDay = (n) => new Date(n * DAY).toISOString().slice(0, 10);

  /* Ticks on the first day of every 1, 2, 3, 6 or 12 months, whichever gives at most 8 (days when the span is short). */
  function monthTicks(first, last) {
    const start = new Date(first * DAY);
    const months = (new Date(last * DAY).getUTCFullYear() - start.getUTCFullYear()) * 12 +
      new Date(last * DAY).getUTCMonth() - start.getUTCMonth();
    if (months < 1) {
      const every = Math.max(1, Math.ceil((last - first + 1) / 7));
      const out = [];
      for (let d = first; d <= last; d += every) out.push([d, isoDay(d).slice(5)]);
      return out;
    }
    const step = [1, 2, 3, 6, 12, 24, 60].find((k) => months / k <= 8) || 120;
    const out = [];
    for (let k = 1; k <= months; k++) {
      const day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + k, 1) / DAY;
      const date = new Date(day * DAY);
      if ((date.getUTCFullYear() * 12 + date.getUTCMonth()) % step !== 0) continue;
      out.push([day, step >= 12 ? String(date.getUTCFullYear()) : isoDay(day).slice(0, 7)]);
    }
    return out;
  }

  function renderTimeline(stats) {
    const box = clear(document.getElementById("timeline"));
    document.getElementById("timeline-note").textContent =
      stats.undated.events ? `(${stats.undated.events} undated not shown)` : "";
    if (!stats.days.length) {
      box.appendChild(el("p", {class: "muted empty"}, "No dated event."));
      return;
    }
    const W = Math.max(320, box.clientWidth || 600);
    const H = 150;
    const pad = {l: 34, r: 40, t: 10, b: 22};
    const first = dayNumber(stats.days[0].date);
    const last = dayNumber(stats.days[stats.days.length - 1].date);
    const n = last - first + 1;
    const step = (W - pad.l - pad.r) / n;
    const barW = Math.max(1.5, step * 0.85);
    const maxEvents = Math.max(...stats.days.map((d) => d.events));
    const maxDead = Math.max(1, ...stats.days.map((d) => d.fatalities));
    const y = (v) => H - pad.b - (v / maxEvents) * (H - pad.t - pad.b);
    const yDead = (v) => H - pad.b - (v / maxDead) * (H - pad.t - pad.b);
    const x = (day) => pad.l + (day - first) * step + (step - barW) / 2;
    const chart = svg("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
                              "aria-label": "Events and fatalities per day"});
    chart.appendChild(svg("line", {x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, class: "axis"}));
    chart.appendChild(svg("text", {x: pad.l - 4, y: y(maxEvents) + 4, "text-anchor": "end", class: "tick"}, maxEvents));
    chart.appendChild(svg("text", {x: pad.l - 4, y: H - pad.b, "text-anchor": "end", class: "tick"}, 0));
    chart.appendChild(svg("text", {x: W - pad.r + 4, y: yDead(maxDead) + 4, class: "tick dead"}, `${maxDead} †`));
    for (const [day, label] of monthTicks(first, last)) {
      const tx = pad.l + (day - first + 0.5) * step;
      chart.appendChild(svg("line", {x1: tx, x2: tx, y1: H - pad.b, y2: H - pad.b + 4, class: "axis"}));
      chart.appendChild(svg("text", {x: tx, y: H - 6, "text-anchor": "middle", class: "tick"}, label));
    }
    const runs = [];  // the fatalities line joins consecutive days only: a gap is not a trend
    for (const d of stats.days) {
      const day = dayNumber(d.date);
      const group = svg("g", {class: "day", "data-date": d.date});
      const parts = Object.entries(d.by_type).map(([t, c]) => `${t}: ${c.events}`).join(", ");
      group.appendChild(svg("title", {}, `${d.date}: ${d.events} event(s), ${d.fatalities} reported killed (${parts})`));
      let base = 0;
      for (const type of stats.event_types) {
        const c = d.by_type[type];
        if (!c) continue;
        group.appendChild(svg("rect", {x: x(day), width: barW, y: y(base + c.events),
                                       height: Math.max(1, y(base) - y(base + c.events)), fill: typeColor(type)}));
        base += c.events;
      }
      group.addEventListener("click", () => {
        form.elements.since.value = d.date;
        form.elements.until.value = d.date;
        state.offset = 0;
        reload();
      });
      chart.appendChild(group);
      if (!d.fatalities) continue;
      const point = [x(day) + barW / 2, yDead(d.fatalities), day];
      const run = runs[runs.length - 1];
      if (run && day - run[run.length - 1][2] === 1) run.push(point); else runs.push([point]);
    }
    for (const run of runs) {
      if (run.length > 1) {
        chart.appendChild(svg("polyline", {points: run.map((p) => `${p[0]},${p[1]}`).join(" "), class: "dead-line"}));
      }
      for (const [px, py] of run) chart.appendChild(svg("circle", {cx: px, cy: py, r: 2.5, class: "dead-dot"}));
    }
    box.appendChild(chart);
  }

  // --- wiring ----------------------------------------------------------------------------

  function fill(select, values) {
    for (const v of values) select.appendChild(el("option", {value: v.value}, `${v.value} (${v.count})`));
  }

  function option(v) {
    // a type the database holds none of stays choosable (the filter then lists nothing), greyed
    return el("option", {value: v.value, class: v.count ? null : "empty"}, `${v.value} (${v.count})`);
  }

  /* All six ACLED event types, and their sub-types grouped under them, counts 0 included. */
  function fillTypes(types) {
    const kinds = form.elements.event_type;
    const subs = form.elements.sub_event_type;
    for (const t of types) {
      if (t.value) kinds.appendChild(option(t));
      if (!t.sub_event_types.length) continue;
      subs.appendChild(el("optgroup", {label: t.value || "other", "data-type": t.value},
                          t.sub_event_types.map(option)));
    }
  }

  /* With an event type chosen, the sub-type list offers that type's sub-types only. */
  function narrowSubTypes() {
    const kind = form.elements.event_type.value;
    const subs = form.elements.sub_event_type;
    for (const group of subs.querySelectorAll("optgroup")) {
      const shown = !kind || group.getAttribute("data-type") === kind;
      group.hidden = !shown;
      group.disabled = !shown;
    }
    const chosen = subs.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) subs.value = "";
  }

  /* The types the database holds, in ACLED's order. */
  const presentTypes = (facets) => facets.types.filter((t) => t.value && t.count).map((t) => t.value);

  function fillFilters(facets) {
    facetKey = JSON.stringify([facets.types, facets.admin1, facets.grade]);
    fillTypes(facets.types);
    fill(form.elements.admin1, facets.admin1);
    fill(form.elements.grade, facets.grade);
  }

  // --- live updates (live.js) ------------------------------------------------------------

  /* The filters' lists and counts again, each choice kept (a value no longer listed stays chosen). */
  function refillFilters(facets) {
    if (JSON.stringify([facets.types, facets.admin1, facets.grade]) === facetKey) return;
    const selects = ["event_type", "sub_event_type", "admin1", "grade"].map((name) => form.elements[name]);
    const chosen = selects.map((select) => select.value);
    for (const select of selects) {
      for (const node of [...select.children]) if (node.tagName === "OPTGROUP" || node.value) node.remove();
    }
    fillFilters(facets);
    selects.forEach((select, n) => {
      if (chosen[n] && ![...select.options].some((o) => o.value === chosen[n])) {
        select.appendChild(el("option", {value: chosen[n]}, chosen[n]));
      }
      select.value = chosen[n];
    });
    narrowSubTypes();
    if (legendBox) WW.append(clear(legendBox), legendItems(presentTypes(facets)));
  }

  /* The store changed: the same view fetched again (filters, page, selection and map view kept), the
   * filters' counts, and the open event's panel when that event is among those changed. */
  async function refreshLive(data) {
    const panel = document.getElementById("detail");
    const id = state.selected;
    const touched = id && !panel.hidden &&
      (data.more || [...(data.changed || []), ...(data.removed || [])].includes(id));
    await Promise.all([
      reload(),
      api("/api/facets").then(refillFilters, () => null),
      touched ? api("/api/events/" + encodeURIComponent(id)).then((e) => {
        if (state.selected === id) renderDetail(panel, e);
      }, () => null) : null,
    ]);
  }

  async function main() {
    let facets;
    let started = false;
    let missed = null;  // a change told before the first view was drawn: drawn again after it
    const live = WWLive.connect((data) => { if (started) return refreshLive(data); missed = data; });
    try {
      [state.config, facets] = await Promise.all([api("/api/config"), api("/api/facets"), live]);
    } catch (error) {
      showError("Could not reach the API: " + error.message);
      return;
    }
    fillFilters(facets);
    document.getElementById("grade-filter").hidden = !state.config.grade;
    readUrl();
    narrowSubTypes();
    await initMap(state.config, presentTypes(facets));
    let typing = null;
    form.addEventListener("input", (ev) => {
      if (ev.target.type !== "search" && ev.target.type !== "number") return;
      clearTimeout(typing);
      typing = setTimeout(() => { state.offset = 0; reload(); }, 300);
    });
    form.addEventListener("change", (ev) => {
      if (ev.target.type === "search" || ev.target.type === "number") return;
      if (ev.target.name === "event_type") narrowSubTypes();
      state.offset = 0;
      reload({map: ev.target.name !== "in_view"});
    });
    form.addEventListener("submit", (ev) => { ev.preventDefault(); state.offset = 0; reload(); });
    form.addEventListener("reset", () => setTimeout(() => {
      narrowSubTypes();
      state.offset = 0;
      state.sort = "-event_date";
      state.fitted = false;
      reload();
    }, 0));
    for (const th of document.querySelectorAll("#events th[data-sort]")) {
      th.addEventListener("click", () => {
        const key = th.getAttribute("data-sort");
        state.sort = state.sort === key ? "-" + key : key;
        state.offset = 0;
        reload({map: false});
      });
    }
    document.getElementById("prev").addEventListener("click", () => {
      state.offset = Math.max(0, state.offset - PAGE);
      reload({map: false});
    });
    document.getElementById("next").addEventListener("click", () => {
      state.offset += PAGE;
      reload({map: false});
    });
    await reload();
    if (state.selected) select(state.selected, {scroll: true});
    started = true;
    if (missed) refreshLive(missed);
    document.body.setAttribute("data-ready", "1");
  }

  main();
})();
