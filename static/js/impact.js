// Live sampling impact in the request form: POST /api/v1/impact/ as the numbers are typed and
// redraw the figures with the markup of templates/waivers/_impact.html (one look everywhere).
(function () {
  "use strict";
  const form = document.querySelector("form[data-impact-url]");
  const target = document.getElementById("impact");
  if (!form || !target) return;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const inputs = Array.from(form.querySelectorAll("[data-impact-input]"));
  const REQUIRED = ["batch_size", "release_units", "retention_units", "in_country_units", "units_per_patient"];
  let timer = null;
  let latest = 0;

  function labelOf(name) {
    const input = form.querySelector(`[data-impact-input="${name}"]`);
    const label = input && form.querySelector(`label[for="${input.id}"]`);
    return label ? label.textContent.replace("*", "").trim() : name.replace(/_/g, " ");
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  function units(value) {
    return String(Number(Number(value).toFixed(3)));
  }

  function percent(part, whole) {
    return (Math.round((part * 1000) / whole) / 10).toFixed(1);
  }

  function section(children) {
    return el("section", { class: "impact", "aria-label": "Sampling impact", "data-impact": "" }, children);
  }

  function showMessage(text) {
    target.replaceChildren(section([el("p", { class: "text-body-secondary" }, [text])]));
  }

  function row(label, value) {
    return el("tr", {}, [el("th", { scope: "row" }, [label]), el("td", {}, value)]);
  }

  function render(impact, data) {
    const release = Number(data.release_units || 0);
    const retention = Number(data.retention_units || 0);
    const stability = Number(data.stability_units || 0);
    const total = Number(impact.remaining_without_in_country_units) + release + retention + stability;
    const shares = [
      ["Release testing", release],
      ["Retention", retention],
      ["Stability", stability],
      ["In-country testing", Number(impact.in_country_total_units)],
      ["Left for patients", Number(impact.remaining_units)],
    ].map(([label, value]) => [label, percent(value, total)]);
    const bar = el("div", {
      class: "impact-bar",
      role: "img",
      "aria-label": "How the batch divides: " + shares.map(([l, p]) => `${l} ${p}%`).join(", "),
    }, shares.map(([label, p], i) => el("span", {
      class: `impact-part impact-part-${i + 1}`,
      style: `width: ${p}%`,
      title: `${label}: ${p}%`,
    })));
    const legend = el("ul", { class: "impact-legend" }, shares.map(([label, p], i) =>
      el("li", {}, [el("span", { class: `impact-key impact-part-${i + 1}` }), `${label}: ${p}%`])));
    const rows = [
      row("Left for patients", [`${units(impact.remaining_units)} (${Number(impact.remaining_percent).toFixed(1)}%)`]),
      row("Taken by in-country testing", [`${units(impact.in_country_total_units)} (${Number(impact.in_country_percent).toFixed(1)}%)`]),
      row("Patients treatable", [`${Number(impact.patients).toFixed(1)} (${impact.whole_patients} whole)`]),
      row("Without in-country testing", [`${Number(impact.patients_without_in_country).toFixed(1)} (${impact.whole_patients_without_in_country} whole)`]),
      row("Patients lost to in-country testing", [el("strong", {}, [String(impact.patients_lost_to_in_country)])]),
    ];
    if (impact.shelf_life_left_days !== null && impact.shelf_life_left_days !== undefined) {
      const cell = [`${String(Number(Number(impact.shelf_life_left_days).toFixed(2)))} days`];
      if (!impact.feasible) cell.push(" — ", el("strong", {}, ["in-country testing is not feasible"]));
      rows.push(row("Shelf-life left after shipping and testing", cell));
    }
    const table = el("table", { class: "table table-sm impact-figures" }, [el("tbody", {}, rows)]);
    target.replaceChildren(section([bar, legend, table]));
  }

  async function update() {
    const data = { production_model: form.dataset.productionModel || "MTS" };
    inputs.forEach((input) => {
      if (input.value.trim() !== "") data[input.dataset.impactInput] = input.value.trim();
    });
    if (REQUIRED.some((name) => !(name in data))) {
      showMessage("Enter the sampling data to see the impact.");
      return;
    }
    const mine = ++latest;
    let response;
    try {
      response = await fetch(form.dataset.impactUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(data),
      });
    } catch (error) {
      if (mine === latest) showMessage("The impact cannot be worked out right now; your figures are still saved with the form.");
      return;
    }
    const body = await response.json();
    if (mine !== latest) return;
    if (response.ok) {
      render(body, data);
    } else {
      const reasons = Object.entries(body).map(([field, messages]) =>
        `${labelOf(field)}: ${[].concat(messages).join(" ")}`);
      showMessage(reasons.join(" "));
    }
  }

  form.addEventListener("input", (event) => {
    if (!event.target.matches("[data-impact-input]")) return;
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
})();
