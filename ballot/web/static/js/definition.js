// The definition editor, enhanced: a new election starts in the committee's own time
// zone (the browser's), and "at phone width" opens the ballot preview in a window
// 320 CSS pixels wide.  Without JavaScript both still work: the zone is chosen from
// the list (UTC first) and the preview link opens a 320 px column.

const form = document.querySelector("form.definition[data-fresh]");
if (form) {
  const select = form.querySelector("#time_zone");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (select && zone && [...select.options].some((o) => o.value === zone)) {
    select.value = zone;
  }
}

for (const link of document.querySelectorAll("a[data-phone-preview]")) {
  link.addEventListener("click", (event) => {
    const opened = window.open(link.href, "ballot-preview", "width=340,height=720");
    if (opened) event.preventDefault();
  });
}

// "Add an option" adds the row here, from the question's <template>, instead of sending
// the form: a long list of candidates is typed without a page load per name.  The row's
// fields are named as the server numbers them, so saving (or any other button) reads it
// as if the server had added it; without JavaScript the button still asks the server.
for (const button of document.querySelectorAll('form.definition button[value^="add_option:"]')) {
  button.addEventListener("click", (event) => {
    const question = button.closest("fieldset.question-edit");
    const list = question?.querySelector("ol.option-list");
    const template = question?.querySelector("template.option-template");
    if (!list || !template) return;
    event.preventDefault();
    const used = [...list.querySelectorAll('input[type="text"]')].map((input) =>
      Number(input.name.replace(/^q\d+_o/, "")),
    );
    const next = Math.max(0, ...used) + 1;
    list.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__N__", String(next)));
    list.lastElementChild?.querySelector('input[type="text"]')?.focus();
  });
}
