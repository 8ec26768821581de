// Progressive enhancement only: every form works without this script.
// On the action form, show only the fields the chosen action needs.
(function () {
  "use strict";
  function fit(select) {
    var chosen = select.options[select.selectedIndex];
    var wanted = (chosen.getAttribute("data-fields") || "").split(" ");
    document.querySelectorAll("[data-field]").forEach(function (field) {
      field.hidden = wanted.indexOf(field.getAttribute("data-field")) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("action");
    if (select && select.form && select.form.id === "action-form") {
      select.addEventListener("change", function () { fit(select); });
      fit(select);
    }
  });
})();
