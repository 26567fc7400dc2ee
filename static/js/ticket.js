/* The resident's ticket page: a vibration when the ticket is called, and its rating once it
 * is finished (with the key of the ticket's QR link, `?k=`). Loads after static/hall.js
 * and js/rate.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var view = hall.view;
  var say = hall.say;
  var now = hall.now;


  if (view === "ticket") {
    var lastState = (document.getElementById("ticket-status") || {}).dataset;
    lastState = lastState ? lastState.state : "";
    body.addEventListener("htmx:wsAfterMessage", function () {
      var el = document.getElementById("ticket-status");
      var state = el ? el.dataset.state : "";
      if (state === "called" && lastState !== "called" && navigator.vibrate) {
        navigator.vibrate([400, 150, 400]);
      }
      lastState = state;
    });

    /* ------------------------------------------------------------------ rating */

    var key = new URLSearchParams(window.location.search).get("k");
    if (key) {
      body.dataset.canRate = "true"; // no key, no rating: the section stays hidden
      var langLink = document.querySelector(".lang-link");
      if (langLink) langLink.href += "&k=" + encodeURIComponent(key); // the key stays
    }
    var rated = false;

    var showRating = function (state) {
      var el = document.getElementById("ticket-rating");
      if (!el || el.dataset.state === "none") return;
      el.dataset.state = state;
      [["open", ".tr-offer"], ["rated", ".tr-rated"], ["late", ".tr-late"]].forEach(function (p) {
        var part = el.querySelector(p[1]);
        if (part) part.hidden = p[0] !== state;
      });
    };
    var refreshRating = function () {
      var el = document.getElementById("ticket-rating");
      if (!el) return;
      if (rated && el.dataset.state === "open") showRating("rated");
      var until = Number(el.dataset.untilMs || 0);
      if (el.dataset.state === "open" && until && now() >= until) showRating("late");
      if (el.dataset.state !== "open" && window.hallRate.asking()) window.hallRate.close();
    };

    var ids = {}; // one id per choice: a retried tap is the same rating
    window.hallRate.listen("#ticket-rating", function (score, reasons) {
      var el = document.getElementById("ticket-rating");
      if (!el || !key || el.dataset.state !== "open") return;
      var choice = score + ":" + reasons.join(",");
      ids[choice] = ids[choice] || String(Date.now()) + "-" + Math.random().toString(16).slice(2);
      var payload = { key: key, window: Number(el.dataset.window), score: score, id: ids[choice] };
      if (reasons.length) payload.reasons = reasons;
      fetch(el.dataset.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(payload)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      }, function () {
        return { status: 0, data: { error: "network" } };
      }).then(function (answer) {
        if (answer.status === 200) {
          rated = true;
          showRating("rated");
          hall.toast(say("rating.thanks"), "ok");
          return;
        }
        var code = (answer.data && answer.data.error) || "unknown";
        if (code === "already_rated") showRating("rated");
        var text = code === "forbidden" ? say("rating.forbidden")
          : say("error." + code, { code: code });
        hall.toast(text === "error." + code ? say("error.unknown", { code: code }) : text, "error");
      });
    });
    hall.onFrame(refreshRating);
    setInterval(refreshRating, 1000);
    refreshRating();
  }
})();
