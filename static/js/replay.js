/* The day replay page: the slider moves the bands' line at once and, a moment after it
 * stops, swaps the wall in the frame for the wall at that minute (the wall's own fragments,
 * from the server), as a live wall swaps its parts. Without this script the slider's form
 * asks for the page at the chosen minute. Words come from the page (window.hall.say). */
(function () {
  "use strict";

  var form = document.querySelector(".replay-slider");
  var dayForm = document.querySelector(".replay-day");
  if (dayForm) {
    dayForm.querySelector("input[type=date]").addEventListener("change", function () {
      if (this.value) dayForm.submit();
    });
  }
  if (!form || !window.hall) return;
  document.documentElement.classList.add("js");

  var range = document.getElementById("replay-minute");
  var out = document.getElementById("replay-time");
  var frame = document.getElementById("replay-frame");
  var bands = document.getElementById("replay-bands");
  var marker = bands ? bands.querySelector(".marker") : null;
  var last = Number(form.dataset.last);
  var pending = null;
  var asked = 0;

  function hhmm(minute) {
    var h = Math.floor(minute / 60);
    var m = minute % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function moveMarker(minute) {
    if (!marker) return;
    var d = bands.dataset;
    var start = Number(d.start), end = Number(d.end), x0 = Number(d.x0), x1 = Number(d.x1);
    var x = x0 + (Math.min(Math.max(minute, start), end) - start) / Math.max(1, end - start) * (x1 - x0);
    marker.setAttribute("x1", x.toFixed(1));
    marker.setAttribute("x2", x.toFixed(1));
  }

  function withMinute(url, minute) {
    var u = new URL(url, location.href);
    u.searchParams.set("minute", String(minute));
    return u.pathname + u.search;
  }

  function swap(html, minute) {
    var doc = frame.contentDocument;
    if (!doc || !doc.getElementById("clock")) { // the frame not loaded yet: load it whole
      frame.src = withMinute(form.dataset.frame, minute);
      return;
    }
    var holder = doc.createElement("template");
    holder.innerHTML = html;
    Array.prototype.slice.call(holder.content.children).forEach(function (part) {
      var old = part.id ? doc.getElementById(part.id) : null;
      if (old) old.replaceWith(part);
    });
    doc.getElementById("clock").textContent = hhmm(minute);
  }

  function show(minute) {
    var mine = ++asked;
    fetch(withMinute(form.dataset.parts, minute), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (mine !== asked) return; // a later minute was asked for meanwhile
        swap(html, minute);
        frame.title = hall.say("replay.frame_title", { time: hhmm(minute) });
        frame.dataset.minute = String(minute);
        var url = withMinute(location.pathname + location.search, minute);
        history.replaceState(null, "", url);
      })
      .catch(function () {
        if (mine === asked) hall.toast(hall.say("replay.failed"), "error");
      });
  }

  range.addEventListener("input", function () {
    var minute = Number(range.value);
    if (minute > last) { // today: not past now
      minute = last;
      range.value = String(last);
    }
    out.textContent = hhmm(minute);
    range.setAttribute("aria-valuetext", hhmm(minute));
    moveMarker(minute);
    clearTimeout(pending);
    pending = setTimeout(function () { show(minute); }, 120);
  });
})();
