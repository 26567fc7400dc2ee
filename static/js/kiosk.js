/* The ticket kiosk: issue a ticket, show it and print it on 80 mm receipt paper, print a
 * service's one-time notice, close at the cutoff; and the kiosk's self-check page (silent
 * printing, sound without a tap). Loads after static/hall.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var view = hall.view;
  var say = hall.say;
  var now = hall.now;

  /* ------------------------------------------------------------ printing */

  var PX_PER_MM = 96 / 25.4;
  var PAGE_MARGIN = "3mm 4mm"; // 80 mm paper, 72 mm printed: the slip's width in kiosk.css
  var EDGES_MM = 6 + 2; // top and bottom margins, and room for rounding
  var IMAGE_WAIT_MS = 4000;

  function imagesReady(root) {
    var images = Array.prototype.slice.call(root.querySelectorAll("img"));
    var loaded = Promise.all(images.map(function (img) {
      return img.decode().catch(function () { /* a slip without its QR code still helps */ });
    }));
    var late = new Promise(function (resolve) { setTimeout(resolve, IMAGE_WAIT_MS); });
    return Promise.race([loaded, late]);
  }

  /* Print `node` alone on one page of 80 mm paper as long as it needs: it is laid out in
   * #print-slip (off screen, with the sheet's print sizes), measured, and the page's height
   * set to fit before window.print(). Resolves with the milliseconds window.print() held
   * the page: a print dialog holds it until someone closes it, silent printing (Chromium's
   * --kiosk-printing) returns at once. */
  function printSheet(node) {
    var slip = document.getElementById("print-slip");
    slip.replaceChildren(node);
    return imagesReady(slip).then(function () {
      var mm = Math.ceil(slip.getBoundingClientRect().height / PX_PER_MM) + EDGES_MM;
      var style = document.getElementById("print-page");
      if (!style) {
        style = document.createElement("style");
        style.id = "print-page";
        document.head.appendChild(style);
      }
      style.textContent = "@page { size: 80mm " + mm + "mm; margin: " + PAGE_MARGIN + "; }";
      var started = performance.now();
      window.print();
      return Math.round(performance.now() - started);
    });
  }

  function clone(id) {
    var tpl = document.getElementById(id);
    return tpl ? tpl.content.cloneNode(true) : document.createDocumentFragment();
  }

  function fill(root, name, text) {
    root.querySelectorAll('[data-slot="' + name + '"]').forEach(function (el) {
      el.textContent = text || "";
      el.hidden = !text;
    });
  }

  /* ------------------------------------------------------------- the kiosk */

  function windowNames(numbers) {
    return numbers.map(function (n) { return say("window.label", { number: n }); })
      .join(say("list.sep"));
  }

  /* The lines of a slip (`ticket_view`): `windows` are those that can call it now; none
   * serving it means no promise of "next" nor a wait, only where it will be called. */
  function fillTicket(root, v, serviceName) {
    var serving = v.windows || [];
    var all = v.all_windows || serving;
    var ahead = say("kiosk.ahead", { ahead: v.ahead });
    fill(root, "number", v.number);
    fill(root, "priority", v.priority ? say("kiosk.priority_mark") : "");
    fill(root, "service_name", serviceName || v.service_name);
    if (serving.length) {
      fill(root, "ahead", v.ahead > 0 ? ahead : say("ticket.next"));
      fill(root, "wait", v.ahead > 0 && v.wait_minutes !== null
        ? say("kiosk.wait", { minutes: v.wait_minutes }) : "");
      fill(root, "windows", say("kiosk.go_windows", { windows: windowNames(serving) }));
    } else {
      fill(root, "ahead", say("kiosk.no_window"));
      fill(root, "wait", v.ahead > 0 ? ahead : "");
      fill(root, "windows", say("kiosk.no_window_note", { windows: windowNames(all) }));
    }
    var issued = (v.issued_on ? v.issued_on + " " : "") + v.issued_at;
    fill(root, "issued_at", say("kiosk.issued_at", { time: issued }));
    root.querySelectorAll('[data-slot="qr"]').forEach(function (el) {
      var img = document.createElement("img");
      img.alt = "";
      if (v.qr_url) img.src = v.qr_url;
      el.replaceChildren(img);
    });
  }

  if (view === "kiosk") {
    var area = document.getElementById("ticket-area");
    var mainEl = document.getElementById("kiosk-main");
    var busy = document.getElementById("kiosk-busy");
    var autoPrint = body.dataset.autoPrint === "true";
    var BACK_MS = 20000; // the card stays this long after printing, or until "done"
    var backTimer = null;
    var issuing = false;

    var back = function () {
      clearTimeout(backTimer);
      area.hidden = true;
      area.replaceChildren();
      document.getElementById("print-slip").replaceChildren();
      mainEl.hidden = false;
      var prio = document.getElementById("priority");
      if (prio) prio.checked = false;
    };
    var backLater = function () {
      clearTimeout(backTimer);
      backTimer = setTimeout(back, BACK_MS);
    };
    var present = function (content) {
      clearTimeout(backTimer);
      area.replaceChildren(content);
      mainEl.hidden = true;
      area.hidden = false;
      var done = area.querySelector("[data-kiosk-done]");
      if (done) done.focus({ preventScroll: true });
    };
    /* Print `sheet` (when this kiosk prints), saying so in the status line of what is on
     * screen; the screen goes back to the buttons a while after. */
    var printAndSay = function (sheet, printing, printed) {
      if (!autoPrint) {
        backLater();
        return;
      }
      fill(area, "status", printing);
      printSheet(sheet).then(function () {
        fill(area, "status", printed);
      }).catch(function () {
        fill(area, "status", printed);
      }).then(backLater);
    };

    var showTicket = function (v, serviceName) {
      var card = clone("ticket-template");
      fillTicket(card, v, serviceName);
      fill(card, "status", autoPrint ? say("kiosk.printing") : say("kiosk.on_screen"));
      present(card);
      var slip = clone("slip-template");
      fillTicket(slip, v, serviceName);
      printAndSay(slip, say("kiosk.printing"), say("kiosk.take_ticket"));
    };

    var showNotice = function (id) {
      var sheet = clone(id);
      var screen = document.createElement("div");
      screen.className = "notice-screen";
      screen.appendChild(clone(id));
      screen.appendChild(clone("notice-done-template"));
      fill(screen, "status", autoPrint ? say("kiosk.notice_printing") : "");
      present(screen);
      printAndSay(sheet, say("kiosk.notice_printing"), say("kiosk.notice_take"));
    };

    var pickNotice = function (code) {
      var sheets = document.querySelectorAll('template[data-service="' + code + '"]');
      if (sheets.length === 1) {
        showNotice(sheets[0].id);
        return;
      }
      var panel = clone("notice-pick-template");
      var list = panel.querySelector('[data-slot="items"]');
      sheets.forEach(function (tpl) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn np-item";
        b.dataset.noticeId = tpl.id;
        b.textContent = tpl.dataset.item || "";
        list.appendChild(b);
      });
      present(panel);
      backLater();
    };

    document.addEventListener("click", function (e) {
      if (e.target.closest("[data-kiosk-done]")) {
        back();
        return;
      }
      var item = e.target.closest("[data-notice-id]");
      if (item) {
        showNotice(item.dataset.noticeId);
        return;
      }
      var notices = e.target.closest("[data-notices]");
      if (notices) {
        pickNotice(notices.dataset.notices);
        return;
      }
      var btn = e.target.closest("button[data-service]");
      if (!btn || issuing) return;
      issuing = true;
      busy.hidden = false;
      var prio = document.getElementById("priority");
      hall.command({ type: "ticket.issue", service: btn.dataset.service, priority: !!(prio && prio.checked) })
        .then(function (data) {
          if (data.ticket_view) showTicket(data.ticket_view, btn.dataset.name);
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

  /* ----------------------------------------------------- the self-check page */

  if (view === "kiosk-check") {
    var SOUND_WAIT_MS = 5000;
    var verdict = function (id, ok, text) {
      var box = document.getElementById(id);
      box.dataset.state = ok ? "ok" : "fix";
      fill(box, "badge", say(ok ? "check.ok" : "check.fix"));
      fill(box, "text", text);
    };
    /* Sound without a tap: an unmuted play() that the browser's autoplay policy refuses
     * (NotAllowedError) unless Chromium runs with --autoplay-policy=no-user-gesture-required. */
    var checkSound = function () {
      var audio = new Audio(body.dataset.static + "/audio/chime.ogg");
      audio.volume = 0.6;
      var timeout = new Promise(function (resolve, reject) {
        setTimeout(function () { reject(new Error("timeout")); }, SOUND_WAIT_MS);
      });
      return Promise.race([audio.play(), timeout]).then(function () {
        verdict("check-sound", true, say("check.sound_ok"));
      }, function (e) {
        if (e && e.name === "NotAllowedError") verdict("check-sound", false, say("check.sound_blocked"));
        else verdict("check-sound", false, say("check.sound_error", { error: (e && (e.name !== "Error" ? e.name : e.message)) || "?" }));
      });
    };
    var checkPrint = function () {
      var limit = Number(body.dataset.silentPrintMs || 1500);
      return printSheet(clone("test-slip-template")).then(function (ms) {
        if (ms < limit) verdict("check-print", true, say("check.print_ok", { ms: ms }));
        else verdict("check-print", false, say("check.print_dialog", { ms: ms }));
      }, function (e) {
        verdict("check-print", false, say("check.print_error", { error: (e && e.name) || "?" }));
      });
    };
    document.fonts.ready.then(checkSound).then(checkPrint);
  }
})();
