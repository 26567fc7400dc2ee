/* The records pages: the sheet's print button, and on a clerk's month the appeal and
 * the director's decision (uphold or void) sent as commands (window.hall.command). After the hub
 * takes one, the page is asked for again with `seen=<the event's id>`: the hub answers once
 * its records database holds that event, so the page shows the new status. A refusal is
 * said beside the buttons (and in the toast), in the page's words. Without this script the
 * forms stay hidden: the page is then a plain record. */
(function () {
  "use strict";

  if (!window.hall) return;
  var hall = window.hall;
  document.documentElement.classList.add("js");

  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () { window.print(); });
  });

  function reloadAfter(answer) {
    var events = (answer && answer.events) || [];
    var url = new URL(window.location.href);
    if (events.length) url.searchParams.set("seen", events[events.length - 1].id);
    window.location.assign(url.toString());
  }

  document.querySelectorAll("form[data-command]").forEach(function (form) {
    var said = form.querySelector(".action-said");
    var reason = form.querySelector("textarea[name=reason]");
    var buttons = form.querySelectorAll("button[type=submit]");
    form.hidden = false;

    function busy(on) {
      buttons.forEach(function (b) {
        b.disabled = on;
        b.classList.toggle("busy", on);
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var fields = JSON.parse(form.dataset.args || "{}");
      fields.type = form.dataset.command;
      var by = e.submitter;
      if (by && by.dataset.upheld !== undefined) fields.upheld = by.dataset.upheld === "true";
      fields.reason = reason.value.trim();
      if (!fields.reason) {
        said.textContent = hall.say("records.reason_needed");
        reason.focus();
        return;
      }
      said.textContent = hall.say("records.sending");
      busy(true);
      hall.command(fields).then(reloadAfter, function (err) {
        var code = err && err.message;
        said.textContent = hall.say("error." + code) !== "error." + code ?
          hall.say("error." + code) : hall.say("error.unknown", { code: code });
        busy(false);
      });
    });
  });
})();
