/* Sound: clips, the spoken call (a Mandarin voice when the browser has one), the mute
 * switch, and the browser's autoplay block. Loads after static/hall.js; offers
 * `hall.sound`. */
(function () {
  "use strict";

  var body = window.hall.body;

  var audioCache = {};
  var soundUnlocked = false;
  function clip(name) {
    if (!audioCache[name]) {
      audioCache[name] = new Audio(body.dataset.static + "/audio/" + name + ".ogg");
      audioCache[name].preload = "auto";
    }
    return audioCache[name];
  }
  function playClip(name) {
    return new Promise(function (resolve) {
      var a = clip(name);
      var finished = false;
      var end = function () {
        if (finished) return;
        finished = true;
        a.removeEventListener("ended", end);
        a.removeEventListener("error", end);
        resolve();
      };
      a.addEventListener("ended", end);
      a.addEventListener("error", end);
      a.currentTime = 0;
      var p = a.play();
      if (p && p.catch) p.catch(end);
      setTimeout(end, 6000); // never wait forever on a broken clip
    });
  }
  function playClips(names) {
    return names.reduce(function (chain, name) {
      return chain.then(function () { return playClip(name); });
    }, Promise.resolve());
  }
  function mandarinVoice() {
    if (!("speechSynthesis" in window)) return null;
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^(zh|cmn)/i.test(voices[i].lang)) return voices[i];
    }
    return null;
  }
  function speak(text, clips) {
    var voice = mandarinVoice();
    if (!voice) return playClips(clips);
    return playClip(clips[0]).then(function () {
      return new Promise(function (resolve) {
        var u = new SpeechSynthesisUtterance(text);
        u.voice = voice;
        u.lang = voice.lang;
        u.rate = 0.85;
        u.onend = resolve;
        u.onerror = resolve;
        window.speechSynthesis.speak(u);
        setTimeout(resolve, 10000);
      });
    });
  }
  function muted() {
    try {
      return localStorage.getItem("hall.muted") === "1";
    } catch (e) {
      return false;
    }
  }
  function setupSoundControls() {
    var toggle = document.getElementById("sound-toggle");
    var enable = document.getElementById("sound-enable");
    var paint = function () {
      if (!toggle) return;
      toggle.textContent = muted() ? toggle.dataset.off : toggle.dataset.on;
      toggle.setAttribute("aria-pressed", muted() ? "false" : "true");
    };
    var unlock = function () {
      soundUnlocked = true;
      if (enable) enable.hidden = true;
      clip("chime").load();
    };
    if (toggle) {
      toggle.addEventListener("click", function () {
        try {
          localStorage.setItem("hall.muted", muted() ? "0" : "1");
        } catch (e) { /* private mode: the switch lasts this page */ }
        paint();
      });
    }
    paint();
    // Browsers block sound until a gesture. Probe at volume 0 (muted playback is always
    // allowed, so it would prove nothing) and ask once if blocked.
    var probe = clip("chime");
    probe.volume = 0;
    var p = probe.play();
    var restore = function () {
      probe.pause();
      probe.currentTime = 0;
      probe.volume = 1;
    };
    if (p && p.then) {
      p.then(function () { restore(); unlock(); }, function () {
        restore();
        if (enable && !soundUnlocked) enable.hidden = false;
      });
    } else {
      restore();
    }
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
  }

  window.hall.sound = {
    playClip: playClip,
    speak: speak,
    muted: muted,
    unlocked: function () { return soundUnlocked; },
    setupControls: setupSoundControls
  };
})();
