/* Live eligibility: while the park edits a section that the basic conditions read, post the
   form as typed to the preview URL and show the recomputed panel. Nothing is saved. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-eligibility-preview]");
  var panel = document.querySelector("[data-testid='eligibility']");
  if (!form || !panel || !window.fetch) { return; }
  var url = form.getAttribute("data-eligibility-preview");
  var timer = null;
  function refresh() {
    var data = new FormData(form);
    data.delete("geojson_file");
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-testid='eligibility']");
        if (fresh) { panel.replaceWith(fresh); panel = fresh; }
      })
      .catch(function () { /* the panel keeps its last state; saving shows the result */ });
  }
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  document.addEventListener("boundary:changed", schedule);
})();
