/* Cover needs on staff pages: the viewer's own, with a live countdown, a sound and a vibration. Loads after static/hall.js and static/js/sound.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var view = hall.view;
  var say = hall.say;
  var now = hall.now;
  var sound = hall.sound;


  var needsSeen = {};
  var needsAlarm = null;
  function showNeeds() {
    var viewer = body.dataset.viewer || "";
    var mine = 0;
    var fresh = false;
    document.querySelectorAll("#cover-needs .need").forEach(function (el) {
      var forMe = !!viewer && el.dataset.staff === viewer;
      el.hidden = !forMe;
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
  if (document.getElementById("cover-needs")) {
    body.addEventListener("htmx:wsAfterMessage", showNeeds);
    setInterval(countdown, 1000);
    showNeeds();
  }
})();
