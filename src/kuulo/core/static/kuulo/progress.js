/* Progress bar for long background work.
   An element with data-progress-url holds a <progress> and a status line; this polls
   the URL (JSON: running, percent, text) and reloads the page when the work is done,
   so the page shows the result. Without JavaScript the page offers a refresh link. */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress__text");
  var url = box.getAttribute("data-progress-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        bar.value = state.percent;
        bar.textContent = state.percent + " %";
        if (text.textContent !== state.text) text.textContent = state.text;
        if (state.running) window.setTimeout(poll, 1000);
        else window.location.reload();
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
