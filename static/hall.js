/* hall: the page script every screen loads first. No dependencies beyond the vendored htmx
 * and its ws extension; every word it shows comes from the page (the server's catalog), in
 * <script id="hall-strings" type="application/json"> or in data- attributes.
 *
 * It holds what all screens share (words, the server's clock, toasts, commands kept through
 * an outage, the live socket's reconnects, the clock) and offers it to the screen's own
 * script (static/js/<screen>.js) as `window.hall`. */
(function () {
  "use strict";

  var body = document.body;
  var view = body.dataset.view || "";
  var strings = readJSON("hall-strings");
  // The hub's clock, as the page got it: its time at render (data-now-ms), taken as the
  // moment the answer reached this device (not when this script runs: at 60x a second of
  // parsing would put the clock a minute behind), and its rate (data-clock-rate: simulated
  // seconds per real second, 60 under `hall demo --speed 60`, else 1).
  var nav = window.performance && performance.getEntriesByType ?
    performance.getEntriesByType("navigation")[0] : null;
  var loadedAt = nav && nav.responseStart > 0 ?
    performance.timeOrigin + nav.responseStart : Date.now();
  var serverAtLoad = Number(body.dataset.nowMs) || loadedAt;
  var clockRate = Number(body.dataset.clockRate) > 0 ? Number(body.dataset.clockRate) : 1;

  function readJSON(id) {
    var el = document.getElementById(id);
    try {
      return el ? JSON.parse(el.textContent || "{}") : {};
    } catch (e) {
      return {};
    }
  }

  function say(key, params) {
    var text = strings[key];
    if (text === undefined) return key;
    Object.keys(params || {}).forEach(function (k) {
      text = text.split("{" + k + "}").join(String(params[k]));
    });
    return text;
  }

  function now() {
    return serverAtLoad + (Date.now() - loadedAt) * clockRate;
  }

  /* ---------------------------------------------------------------- toast */

  var toastTimer = null;
  function toast(message, kind) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.className = "toast toast-" + (kind || "info");
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, kind === "error" ? 6000 : 1800);
  }

  /* ------------------------------------------------------------- commands */

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); // crypto.randomUUID needs a secure context; plain http lacks it
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function refusal(status, data) {
    var code = (data && data.error) || (status === 0 ? "network" : "unknown");
    var params = { code: code, waiting: data && data.waiting !== undefined ? data.waiting : "?" };
    return strings["error." + code] !== undefined ? say("error." + code, params)
      : say("error.unknown", params);
  }

  /* ------------------------------------------- commands, kept until the hub takes them */

  /* A tap must not be lost to an outage: a command the hub did not answer (network down,
   * hub restarting: no answer, 502, 503, 504, 429) is kept here, in this device's storage,
   * with its id, shown as pending, and sent again, in order, until the hub answers; the id
   * makes a repeat harmless (the hub answers it with the first result). A refusal (4xx)
   * is final: it is shown and dropped. */
  var pendingKey = "hall.pending." + (body.dataset.hall || "") + "." + view + "." +
    (body.dataset.viewer || body.dataset.window || "device");
  var pending = loadPending();
  var waiters = {}; // command id -> {resolve, reject} of the tap that made it (this page)
  var flushing = false;
  var retryTimer = null;
  var retries = 0;
  var RETRYABLE = [0, 429, 502, 503, 504];

  function loadPending() {
    try {
      var list = JSON.parse(localStorage.getItem(pendingKey) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }
  function savePending() {
    try {
      localStorage.setItem(pendingKey, JSON.stringify(pending));
    } catch (e) { /* private mode: kept for this page only */ }
    var el = document.getElementById("pending");
    if (el) {
      el.hidden = pending.length === 0;
      el.textContent = say("pending.count", { count: pending.length });
    }
  }

  function post(payload) {
    var headers = { "Content-Type": "application/json" };
    var csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf && csrf.content) headers["X-Hall-CSRF"] = csrf.content;
    if (body.dataset.token) headers.Authorization = "Bearer " + body.dataset.token;
    return fetch(body.dataset.commandsUrl, {
      method: "POST",
      headers: headers,
      credentials: "same-origin",
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }, function () {
      return { status: 0, data: null };
    });
  }

  function settle(payload, answer) {
    var waiter = waiters[payload.id];
    delete waiters[payload.id];
    if (answer.status >= 200 && answer.status < 300) {
      if (waiter) waiter.resolve(answer.data);
      return;
    }
    toast(refusal(answer.status, answer.data), "error");
    if (waiter) waiter.reject(new Error((answer.data && answer.data.error) || String(answer.status)));
  }

  function flush() {
    if (flushing || !pending.length) return;
    flushing = true;
    clearTimeout(retryTimer);
    var payload = pending[0];
    post(payload).then(function (answer) {
      flushing = false;
      if (RETRYABLE.indexOf(answer.status) >= 0) {
        // Soon, then a little later each time, never more than 3 s apart.
        var delay = Math.min(3000, 400 * Math.pow(2, Math.min(retries, 3)));
        retries += 1;
        retryTimer = setTimeout(flush, delay / 2 + Math.random() * delay / 2);
        return;
      }
      retries = 0;
      pending.shift();
      savePending();
      settle(payload, answer);
      flush();
    });
  }

  /* Send one command; resolves to the answer's JSON once the hub took it (at once, or
   * after an outage), or rejects after showing why it was refused. */
  function command(fields) {
    var payload = Object.assign({ id: uuid() }, fields);
    return new Promise(function (resolve, reject) {
      waiters[payload.id] = { resolve: resolve, reject: reject };
      if (pending.length) { // keep the order of the taps
        pending.push(payload);
        savePending();
        toast(say("pending.kept"), "info");
        flush();
        return;
      }
      post(payload).then(function (answer) {
        if (RETRYABLE.indexOf(answer.status) >= 0) {
          pending.push(payload);
          savePending();
          toast(say("pending.kept"), "info");
          retries = 0;
          retryTimer = setTimeout(flush, 300);
          return;
        }
        settle(payload, answer);
      });
    });
  }
  savePending();
  flush(); // what an earlier page of this device kept

  function pick(dialogId) {
    var dialog = document.getElementById(dialogId);
    if (!dialog || !dialog.showModal) return Promise.resolve("");
    return new Promise(function (resolve) {
      function done(value) {
        dialog.removeEventListener("click", onClick);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      }
      function onClick(e) {
        var btn = e.target.closest("[data-value]");
        if (btn) done(btn.dataset.value);
      }
      function onCancel() { done(""); }
      dialog.addEventListener("click", onClick);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
    });
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-command]");
    if (!btn || btn.disabled) return;
    var fields = Object.assign({ type: btn.dataset.command }, JSON.parse(btn.dataset.args || "{}"));
    var picker = btn.dataset.picker;
    var ready = picker === "reason" ? pick("reason-dialog").then(function (v) {
      if (!v) return null;
      fields.reason = v;
      return fields;
    }) : picker === "transfer" ? pick("transfer-dialog").then(function (v) {
      if (!v) return null;
      fields.to_window = Number(v);
      return fields;
    }) : Promise.resolve(fields);
    ready.then(function (f) {
      if (!f) return;
      btn.disabled = true;
      btn.classList.add("busy");
      command(f).then(function () {
        toast(say("toast.done"), "ok");
      }).catch(function () { /* the toast says why */ }).then(function () {
        btn.disabled = false; // a fresh fragment usually replaces the button anyway
        btn.classList.remove("busy");
      });
    });
  });

  /* -------------------------------------------- live socket: reconnect and stale overlay */

  var RECONNECTS_ITSELF = [1006, 1011, 1012, 1013]; // htmx-ext-ws 2 retries only these
  // Back within 3 s of the hub answering, whatever the outage's length: a quick first
  // retry, then doubling, never more than 2 s apart, jittered (a hall's screens must not
  // all come at once).
  function reconnectDelay(retry) {
    var ceiling = Math.min(2000, 200 * Math.pow(2, Math.min(retry, 4)));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }
  if (window.htmx) htmx.config.wsReconnectDelay = reconnectDelay;
  var socketElt = document.querySelector("[ws-connect]");
  if (socketElt) {
    var overlay = document.getElementById("conn-overlay");
    var lostTimer = null;
    var socketRetries = 0;
    var showStale = function () {
      if (overlay) overlay.hidden = false;
      body.classList.add("stale");
    };
    var expectLoss = function () {
      if (!lostTimer) lostTimer = setTimeout(showStale, 5000);
    };
    expectLoss(); // a page that never connects is stale too
    body.addEventListener("htmx:wsOpen", function () {
      socketRetries = 0;
      flush(); // the hub answers again: send what was kept
      clearTimeout(lostTimer);
      lostTimer = null;
      if (overlay) overlay.hidden = true;
      body.classList.remove("stale");
    });
    body.addEventListener("htmx:wsClose", function (e) {
      expectLoss();
      var code = e.detail && e.detail.event ? e.detail.event.code : 0;
      var wrapper = e.detail && e.detail.socketWrapper;
      if (RECONNECTS_ITSELF.indexOf(code) >= 0 || !wrapper) return;
      var delay = reconnectDelay(socketRetries);
      socketRetries += 1;
      setTimeout(function () {
        if (document.body.contains(socketElt)) wrapper.reconnect();
      }, delay);
    });
  }

  /* ------------------------------------------------------ clock and ticking minutes */

  var clockEl = document.getElementById("clock");
  var clockFormat = null;
  try {
    clockFormat = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: body.dataset.tz || undefined
    });
  } catch (e) {
    clockFormat = null;
  }
  function tick() {
    if (clockEl && clockFormat) clockEl.textContent = clockFormat.format(new Date(now()));
    document.querySelectorAll("[data-since-ms]").forEach(function (el) {
      var since = Number(el.dataset.sinceMs);
      if (since) el.textContent = String(Math.max(0, Math.floor((now() - since) / 60000)));
    });
  }
  setInterval(tick, Math.max(1000, 15000 / clockRate)); // a minute's counters keep up at speed
  if (clockEl) setInterval(function () { if (clockFormat) clockEl.textContent = clockFormat.format(new Date(now())); }, 1000);
  tick();

  window.hall = {
    body: body,
    view: view,
    say: say,
    now: now,
    rate: clockRate, // simulated seconds per real second: scale what counts in hall time
    toast: toast,
    command: command,
    /* Run `fn` after every live frame the page receives. */
    onFrame: function (fn) { body.addEventListener("htmx:wsAfterMessage", fn); }
  };
})();
