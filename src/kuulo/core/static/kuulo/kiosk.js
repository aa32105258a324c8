// Kiosk mode. One tap on a face stores an answer in a queue in this browser; the queue
// is sent to the ingest API with the kiosk's device token whenever the network allows.
// Every answer gets an id made here, so sending it again never stores it twice.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kiosk-config").textContent);
  var texts = JSON.parse(document.getElementById("kiosk-texts").textContent);
  var main = document.getElementById("main");
  var tokenKey = "kuulo-kiosk-token:" + config.link;
  var queueKey = "kuulo-kiosk-queue:" + config.link;
  var language = main.dataset.language || "fi";
  var pending = null; // the answer being completed on the follow-up screen
  var resetTimer = null;
  var sending = false;

  // Setup: the token arrives once in the URL fragment (never sent to a server).
  if (location.hash.length > 1) {
    localStorage.setItem(tokenKey, decodeURIComponent(location.hash.slice(1)));
    history.replaceState(null, "", location.pathname);
  }

  function queue() { return JSON.parse(localStorage.getItem(queueKey) || "[]"); }
  function saveQueue(items) { localStorage.setItem(queueKey, JSON.stringify(items)); }
  function newId() {
    return (crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(16).slice(2));
  }

  function render() {
    document.documentElement.lang = language;
    main.querySelectorAll("[data-text]").forEach(function (el) {
      var key = el.dataset.text;
      var value = key === "unit" ? config.unit[language]
        : key === "question" ? config.rating.text[language]
        : key === "follow_up" ? (config.follow_up ? config.follow_up.text[language] : "")
        : texts[language][key];
      el.textContent = value || "";
    });
    main.querySelectorAll("[data-point]").forEach(function (el) {
      var label = (config.rating.points[el.dataset.point] || {})[language] || "";
      el.textContent = label;
      el.parentElement.setAttribute("aria-label", el.dataset.point + (label ? " – " + label : ""));
    });
    main.querySelectorAll("[data-set-language]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.setLanguage === language ? "true" : "false");
    });
    showStatus();
  }

  function show(id) {
    ["kiosk-ask", "kiosk-more", "kiosk-thanks"].forEach(function (screen) {
      document.getElementById(screen).hidden = screen !== id;
    });
  }

  function showStatus(message) {
    var status = document.getElementById("kiosk-status");
    if (message) { status.textContent = message; return; }
    var waiting = queue().length;
    status.textContent = waiting ? texts[language].waiting.replace("{n}", waiting) : "";
  }

  function enqueue(answer) {
    var items = queue();
    items.push(answer);
    saveQueue(items);
    flush();
  }

  function finish() {
    clearTimeout(resetTimer);
    show("kiosk-thanks");
    document.getElementById("kiosk-thanks-heading").focus();
    resetTimer = setTimeout(reset, 4000);
  }

  function reset() {
    clearTimeout(resetTimer);
    pending = null;
    document.getElementById("kiosk-text").value = "";
    show("kiosk-ask");
  }

  function tap(value) {
    var answers = {};
    answers[config.rating.code] = Number(value);
    var answer = {
      link: config.link, channel: "kiosk", language: language,
      idempotency_key: "kiosk-" + newId(), responded_at: new Date().toISOString(), answers: answers
    };
    if (!config.follow_up) { enqueue(answer); finish(); return; }
    pending = answer;
    show("kiosk-more");
    document.getElementById("kiosk-text").focus();
    resetTimer = setTimeout(function () { if (pending) { enqueue(pending); } reset(); }, 30000);
  }

  function complete(withText) {
    if (!pending) return;
    var text = document.getElementById("kiosk-text").value.trim();
    if (withText && text) pending.answers[config.follow_up.code] = text;
    enqueue(pending);
    pending = null;
    finish();
  }

  function flush() {
    var token = localStorage.getItem(tokenKey);
    var items = queue();
    if (!items.length || sending) { showStatus(); return; }
    if (!token) { showStatus(texts[language].not_activated); return; }
    sending = true;
    var batch = items.slice(0, 100);
    fetch(config.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
      body: JSON.stringify({ responses: batch })
    }).then(function (response) {
      if (response.status === 401) { showStatus(texts[language].not_activated); return null; }
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      if (!result) return;
      // Only an answer the server has taken leaves the queue: stored, or held for a CX lead
      // when it cannot be stored (the customer was thanked for it, so it is never dropped).
      // Any other reply keeps the whole batch here to be sent again.
      if (result.status !== 200 && result.status !== 201) return;
      var done = {};
      batch.forEach(function (item) { done[item.idempotency_key] = true; });
      saveQueue(queue().filter(function (item) { return !done[item.idempotency_key]; }));
    }).catch(function () { /* offline: keep the queue and try again later */ })
      .finally(function () { sending = false; showStatus(); if (queue().length) setTimeout(flush, 10000); });
  }

  // The service worker keeps a copy of this page so that it comes up after a reload or a
  // browser restart while the network is down. Without service workers (an old browser,
  // a plain-http address) the kiosk works as before, it just needs the network to load.
  function registerWorker() {
    if (!("serviceWorker" in navigator) || !config.service_worker) return;
    try {
      navigator.serviceWorker.register(config.service_worker, { scope: location.pathname })
        .catch(function () { /* no offline reloads on this device; answering still works */ });
    } catch (error) { /* service workers refused here (privacy settings): same as above */ }
  }

  main.querySelectorAll("[data-value]").forEach(function (button) {
    button.addEventListener("click", function () { tap(button.dataset.value); });
  });
  main.querySelectorAll("[data-set-language]").forEach(function (button) {
    button.addEventListener("click", function () { language = button.dataset.setLanguage; render(); });
  });
  document.getElementById("kiosk-send").addEventListener("click", function () { complete(true); });
  document.getElementById("kiosk-skip").addEventListener("click", function () { complete(false); });
  window.addEventListener("online", flush);
  window.addEventListener("load", registerWorker);
  render();
  flush();
})();
