/* Sound: clips, the spoken call (a Mandarin voice when the browser has one), muting, and
 * whether the browser blocks sound without a gesture. Loads after static/hall.js; offers
 * `hall.sound`. */
(function () {
  "use strict";

  var body = window.hall.body;

  var audioCache = {};
  var soundUnlocked = false;
  var generation = 0; // bumped by stop(): a chain of clips started before it goes no further
  var ending = []; // how to end each clip playing now
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
        ending.splice(ending.indexOf(end), 1);
        a.removeEventListener("ended", end);
        a.removeEventListener("error", end);
        resolve();
      };
      ending.push(end);
      a.addEventListener("ended", end);
      a.addEventListener("error", end);
      a.currentTime = 0;
      var p = a.play();
      if (p && p.catch) p.catch(end);
      setTimeout(end, 6000); // never wait forever on a broken clip
    });
  }
  function playClips(names) {
    var mine = generation;
    return names.reduce(function (chain, name) {
      return chain.then(function () { return mine === generation ? playClip(name) : null; });
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
    var mine = generation;
    return playClip(clips[0]).then(function () {
      if (mine !== generation) return null;
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
  /* Whether the browser lets this page play sound without a gesture (a wall started with
   * `--autoplay-policy=no-user-gesture-required`): resolves to true or false. Probed at
   * volume 0, not muted: muted playback is always allowed, so it would prove nothing. */
  function probe() {
    var a = clip("chime");
    a.volume = 0;
    var restore = function () {
      a.pause();
      a.currentTime = 0;
      a.volume = 1;
    };
    var p = a.play();
    if (!p || !p.then) {
      restore();
      return Promise.resolve(soundUnlocked);
    }
    return p.then(function () {
      restore();
      soundUnlocked = true;
      return true;
    }, function (err) {
      restore();
      // Only NotAllowedError is the autoplay policy; a clip that failed to load is not.
      if (!err || err.name !== "NotAllowedError") soundUnlocked = true;
      return soundUnlocked;
    });
  }
  /* After a tap or a key: the page may play sound from now on. */
  function unlock() {
    soundUnlocked = true;
    clip("chime").load();
  }
  function setMuted(on) {
    try {
      localStorage.setItem("hall.muted", on ? "1" : "0");
    } catch (e) { /* private mode: the switch lasts this page */ }
  }
  /* Cut what is playing or speaking now (a call that is over is not said to the end). */
  function stop() {
    generation += 1;
    Object.keys(audioCache).forEach(function (name) { audioCache[name].pause(); });
    ending.slice().forEach(function (end) { end(); });
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
  }

  window.hall.sound = {
    playClip: playClip,
    speak: speak,
    muted: muted,
    unlocked: function () { return soundUnlocked; },
    setMuted: setMuted,
    probe: probe,
    unlock: unlock,
    stop: stop
  };
})();
