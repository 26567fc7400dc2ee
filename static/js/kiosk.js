/* The ticket kiosk: issue, show (and print) the ticket, close at the cutoff. Loads after static/hall.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var view = hall.view;
  var say = hall.say;
  var now = hall.now;


  if (view === "kiosk") {
    var area = document.getElementById("ticket-area");
    var mainEl = document.getElementById("kiosk-main");
    var busy = document.getElementById("kiosk-busy");
    var backTimer = null;
    var issuing = false;

    var back = function () {
      clearTimeout(backTimer);
      area.hidden = true;
      area.innerHTML = "";
      mainEl.hidden = false;
      var prio = document.getElementById("priority");
      if (prio) prio.checked = false;
    };
    var show = function (v) {
      var tpl = document.getElementById("ticket-template");
      area.innerHTML = "";
      area.appendChild(tpl.content.cloneNode(true));
      var slot = function (name, text) {
        var el = area.querySelector('[data-slot="' + name + '"]');
        if (!el) return;
        if (text) el.textContent = text;
        else el.hidden = true;
      };
      var windows = (v.windows || []).map(function (n) {
        return say("window.label", { number: n });
      }).join(say("list.sep"));
      slot("number", v.number);
      slot("service_name", v.service_name);
      slot("ahead", v.ahead > 0 ? say("kiosk.ahead", { ahead: v.ahead }) : say("ticket.next"));
      slot("wait", v.ahead > 0 ? say("kiosk.wait", { minutes: v.wait_minutes }) : "");
      slot("windows", windows ? say("kiosk.go_windows", { windows: windows }) : "");
      slot("issued_at", say("kiosk.issued_at", { time: v.issued_at }));
      var qr = area.querySelector('[data-slot="qr"]');
      if (qr) {
        var img = document.createElement("img");
        img.alt = "QR";
        img.width = 160;
        img.height = 160;
        if (v.qr_url) img.src = v.qr_url;
        qr.replaceChildren(img);
      }
      mainEl.hidden = true;
      area.hidden = false;
      if (body.dataset.autoPrint === "true") window.print();
      backTimer = setTimeout(back, 30000);
    };
    document.addEventListener("click", function (e) {
      if (e.target.closest("[data-kiosk-done]")) {
        back();
        return;
      }
      var btn = e.target.closest("button[data-service]");
      if (!btn || issuing) return;
      issuing = true;
      busy.hidden = false;
      var prio = document.getElementById("priority");
      hall.command({ type: "ticket.issue", service: btn.dataset.service, priority: !!(prio && prio.checked) })
        .then(function (data) {
          if (data.ticket_view) show(data.ticket_view);
        })
        .catch(function () { /* toast shown */ })
        .then(function () {
          issuing = false;
          busy.hidden = true;
        });
    });
    // The kiosk's buttons come live over its socket (it opens and closes with the hall);
    // the issue cutoff before a session's end has no event of its own: turn to the closed
    // screen at that moment.
    setInterval(function () {
      var sec = document.getElementById("kiosk-services");
      var until = sec ? Number(sec.dataset.issueUntilMs || 0) : 0;
      if (!until || now() < until || sec.dataset.issuing !== "true") return;
      sec.dataset.issuing = "false";
      sec.classList.add("kiosk-closed");
      var open = sec.querySelector(".kiosk-open");
      if (open) open.hidden = true;
      var closed = sec.querySelector(".closed-screen");
      if (closed) closed.hidden = false;
    }, 250);
  }
})();
