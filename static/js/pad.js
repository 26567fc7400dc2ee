/* The rating pad at a window's counter: after a finish there it offers the five levels
 * (js/rate.js) until the ticket is rated or its time to be rated is over, thanks the
 * resident, and is back at rest. Loads after static/hall.js and js/rate.js. */
(function () {
  "use strict";

  var hall = window.hall;
  if (hall.view !== "rating") return;

  var THANKS_MS = 5000;
  var thanks = document.getElementById("pad-thanks");
  var thanksTimer = null;
  var sent = {}; // ticket -> true: rated from this pad (the hub's fragment follows)

  function offer() {
    return document.getElementById("pad-offer");
  }

  /* Show the levels while the ticket may be rated from here; the hub sends no event when
   * its time runs out, so the pad turns back to rest by itself. */
  function refresh() {
    var el = offer();
    if (!el) return;
    var until = Number(el.dataset.untilMs || 0);
    var open = el.dataset.open === "true" && !sent[el.dataset.ticket] &&
      (!until || hall.now() < until);
    var choose = el.querySelector(".po-choose");
    var hint = el.querySelector(".po-hint");
    if (choose) choose.hidden = !open;
    if (hint) hint.hidden = open;
    if (!open && window.hallRate.asking()) window.hallRate.close();
  }

  window.hallRate.listen("#pad-offer", function (score, reasons) {
    var el = offer();
    var ticket = el ? el.dataset.ticket : "";
    if (!ticket || sent[ticket]) return;
    sent[ticket] = true;
    refresh();
    thanks.hidden = false;
    clearTimeout(thanksTimer);
    thanksTimer = setTimeout(function () { thanks.hidden = true; }, THANKS_MS);
    var fields = {
      type: "rating.give",
      window: Number(hall.body.dataset.window),
      score: score,
      ticket: ticket
    };
    if (reasons.length) fields.reasons = reasons;
    // Kept through an outage and sent once (static/hall.js); a refusal is shown as a toast.
    hall.command(fields).catch(function () {
      thanks.hidden = true;
      delete sent[ticket];
      refresh();
    });
  });

  hall.onFrame(refresh);
  setInterval(refresh, 500);
  refresh();
})();
