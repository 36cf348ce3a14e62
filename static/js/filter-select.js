// A filter box above each long <select data-filterable>: typing hides the options that do not match.
(function () {
  "use strict";
  document.querySelectorAll("select[data-filterable]").forEach((select, index) => {
    const id = `${select.id || "select" + index}-filter`;
    const label = document.createElement("label");
    label.className = "form-label small text-body-secondary mb-1";
    label.htmlFor = id;
    label.textContent = "Type to filter the list";
    const input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "form-control form-control-sm mb-1";
    input.setAttribute("autocomplete", "off");
    select.before(label, input);
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      let first = null;
      Array.from(select.options).forEach((option) => {
        const match = !option.value || option.text.toLowerCase().includes(needle);
        option.hidden = !match;
        if (match && option.value && first === null) first = option;
      });
      const current = select.selectedOptions[0];
      if (needle && first && (!current || current.hidden || !current.value)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
})();
