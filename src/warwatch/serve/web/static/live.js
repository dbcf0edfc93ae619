/* warwatch: live updates. Listens to the server's event stream (/api/stream: server-sent events) and
 * calls the page back when the store changed, with a small indicator in #live.
 * EventSource reconnects by itself after a dropped connection and sends the last version it saw, so a
 * change made meanwhile is still told; a stream the server refuses (503: its cap) is tried again later.
 * Nothing here is an error the user must see: without the stream the page is simply not live. */
"use strict";

const WWLive = (() => {
  const REFUSED_RETRY = 30000;  // ms before a stream the server refused (EventSource gives up) is tried again
  const READY_WAIT = 3000;  // ms the page waits for the stream's first word before it loads anyway

  function clock() {
    return new Date().toTimeString().slice(0, 8);
  }

  /* Two changes as one: the union of their event ids. */
  function merge(a, b) {
    if (!a) return b;
    const union = (x, y) => [...new Set([...(x || []), ...(y || [])])];
    return {...b, changed: union(a.changed, b.changed), removed: union(a.removed, b.removed), more: a.more || b.more};
  }

  /* Opens the stream; resolves once the server has said which version it holds (or after READY_WAIT,
   * or on failure), so that what the page loads next is at least that new. onChanged(data) runs for
   * each change, never two at a time: changes told meanwhile are merged and handled once, after it. */
  function connect(onChanged) {
    const badge = document.getElementById("live");
    let busy = false;
    let queued = null;
    let updates = 0;

    function show(state, text, title) {
      document.body.setAttribute("data-live", state);
      if (!badge) return;
      badge.hidden = false;
      badge.className = "live " + state;
      badge.textContent = text;
      badge.title = title;
    }

    async function handle(data) {
      if (busy) {
        queued = merge(queued, data);
        return;
      }
      busy = true;
      try {
        await onChanged(data);
      } catch (error) {
        // the page reports its own loading errors; the next change tries again
      } finally {
        busy = false;
      }
      document.body.setAttribute("data-live-updates", String(++updates));
      show("open", "● updated " + clock(), "live: the view follows the database (last change at " + clock() + ")");
      if (queued) {
        const next = queued;
        queued = null;
        handle(next);
      }
    }

    return new Promise((resolve) => {
      if (typeof EventSource === "undefined") {
        resolve();
        return;
      }
      function open() {
        const source = new EventSource("/api/stream");
        source.addEventListener("ready", () => {
          if (!updates) show("open", "● live", "live: the view follows the database");
          resolve();
        });
        source.addEventListener("changed", (ev) => {
          resolve();
          let data;
          try {
            data = JSON.parse(ev.data);
          } catch (error) {
            return;
          }
          handle(data);
        });
        source.addEventListener("error", () => {
          resolve();
          show("off", "○ live", "live updates interrupted: retrying");
          if (source.readyState === EventSource.CLOSED) setTimeout(open, REFUSED_RETRY);
        });
      }
      open();
      setTimeout(resolve, READY_WAIT);
    });
  }

  return {connect};
})();
