// A ranked race on the voter's page: one menu per rank ("1st choice", "2nd choice", ...).
//
// Why it works this way:
// - The menus list the candidates in the member's display order (rotated or
//   alphabetical), but each option's value is the candidate's canonical index: the
//   ranking handed to the encryption is in canonical indices, so the order shown is only
//   presentation (PROTOCOL 5.1).
// - A candidate already chosen at another rank is disabled, so nobody ranks one twice.
// - No gaps: a rank cannot be filled while an earlier one is empty (the menu goes back
//   to "No further preference" and the reason is spoken), and emptying a rank moves the
//   later choices up one place (said too).  A tampered page could still send repeats or
//   gaps; the count reads them by its ranking rule (PROTOCOL 17.1).
// - Messages go to the race's live region (aria-live), so a screen reader says them at
//   once; they are already in the page's language (the data block's strings).

/** Whether a fieldset is a ranked race. */
export function isRanked(fieldset) {
  return fieldset.dataset.ranked === "true";
}

function menus(fieldset) {
  return [...fieldset.querySelectorAll("select[data-rank]")];
}

function fill(template, names) {
  return template.replace(/%\((\w+)\)s/g, (whole, key) => (key in names ? names[key] : whole));
}

function say(fieldset, text, { error = false, menu = null } = {}) {
  const region = fieldset.querySelector(".field-error");
  region.textContent = text;
  region.classList.toggle("info", !error);
  for (const m of menus(fieldset)) m.removeAttribute("aria-invalid");
  if (error) {
    fieldset.setAttribute("aria-invalid", "true");
    if (menu) menu.setAttribute("aria-invalid", "true");
  } else {
    fieldset.removeAttribute("aria-invalid");
  }
}

/** Disable, in each menu, the candidates chosen at another rank. */
function disableChosen(fieldset) {
  const all = menus(fieldset);
  const chosen = all.map((m) => m.value);
  all.forEach((menu, rank) => {
    for (const option of menu.options) {
      if (option.value === "") continue;
      option.disabled = chosen.some((value, other) => other !== rank && value === option.value);
    }
  });
}

/** Wire a ranked race's menus: no repeats, no gaps, every change said in words. */
export function setUpRanking(fieldset, strings) {
  const all = menus(fieldset);
  all.forEach((menu, rank) => {
    menu.dataset.previous = menu.value;
    menu.addEventListener("change", () => {
      const value = menu.value;
      const empty = all.findIndex((m, earlier) => earlier < rank && m.value === "");
      const repeat = all.some((m, other) => other !== rank && value !== "" && m.value === value);
      if (value !== "" && empty >= 0) {
        menu.value = "";
        say(fieldset, fill(strings.rank_gap, { earlier: all[empty].dataset.rankName, later: menu.dataset.rankName }), { error: true, menu });
      } else if (repeat) {
        menu.value = menu.dataset.previous || "";
      } else if (value === "" && all.slice(rank + 1).some((m) => m.value !== "")) {
        const kept = all.map((m) => m.value).filter((v) => v !== "");
        all.forEach((m, r) => { m.value = r < kept.length ? kept[r] : ""; });
        say(fieldset, strings.ranks_moved);
      } else {
        say(fieldset, "");
      }
      for (const m of all) m.dataset.previous = m.value;
      disableChosen(fieldset);
    });
  });
  disableChosen(fieldset);
}

/**
 * The ranking (canonical candidate indices, most preferred first), or null after saying
 * what is missing.  The menus cannot hold a gap or a repeat; a first choice is needed
 * when the election takes no blank ballots (data-min 1).
 */
export function readRanking(fieldset, strings) {
  const all = menus(fieldset);
  const values = all.map((m) => m.value);
  const ranking = [];
  for (const value of values) {
    if (value === "") break;
    ranking.push(Number(value));
  }
  if (values.filter((v) => v !== "").length !== ranking.length) {
    const gap = values.indexOf("");
    say(fieldset, fill(strings.rank_gap, { earlier: all[gap].dataset.rankName, later: all[gap + 1].dataset.rankName }), { error: true, menu: all[gap] });
    return null;
  }
  const twice = ranking.findIndex((index, r) => ranking.indexOf(index) !== r);
  if (twice >= 0) {
    say(fieldset, fill(strings.rank_repeat, { candidate: describeName(all[0], ranking[twice]) }), { error: true, menu: all[twice] });
    return null;
  }
  if (ranking.length < Number(fieldset.dataset.min)) {
    say(fieldset, fill(strings.rank_first, { rank: all[0].dataset.rankName }), { error: true, menu: all[0] });
    return null;
  }
  if (fieldset.getAttribute("aria-invalid")) say(fieldset, "");
  return ranking;
}

/** The first menu to fix after readRanking said what is missing. */
export function firstToFix(fieldset) {
  return fieldset.querySelector("select[aria-invalid]") || menus(fieldset)[0];
}

/** A ranking in words, for the review: "1. Ana Ruiz, 2. Ben Okafor". */
export function describeRanking(fieldset, ranking) {
  const first = menus(fieldset)[0];
  return ranking.map((index, r) => `${r + 1}. ${describeName(first, index)}`).join(", ");
}

function describeName(menu, index) {
  return menu.querySelector(`option[value="${index}"]`).dataset.label;
}
