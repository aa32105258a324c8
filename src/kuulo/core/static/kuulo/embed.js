// Inside an embedded survey: tell the host page how tall the survey is, so that the
// iframe grows with it (no inner scroll bars). Only a height is ever sent.
(function () {
  "use strict";
  if (window.parent === window) return;
  function report() {
    window.parent.postMessage({ kuulo: "height", value: document.documentElement.scrollHeight }, "*");
  }
  window.addEventListener("load", report);
  new ResizeObserver(report).observe(document.body);
})();
