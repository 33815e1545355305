/* The tables of a section (roadmap phases, key projects): "添加一行" copies the formset's empty
   form, numbered as the next row, and raises TOTAL_FORMS. Without this script the button stays
   hidden and the page still ends each table with one empty row. */
(function () {
  "use strict";
  document.querySelectorAll("[data-formset]").forEach(function (fieldset) {
    var prefix = fieldset.getAttribute("data-formset");
    var rows = fieldset.querySelector("[data-formset-rows]");
    var template = fieldset.querySelector("template[data-formset-empty]");
    var button = fieldset.querySelector("[data-formset-add]");
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = fieldset.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    if (!rows || !template || !button || !total) { return; }
    var limit = max ? parseInt(max.value, 10) : NaN;

    function count() { return parseInt(total.value, 10) || 0; }
    function update() { button.disabled = !isNaN(limit) && count() >= limit; }

    button.addEventListener("click", function () {
      if (button.disabled) { return; }
      var index = count();
      // A <template> parses table rows as well as blocks (a <div> would drop <tr>).
      var holder = document.createElement("template");
      // The template is the server's own markup; only the row number is put in.
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.content.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      update();
      var first = row.querySelector(
        "input:not([type=hidden]):not([type=checkbox]), select, textarea");
      if (first) { first.focus(); }
    });
    button.hidden = false;
    update();
  });
})();
