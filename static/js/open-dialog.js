// Reopens the dialog whose form came back with errors (named by the script tag's data-dialog).
(function () {
  "use strict";
  var name = document.currentScript.dataset.dialog;
  var dialog = name && document.getElementById(name);
  if (dialog) {
    new bootstrap.Modal(dialog).show();
  }
})();
