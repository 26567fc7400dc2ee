/* The lobby wall: announce each current call once, in a band over the calls strip, and say
 * honestly whether the wall can play sound. Loads after static/hall.js and
 * static/js/sound.js.
 *
 * Which calls are current comes from the server: the rows of #recent-calls with
 * data-fate="current" (a call whose ticket is still called at that window, not replaced by
 * a recall or a newer call); those recent enough to announce carry what to say (data-say,
 * data-clips). A waiting announcement whose call is no longer current is dropped; the one
 * on show is cut short. At most MAX_WAITING wait; one that waited past `stale` is skipped
 * (the board and the list still show it), so the band keeps up with a busy hall (or a
 * demo at 60x). */
(function () {
  "use strict";

  var hall = window.hall;
  if (hall.view !== "wall") return;
  var say = hall.say;
  var sound = hall.sound;

  // Times in ms; a page may set window.HALL_WALL_TIMING before this script runs (tests).
  var T = Object.assign({
    alone: 6000, // on show at least this long when nothing waits
    shortest: 1500, // ... and this long when another call waits
    stale: 10000, // waited longer than this: not announced any more
    gap: 300 // between two announcements
  }, window.HALL_WALL_TIMING || {});
  var MAX_WAITING = 3;

  var band = document.getElementById("announce");
  var nextBox = band.querySelector(".announce-next");
  var queueList = band.querySelector(".announce-queue");
  var seen = {}; // ids of current calls already queued or passed over
  var queue = []; // calls waiting to be announced, oldest first
  var playing = null; // {call, started, spoken, timer}

  /* The current calls, newest first: {id, ticket, label, text, clips}; `text` is
   * undefined for one too old to announce. */
  function currentCalls() {
    var found = [];
    document.querySelectorAll('#recent-calls [data-fate="current"]').forEach(function (li) {
      var d = li.dataset;
      found.push({
        id: d.callId, ticket: li.children[0].textContent, label: li.children[1].textContent,
        text: d.say, clips: (d.clips || "").split(" ").filter(Boolean)
      });
    });
    return found;
  }

  function paint() {
    band.hidden = !playing;
    band.dataset.callId = playing ? playing.call.id : "";
    band.dataset.queue = queue.map(function (c) { return c.id; }).join(" ");
    if (playing) {
      band.querySelector(".announce-ticket").textContent = playing.call.ticket;
      band.querySelector(".announce-window").textContent = playing.call.label;
    }
    nextBox.hidden = !queue.length;
    queueList.textContent = "";
    queue.forEach(function (c) {
      var li = document.createElement("li");
      li.dataset.callId = c.id;
      li.textContent = c.ticket + " \u2192 " + c.label;
      queueList.appendChild(li);
    });
  }

  function next() {
    if (playing) return;
    var t = performance.now();
    while (queue.length && t - queue[0].seenAt > T.stale) queue.shift();
    if (!queue.length) {
      paint();
      return;
    }
    var p = playing = { call: queue.shift(), started: t, spoken: false, timer: null };
    paint();
    var spoken = sound.unlocked() && !sound.muted()
      ? sound.speak(p.call.text, p.call.clips) : Promise.resolve();
    spoken.then(function () {
      if (playing !== p) return;
      p.spoken = true;
      settle();
    });
  }

  /* End the announcement on show once it was said and shown long enough. */
  function settle() {
    var p = playing;
    if (!p || !p.spoken) return;
    var hold = (queue.length ? T.shortest : T.alone) - (performance.now() - p.started);
    clearTimeout(p.timer);
    if (hold <= 0) {
      end(false);
    } else {
      p.timer = setTimeout(settle, hold);
    }
  }

  function end(cut) {
    if (!playing) return;
    clearTimeout(playing.timer);
    playing = null;
    if (cut) sound.stop();
    paint();
    setTimeout(next, cut ? 0 : T.gap);
  }

  function update() {
    var current = {};
    var fresh = [];
    currentCalls().forEach(function (call) {
      current[call.id] = true;
      if (seen[call.id] || call.text === undefined) return;
      call.seenAt = performance.now();
      fresh.unshift(call); // oldest first
    });
    seen = current; // bounded: only the calls that are still current
    queue = queue.filter(function (c) { return current[c.id]; });
    queue = queue.concat(fresh);
    while (queue.length > MAX_WAITING) queue.shift();
    if (playing && !current[playing.call.id]) {
      end(true); // finished, no-show, transferred, recalled (a new id) or superseded
      return;
    }
    paint();
    if (playing) {
      settle(); // another call waits: the one on show need not stay as long
    } else {
      next();
    }
  }

  /* The list of recent calls changes item by item (a new call comes on top): keep its
   * first data-keep items, as the server does (the sheet hides the rest until then). */
  function trim() {
    var list = document.getElementById("recent-calls");
    var keep = Number(list.dataset.keep) || 0;
    while (keep && list.children.length > keep) list.removeChild(list.lastElementChild);
  }

  // The calls already made when the page opens are not announced.
  currentCalls().forEach(function (call) { seen[call.id] = true; });
  hall.onFrame(function () {
    trim();
    update();
  });

  /* One honest sound indicator: on, off (muted here), or blocked by the browser's
   * autoplay policy (then it says how to start the wall's browser). Nobody clicks a wall;
   * if someone does, the click unlocks sound, or else mutes and unmutes it. */
  var indicator = document.getElementById("sound");
  function paintSound() {
    var state = sound.muted() ? "off" : sound.unlocked() ? "on" : "blocked";
    indicator.dataset.state = state;
    indicator.textContent = say("wall.sound." + state);
    indicator.hidden = false; // shown once known: never a state it is not in
    indicator.setAttribute("aria-pressed", state === "on" ? "true" : "false");
  }
  indicator.addEventListener("click", function () {
    if (!sound.unlocked()) {
      sound.unlock();
    } else {
      sound.setMuted(!sound.muted());
    }
    paintSound();
  });
  var gesture = function (e) {
    if (e.target === indicator) return; // its click decides
    sound.unlock();
    paintSound();
  };
  document.addEventListener("pointerdown", gesture);
  document.addEventListener("keydown", gesture);
  sound.probe().then(paintSound);
})();
