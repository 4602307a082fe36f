// Mamori's small script: progressive enhancement only. Every page works
// without it; with it, forms save as you go through htmx.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // 「PDF / 印刷」: the report's button opens the print dialog on the print
  // layout (shown only with JavaScript; the browser's own print does the
  // same without it).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  });

  // Disable the autosave form's explicit Save button while a request runs,
  // and show errors that htmx does not swap (network failure, 5xx).
  document.addEventListener("htmx:sendError", function (e) {
    var status = e.target.closest("form") && e.target.closest("form").querySelector(".save-status");
    if (status) {
      status.textContent = status.getAttribute("data-offline-message") || "保存できませんでした";
      status.classList.add("error");
    }
  });
  document.addEventListener("htmx:responseError", function (e) {
    var form = e.detail.elt && e.detail.elt.closest ? e.detail.elt.closest("form") : null;
    var status = form && form.querySelector(".save-status");
    if (status && e.detail.xhr && e.detail.xhr.status >= 500) {
      status.textContent = status.getAttribute("data-error-message") || "保存できませんでした";
      status.classList.add("error");
    }
  });
  // A comment box saves while the officer types (input, debounced); its
  // change event on blur would send the same text again, and when that
  // second save answers with a conflict it replaces the panel whose button
  // the officer is clicking. Keep textarea change events away from the
  // autosave forms.
  document.addEventListener("change", function (e) {
    if (e.target.matches("form[hx-post] textarea")) {
      e.stopPropagation();
    }
  }, true);

  // Let 409 and 422 responses swap in: they carry the conflict or the
  // validation message for the user.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 409 || s === 422) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // Evidence: a file dropped anywhere on a question's evidence section goes
  // into its upload form's file input (the plain input works without this,
  // and takes a dropped file by itself).
  document.addEventListener("dragover", function (e) {
    if (e.target.closest && e.target.closest("section.evidence [data-testid^=evidence-add]")) {
      e.preventDefault();
    }
  });
  document.addEventListener("drop", function (e) {
    var add = e.target.closest ? e.target.closest("section.evidence [data-testid^=evidence-add]") : null;
    var input = add && add.querySelector("input[type=file]");
    if (!input || !e.dataTransfer || !e.dataTransfer.files.length || e.target === input) {
      return;
    }
    e.preventDefault();
    input.files = e.dataTransfer.files;
    add.open = true;
    input.focus();
  });
})();
