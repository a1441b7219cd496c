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
