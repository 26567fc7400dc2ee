/* The lobby wall: announce each call once. Loads after static/hall.js and static/js/sound.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var view = hall.view;
  var say = hall.say;
  var now = hall.now;
  var sound = hall.sound;


  if (view === "wall") {
    var ANNOUNCE_MS = 7000;
    var FRESH_MS = 120000; // calls older than this (seen after a reconnect) are not re-announced
    var seen = {};
    var queue = [];
    var playing = false;
    var box = document.getElementById("announce");
    document.querySelectorAll("#recent-calls [data-call-id]").forEach(function (li) {
      seen[li.dataset.callId] = true;
    });
    var fill = function (cls, text) {
      var el = box.querySelector(cls);
      if (el) el.textContent = text;
    };
    var next = function () {
      if (playing || !queue.length) return;
      var call = queue.shift();
      playing = true;
      fill(".announce-ticket", call.ticket);
      fill(".announce-window", call.windowLabel);
      fill(".announce-main", call.text);
      fill(".announce-sub", call.sub);
      box.hidden = false;
      var spoken = sound.muted() || !sound.unlocked() ? Promise.resolve()
        : sound.speak(call.speech, (call.clips || "").split(" ").filter(Boolean));
      var shown = new Promise(function (resolve) { setTimeout(resolve, ANNOUNCE_MS); });
      Promise.all([spoken, shown]).then(function () {
        box.hidden = true;
        playing = false;
        setTimeout(next, 400);
      });
    };
    var collect = function () {
      var fresh = [];
      document.querySelectorAll("#recent-calls [data-call-id]").forEach(function (li) {
        var d = li.dataset;
        if (seen[d.callId]) return;
        seen[d.callId] = true;
        if (now() - Number(d.atMs) > FRESH_MS) return;
        fresh.push({
          at: Number(d.atMs), ticket: d.ticket, windowLabel: d.windowLabel, text: d.text,
          sub: d.sub, speech: d.speech, clips: d.clips
        });
      });
      fresh.sort(function (a, b) { return a.at - b.at; });
      queue = queue.concat(fresh);
      next();
    };
    body.addEventListener("htmx:wsAfterMessage", collect);
    sound.setupControls();
  }
})();
