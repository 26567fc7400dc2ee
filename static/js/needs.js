/* Cover needs on staff pages (the window tablet, the duty page /me): the viewer's own,
 * with a live countdown, a sound and a vibration. On a window's tablet the need of that
 * window itself is its primary action (with its own countdown), so the banner lists only
 * the others, but it still sounds. Loads after static/hall.js and static/js/sound.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var now = hall.now;
  var sound = hall.sound;

  var needsSeen = {};
  var needsAlarm = null;
  function showNeeds() {
    var viewer = body.dataset.viewer || "";
    var here = body.dataset.window || "";
    var mine = 0;
    var fresh = false;
    document.querySelectorAll("#cover-needs .need").forEach(function (el) {
      var forMe = !!viewer && el.dataset.staff === viewer;
      el.hidden = !forMe || el.dataset.window === here;
      if (!forMe) return;
      mine += 1;
      var key = el.dataset.window + "|" + (el.querySelector("[data-until-ms]") || {}).dataset.untilMs;
      if (!needsSeen[key]) fresh = true;
      needsSeen[key] = true;
    });
    body.classList.toggle("needs-me", mine > 0);
    if (fresh) {
      sound.playClip("alert");
      if (navigator.vibrate) navigator.vibrate([300, 120, 300, 120, 300]);
    }
    if (mine && !needsAlarm) {
      needsAlarm = setInterval(function () { sound.playClip("alert"); }, 30000);
    } else if (!mine && needsAlarm) {
      clearInterval(needsAlarm);
      needsAlarm = null;
    }
    countdown();
  }
  function countdown() {
    document.querySelectorAll("[data-until-ms]").forEach(function (el) {
      var left = Math.round((Number(el.dataset.untilMs) - now()) / 1000);
      var abs = Math.abs(left);
      var mm = Math.floor(abs / 60);
      var ss = abs % 60;
      el.textContent = (left < 0 ? "+" : "") + mm + ":" + (ss < 10 ? "0" : "") + ss;
      el.classList.toggle("overdue", left < 0);
    });
  }

  /* The browser plays no sound (and vibrates not) before the first tap on the page, unless
   * it was started to allow it: offer the tap while that is so. */
  function offerSound() {
    var enable = document.getElementById("alerts-enable");
    if (!enable) return;
    var probe = new Audio(body.dataset.static + "/audio/alert.ogg");
    probe.volume = 0; // not `muted`: muted playback is always allowed and would prove nothing
    var played = probe.play();
    var allowed = function () { enable.hidden = true; };
    if (played && played.then) {
      played.then(function () { probe.pause(); allowed(); }, function () { enable.hidden = false; });
    }
    document.addEventListener("click", allowed, { once: true }); // after the button's own
    enable.addEventListener("click", function () {
      sound.playClip("alert");
      if (navigator.vibrate) navigator.vibrate(200);
    });
  }

  if (document.getElementById("cover-needs")) {
    hall.onFrame(showNeeds);
    setInterval(countdown, 1000);
    showNeeds();
    offerSound();
  }
})();
