/* The window tablet: its primary action (one or two commands, each sent once the one
 * before was accepted) and the transfer picker's rule (a window nobody staffs takes
 * transfers from the director only). Loads after static/hall.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;

  function sentence(code) {
    var key = "error." + code;
    var text = hall.say(key, { waiting: "?" });
    return text === key ? hall.say("error.unknown", { code: code }) : text;
  }

  /* Finish then call: the call goes only after the finish was accepted (kept through an
   * outage by hall.command). A refusal of the first is shown by hall.command; of a later
   * step, here, saying that the first was done. */
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-steps]");
    if (!btn || btn.disabled) return;
    var steps = JSON.parse(btn.dataset.steps || "[]");
    var done = 0;
    btn.disabled = true;
    btn.classList.add("busy");
    steps.reduce(function (chain, step) {
      return chain.then(function () {
        return hall.command(step).then(function () { done += 1; });
      });
    }, Promise.resolve()).then(function () {
      hall.toast(hall.say("toast.done"), "ok");
    }, function (err) {
      if (done > 0) hall.toast(hall.say("tablet.call_refused", { reason: sentence(err.message) }), "error");
    }).then(function () {
      btn.disabled = false; // a fresh fragment usually replaces the button anyway
      btn.classList.remove("busy");
    });
  });

  function guardTargets() {
    var director = body.dataset.post === "director";
    document.querySelectorAll("#transfer-targets [data-director-only]").forEach(function (el) {
      el.disabled = !director;
    });
  }
  hall.onFrame(guardTargets);
  guardTargets();
})();
