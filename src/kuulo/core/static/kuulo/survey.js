// Survey forms: ask a question only when its show-if condition holds, and show the
// contact fields only after opting in. Without JavaScript every question is shown and
// the server ignores answers to questions whose condition does not hold.
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

  form.addEventListener("change", update);
  update();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
