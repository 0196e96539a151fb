// Live word-level preview of a proposed change (the "Preview" button does the same
// without JavaScript). The server renders the diff; this only asks for it as you type.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form) return;
  var target = document.getElementById("change-preview");
  var timer = null;
  var pending = null;

  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    var body = new FormData(form);
    body.delete("save");
    body.delete("send");
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: pending.signal,
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.html !== undefined) {
          target.innerHTML = data.html;  // rendered and escaped by the server
        } else if (data.error) {
          target.textContent = data.error;
        }
      })
      .catch(function () { /* offline or aborted: the Preview button still works */ });
  }

  form.addEventListener("input", function (event) {
    if (!event.target.matches("textarea, input[type=text], select")) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches("select")) refresh();
  });
  // Typed before this script ran (a slow connection): show that change at once.
  var fields = form.querySelectorAll("textarea, input[type=text]");
  if (Array.prototype.some.call(fields, function (field) { return field.value !== field.defaultValue; })) {
    refresh();
  }
})();
