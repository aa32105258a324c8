// Survey forms: ask a question only when its show-if condition holds, and show the
// contact fields only after opting in. Without JavaScript every question is shown and
// the server ignores answers to questions whose condition does not hold.
//
// When many answers have come from the same network lately, the form carries a browser
// check (#proof, see feedback/abuse.py): find a number that makes SHA-256(challenge +
// number) start with data-bits zero bits. It is solved in the background as soon as the
// page opens; a form sent before it is done waits for it, saying so politely to screen
// readers, and a form the server has just held for it (data-send) is sent by itself.
(function () {
  "use strict";
  var form = document.querySelector(".survey-form");
  if (!form) return;

  function answersTo(name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (fieldset) {
      var source = document.getElementById(fieldset.dataset.showIf);
      var wanted = fieldset.dataset.showIfValues.split(",");
      var sourceShown = source && !source.hidden;
      var shown = sourceShown && answersTo(fieldset.dataset.showIf).some(function (v) { return wanted.indexOf(v) >= 0; });
      fieldset.hidden = !shown;
      fieldset.disabled = !shown;
    });
    var optIn = document.getElementById("contact_opt_in");
    var fields = document.getElementById("contact-fields");
    if (optIn && fields) {
      fields.hidden = !optIn.checked;
    }
  }

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }

  function solve(challenge, bits) {
    var encoder = new TextEncoder();
    var batch = 256;
    function from(start) {
      var digests = [];
      for (var i = 0; i < batch; i++) {
        digests.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + (start + i))));
      }
      return Promise.all(digests).then(function (results) {
        for (var i = 0; i < results.length; i++) {
          if (zeroBits(new Uint8Array(results[i])) >= bits) return String(start + i);
        }
        return from(start + batch);
      });
    }
    return from(0);
  }

  function browserCheck(proof) {
    var status = document.getElementById("proof-status");
    var waiting = false;
    var failed = false;
    function say(text) {
      status.textContent = text;
    }
    function send() {
      say(proof.dataset.sending);
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
    var solving = window.crypto && crypto.subtle && window.TextEncoder
      ? solve(proof.dataset.challenge, Number(proof.dataset.bits))
      : Promise.reject(new Error("no WebCrypto"));
    solving.then(function (nonce) {
      proof.value = nonce;
      if (waiting) send();
    }, function () {
      failed = true;
      if (waiting) say(proof.dataset.failed);
    });
    form.addEventListener("submit", function (event) {
      if (proof.value || failed) return;  // failed: the server explains
      event.preventDefault();
      if (!waiting) say(proof.dataset.checking);
      waiting = true;
    });
    if (proof.dataset.send) {
      waiting = true;
      say(proof.dataset.checking);
    }
  }

  form.addEventListener("change", update);
  update();
  var proof = document.getElementById("proof");
  if (proof) browserCheck(proof);
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
