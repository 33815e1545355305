// Every irreversible act asks first. A form marked data-confirm holds a closed <dialog> with what
// the act will do; its own button opens the dialog instead of posting, and the dialog's confirm
// button posts with confirmed_act=1. Without this script the server asks on a page instead.
(function () {
  "use strict";
  function setRequired(dialog, on) {
    dialog.querySelectorAll("[data-required-when-open]").forEach(function (field) {
      field.required = on;
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var dialog = form.querySelector("dialog[data-confirm-dialog]");
    if (!dialog || typeof dialog.showModal !== "function") return;
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      // A second button of the same form that is not the act (e.g. saving a draft) posts as is.
      if (submitter && submitter.hasAttribute("data-no-confirm")) return;
      if (submitter && submitter.name === "confirmed_act") {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";  // one act per click, however often it is pressed
        return;
      }
      event.preventDefault();
      setRequired(dialog, true);
      dialog.showModal();
    });
    dialog.querySelector("[data-confirm-cancel]").addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () { setRequired(dialog, false); });
  });
})();
