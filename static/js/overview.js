/* The district's overview: keeps the halls' rows in the server's order of attention as they
 * change. Each row arrives on its own (swapped out of band in place) and carries its place
 * as data-order, a string that sorts as the server sorts (hall/kiosk/overview.py); after
 * every frame the rows are put back in that order, moving only those out of place, and the
 * longest-wait minutes of the fresh rows are brought up to now. Loads after static/hall.js. */
(function () {
  "use strict";

  var hall = window.hall;
  if (hall.view !== "overview") return;
  var token = hall.body.dataset.token; // the admin's page, opened with ?token=

  function minutes() {
    document.querySelectorAll("#ov-rows [data-since-ms]").forEach(function (el) {
      var since = Number(el.dataset.sinceMs);
      if (since) el.textContent = String(Math.max(0, Math.floor((hall.now() - since) / 60000)));
    });
  }

  function links() {
    if (!token) return;
    document.querySelectorAll("#ov-rows a.ov-link:not([data-token-added])").forEach(function (a) {
      a.href = a.getAttribute("href") + "?token=" + encodeURIComponent(token);
      a.dataset.tokenAdded = "1";
    });
  }

  function sort() {
    var body = document.getElementById("ov-rows");
    if (!body) return;
    var rows = Array.prototype.slice.call(body.children);
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.dataset.order || "";
      var y = b.dataset.order || "";
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (var i = 0; i < sorted.length; i++) {
      if (body.children[i] !== sorted[i]) body.insertBefore(sorted[i], body.children[i]);
    }
    body.dataset.sorted = String(Date.now());
  }

  function settle() {
    sort();
    links();
    minutes();
  }

  hall.onFrame(settle);
  settle();
})();
