// Kuulo feedback widget. Put this where the survey should appear:
//   <script src="https://kuulo.example.fi/static/kuulo/widget.js" data-kuulo-survey="LINKCODE" async></script>
// Optional: data-lang="sv", data-title="Feedback". The survey runs in an iframe, so the
// host page's styles never leak into it, and it stays fully keyboard and screen-reader usable.
(function () {
  "use strict";
  var scripts = document.querySelectorAll("script[data-kuulo-survey]:not([data-kuulo-done])");
  scripts.forEach(function (script) {
    script.setAttribute("data-kuulo-done", "1");
    var base = new URL(script.src).origin;
    var code = encodeURIComponent(script.getAttribute("data-kuulo-survey"));
    var url = base + "/f/" + code + "/?embed=1&ch=widget";
    var lang = script.getAttribute("data-lang");
    if (lang) url += "&lang=" + encodeURIComponent(lang);
    var frame = document.createElement("iframe");
    frame.src = url;
    frame.title = script.getAttribute("data-title") || "Palaute · Respons · Feedback";
    frame.setAttribute("loading", "lazy");
    frame.style.cssText = "width:100%;max-width:46rem;border:0;min-height:24rem;display:block;";
    script.parentNode.insertBefore(frame, script);
    window.addEventListener("message", function (event) {
      if (event.origin !== base || event.source !== frame.contentWindow) return;
      if (event.data && event.data.kuulo === "height" && typeof event.data.value === "number") {
        frame.style.height = Math.ceil(event.data.value) + "px";
      }
    });
  });
})();
