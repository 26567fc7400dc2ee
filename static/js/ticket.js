/* The resident's ticket page: a vibration when the ticket is called. Loads after static/hall.js. */
(function () {
  "use strict";

  var hall = window.hall;
  var body = hall.body;
  var view = hall.view;
  var say = hall.say;
  var now = hall.now;


  if (view === "ticket") {
    var lastState = (document.getElementById("ticket-status") || {}).dataset;
    lastState = lastState ? lastState.state : "";
    body.addEventListener("htmx:wsAfterMessage", function () {
      var el = document.getElementById("ticket-status");
      var state = el ? el.dataset.state : "";
      if (state === "called" && lastState !== "called" && navigator.vibrate) {
        navigator.vibrate([400, 150, 400]);
      }
      lastState = state;
    });
  }
})();
