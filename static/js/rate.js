/* Choosing a level of a rating (hao-cha-ping), and for the two lowest the reasons (several may be chosen):
 * shared by the rating pad (js/pad.js) and the resident's ticket page (js/ticket.js).
 * Loads after static/hall.js; offers `window.hallRate`. */
(function () {
  "use strict";

  var dialog = document.getElementById("reasons-dialog");
  var score = 0;
  var onChosen = null; // what to call with (score, reasons) once the reasons are given

  function close() {
    onChosen = null;
    if (dialog && dialog.open) dialog.close();
  }

  function picked() {
    return Array.prototype.map.call(
      dialog.querySelectorAll('[data-reason][aria-pressed="true"]'),
      function (b) { return b.dataset.reason; }
    );
  }

  function ask(level, send) {
    score = level;
    onChosen = send;
    dialog.querySelectorAll("[data-reason]").forEach(function (b) {
      b.setAttribute("aria-pressed", "false");
    });
    dialog.showModal();
  }

  if (dialog) {
    dialog.addEventListener("click", function (e) {
      var reason = e.target.closest("[data-reason]");
      if (reason) {
        var on = reason.getAttribute("aria-pressed") === "true";
        reason.setAttribute("aria-pressed", on ? "false" : "true");
        return;
      }
      if (e.target.closest("[data-reasons-back]")) {
        close();
        return;
      }
      if (e.target.closest("[data-reasons-send]")) {
        var send = onChosen;
        var reasons = picked();
        close();
        if (send) send(score, reasons);
      }
    });
    dialog.addEventListener("cancel", function () { onChosen = null; });
  }

  /* Call `send(score, reasons)` when a level is tapped inside `selector` (a low one
   * first asks why). */
  function listen(selector, send) {
    document.addEventListener("click", function (e) {
      var btn = e.target.closest(selector + " [data-score]");
      if (!btn || btn.disabled) return;
      var level = Number(btn.dataset.score);
      if (btn.dataset.low === "true" && dialog && dialog.showModal) ask(level, send);
      else send(level, []);
    });
  }

  window.hallRate = {
    listen: listen,
    close: close,
    asking: function () { return !!(dialog && dialog.open); }
  };
})();
