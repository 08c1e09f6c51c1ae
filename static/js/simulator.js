// The simulator form (templates/scoring/simulator.html) without the fields that are as published, so that
// the address to share holds only the assumptions. Without JavaScript the form sends every field, which
// computes the same result.
(function () {
  const form = document.querySelector("form.simulator");
  if (!form) return;
  const fields = () => form.querySelectorAll("input[name], select[name]");
  form.addEventListener("submit", () => {
    for (const field of fields()) {
      const value = field.value.trim();
      if (value === "" || (field.dataset.default !== undefined && value === field.dataset.default)) {
        field.disabled = true;
      }
    }
  });
  // Coming back with the browser's back button shows the page as it was left: usable again.
  window.addEventListener("pageshow", () => {
    for (const field of fields()) field.disabled = false;
  });
})();
