// Before an upload: ask the portal what the automated checks will say about the certificate
// being entered (expired, expiring within the NRA's window, authority not recognised).
(function () {
  "use strict";
  const form = document.querySelector("form[data-precheck-url]");
  const target = document.getElementById("precheck");
  if (!form || !target) return;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const BADGE = { pass: "text-bg-success", warn: "text-bg-warning", fail: "text-bg-danger" };
  const WORD = { pass: "Pass", warn: "Warning", fail: "Fail" };
  const hint = target.innerHTML;
  let latest = 0;

  async function update() {
    const data = new FormData();
    data.append("kind", form.dataset.kind);
    let entered = 0;
    form.querySelectorAll("[data-precheck]").forEach((input) => {
      data.append(input.dataset.precheck, input.value);
      if (input.value && input.dataset.precheck !== "nra") entered += 1;
    });
    if (entered === 0) {
      target.innerHTML = hint;
      return;
    }
    const mine = ++latest;
    const response = await fetch(form.dataset.precheckUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body: data,
    });
    if (mine !== latest || !response.ok) return;
    const body = await response.json();
    const list = document.createElement("ul");
    list.className = "list-unstyled";
    if (body.results.length === 0) {
      const item = document.createElement("li");
      item.innerHTML = '<span class="badge text-bg-success">Pass</span> ';
      item.append("No problems found with what you entered so far.");
      list.append(item);
    }
    body.results.forEach((result) => {
      const item = document.createElement("li");
      item.className = "mb-1";
      const badge = document.createElement("span");
      badge.className = `badge ${BADGE[result.status] || "text-bg-secondary"} me-1`;
      badge.textContent = WORD[result.status] || result.status;
      item.append(badge, result.detail);
      list.append(item);
    });
    target.replaceChildren(list);
  }

  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-precheck]")) update();
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("input[type=date][data-precheck]")) update();
  });
  update();
})();
