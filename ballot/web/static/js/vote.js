// The voter's page: choose, encrypt on this device, then cast or audit (Benaloh).
//
// Why it works this way:
// - The link's token is taken out of the address bar at once (history.replaceState), so
//   it does not linger in history, screenshots or shoulder-surfing; it is kept in
//   sessionStorage for this tab only (a reload finds it again) and sent only with POSTs.
// - The fingerprint is recomputed here from the definition, the joint key and the
//   trustees' verification keys; on mismatch nothing is encrypted.
// - The server never chooses randomness: every ballot is encrypted here.  After the
//   voter sees the tracker they either cast that ballot or audit it; an audited ballot's
//   secrets are revealed and it is discarded, and the next review encrypts afresh.
// - No inline script (strict CSP): the election data arrives in a JSON data block.
// - A refused cast or audit is explained in the page's language: the API's stable error
//   code picks a sentence the server translated into the data block ("refusals").

import { warmUp, encryptBallot, auditData, checkAudit } from "/static/js/crypto/ballot.js";
import { electionFingerprint } from "/static/js/crypto/manifest.js";
import { describeRanking, firstToFix, isRanked, readRanking, setUpRanking } from "/static/js/vote_ranks.js";

const TOKEN_KEY = "ballot.voter-token";

const $ = (id) => document.getElementById(id);

function takeToken() {
  const match = /^\/v\/([A-Za-z0-9_-]{10,64})\/?$/.exec(location.pathname);
  let token = null;
  if (match) {
    token = match[1];
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (_) { /* private mode: memory only */ }
    history.replaceState(null, "", "/v/" + location.search);
  } else {
    try { token = sessionStorage.getItem(TOKEN_KEY); } catch (_) { token = null; }
  }
  return token;
}

function forgetToken() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch (_) { /* nothing kept */ }
}

// At a polling place (a committee-run device) the check-in's credential comes in the
// data block, never in the address: it is taken out of the page at once, kept in this
// script's memory only (no sessionStorage, no history), and forgotten when the device
// goes back to the check-in screen (location.replace: the ballot leaves no history entry).
const dataBlock = $("election-data");
const electionData = dataBlock ? JSON.parse(dataBlock.textContent) : null;
const device = electionData && electionData.device ? electionData.device : null;
if (device) {
  dataBlock.textContent = "";
  delete electionData.device;
}
let token = device ? device.token : takeToken();

function returnDevice() {
  token = null;
  location.replace(device.return_url);
}

// The language switcher needs the token in the URL to reach the page again.
for (const link of document.querySelectorAll("a[data-lang]")) {
  link.addEventListener("click", (event) => {
    if (!token) return;
    event.preventDefault();
    location.assign("/v/" + encodeURIComponent(token) + "?lang=" + encodeURIComponent(link.dataset.lang));
  });
}

if (electionData) {
  main(electionData).catch((error) => {
    showAlert(String(error && error.message ? error.message : error));
  });
} else {
  const state = $("state");
  if (state && state.dataset.state === "resume") {
    // A reload of /v/ after the token left the address bar: go back to this tab's ballot.
    if (token) location.replace("/v/" + encodeURIComponent(token) + location.search);
    else state.hidden = false;
  } else if (state && state.dataset.state !== "open") {
    forgetToken();
  }
}

function showAlert(message) {
  const alert = $("alert");
  const loading = $("loading");
  if (loading) loading.hidden = true;
  if (!alert) return;
  alert.textContent = message;
  alert.hidden = false;
  alert.focus();
}

function clearAlert() {
  const alert = $("alert");
  if (alert) { alert.hidden = true; alert.textContent = ""; }
}

function show(panelId) {
  for (const id of ["ballot-form", "review", "audit", "receipt"]) {
    const el = $(id);
    if (el) el.hidden = id !== panelId;
  }
  const heading = { review: "review-title", audit: "audit-title", receipt: "receipt-title" }[panelId];
  if (heading) $(heading).focus();
}

/** Why the server refused, in the page's language: the API's stable ``code`` picks a
 * sentence translated on the server; an unknown code shows the server's own message. */
function refusalText(result, refusals) {
  const payload = result.payload || {};
  if (payload.code && Object.prototype.hasOwnProperty.call(refusals, payload.code)) {
    return refusals[payload.code];
  }
  return payload.error ? payload.error : String(result.status);
}

function download(link, text, type) {
  const blob = new Blob([text], { type });
  if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
  link.dataset.url = URL.createObjectURL(blob);
  link.href = link.dataset.url;
}

function jsonDownload(link, value) {
  download(link, JSON.stringify(value, null, 2) + "\n", "application/json");
}

/**
 * A board time (UTC, ISO) in the page's language and the election's time zone, named as
 * the server names it (ballot.i18n.zone_name): the short name where the language has one
 * ("PDT"), else the long one ("hora de verano del Pacífico"), never an offset ("GMT-7").
 */
function localTime(iso, data) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const asked = (data.definition && data.definition.time_zone) || "UTC";
  const parts = { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit" };
  const format = (zone, name) => new Intl.DateTimeFormat(data.language, { ...parts, timeZone: zone, timeZoneName: name }).format(when);
  let zone = asked;
  try { format(zone, "short"); } catch (_) { zone = "UTC"; }
  const short = new Intl.DateTimeFormat(data.language, { timeZone: zone, timeZoneName: "short" })
    .formatToParts(when).find((p) => p.type === "timeZoneName");
  const offset = !short || /^(GMT|UTC)[+\u2212-]/.test(short.value) || !/^[A-Z]+$/.test(short.value);
  return format(zone, offset && zone !== "UTC" ? "long" : "short");
}

/** The receipt in words, for the voter to keep (the signed JSON is in the details). */
function receiptText(receipt, data, when) {
  const s = data.strings;
  const title = document.querySelector("h1") ? document.querySelector("h1").textContent.trim() : "";
  const board = new URL(data.board_url, window.location.href).href + "?tracker=" + encodeURIComponent(receipt.tracker_short);
  return [
    s.receipt_heading, "",
    `${s.receipt_election}: ${title}`,
    `${s.receipt_tracker}: ${receipt.tracker_short}`,
    `${s.receipt_time}: ${when}`, "",
    s.receipt_secret, "",
    ...(s.receipt_revote ? [s.receipt_revote, ""] : []),
    s.receipt_find, board, "",
  ].join("\n");
}

/** Codes after which this link can never cast: nothing is left to press. */
const FINAL_REFUSALS = new Set(["link_invalid", "link_used", "voting_closed", "link_revoked", "link_replaced", "election_not_ready", "challenged_final"]);

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
    referrerPolicy: "no-referrer",
  });
  let payload = null;
  try { payload = await response.json(); } catch (_) { payload = null; }
  return { status: response.status, ok: response.ok, payload };
}

/** Limit checkboxes to the question's maximum: the rest are disabled once it is reached. */
function limitChoices(fieldset, strings) {
  const max = Number(fieldset.dataset.max);
  const boxes = [...fieldset.querySelectorAll("input[type=checkbox]")];
  if (!boxes.length) return;
  const hint = fieldset.querySelector(".field-error");
  const update = () => {
    const chosen = boxes.filter((b) => b.checked).length;
    for (const box of boxes) box.disabled = !box.checked && chosen >= max;
    if (chosen >= max) {
      hint.textContent = strings.max_reached;
      hint.hidden = false;
      hint.classList.add("info");
    } else if (hint.classList.contains("info")) {
      hint.hidden = true;
      hint.classList.remove("info");
    }
  };
  for (const box of boxes) box.addEventListener("change", update);
  update();
}

/**
 * The selections, one per question on this ballot in definition order (canonical option
 * indices; a ranked race's in rank order), or null after marking what is missing.
 */
function readSelections(form, strings) {
  const selections = [];
  let firstBad = null;
  for (const fieldset of form.querySelectorAll("fieldset.question")) {
    if (isRanked(fieldset)) {
      const ranking = readRanking(fieldset, strings);
      if (ranking === null) firstBad = firstBad || fieldset;
      selections.push(ranking || []);
      continue;
    }
    const min = Number(fieldset.dataset.min);
    const max = Number(fieldset.dataset.max);
    const chosen = [...fieldset.querySelectorAll("input:checked")].map((i) => Number(i.value));
    const error = fieldset.querySelector(".field-error");
    if (chosen.length < min || chosen.length > max) {
      error.textContent = min === 1 && max === 1 ? strings.choose_one : strings.choose_min.replace("%(min)s", String(min));
      error.hidden = false;
      error.classList.remove("info");
      fieldset.setAttribute("aria-invalid", "true");
      firstBad = firstBad || fieldset;
    } else {
      if (!error.classList.contains("info")) error.hidden = true;
      fieldset.removeAttribute("aria-invalid");
    }
    selections.push(chosen);
  }
  if (firstBad) {
    const input = isRanked(firstBad) ? firstToFix(firstBad) : firstBad.querySelector("input:not([disabled])");
    if (input) input.focus();
    return null;
  }
  return selections;
}

function describeChoices(form, selections, strings) {
  const list = $("review-list");
  list.replaceChildren();
  form.querySelectorAll("fieldset.question").forEach((fieldset, qi) => {
    const item = document.createElement("li");
    const question = document.createElement("span");
    question.className = "review-question";
    question.textContent = fieldset.querySelector("legend").textContent.trim();
    const answer = document.createElement("strong");
    if (isRanked(fieldset)) {
      answer.textContent = selections[qi].length ? describeRanking(fieldset, selections[qi]) : strings.blank;
      item.append(question, document.createElement("br"), answer);
      list.append(item);
      return;
    }
    const labels = selections[qi].map((oi) => fieldset.querySelector(`input[value="${oi}"]`).dataset.label);
    answer.textContent = labels.length ? labels.join(", ") : strings.blank;
    item.append(question, document.createElement("br"), answer);
    list.append(item);
  });
}

/** Selections as the audit compares them: a ranking in its order, a choice as a set. */
function comparable(form, selections) {
  const fieldsets = [...form.querySelectorAll("fieldset.question")];
  return selections.map((q, qi) => (fieldsets[qi] && isRanked(fieldsets[qi]) ? [...q] : [...q].sort((a, b) => a - b)));
}

async function main(data) {
  const strings = data.strings;
  const refusals = data.refusals || {};
  const form = $("ballot-form");
  if (!token) { showAlert(strings.no_token); return; }
  if (device) {
    $("device-leave").addEventListener("click", returnDevice);
    $("device-done").addEventListener("click", returnDevice);
  }

  // Trust nothing the server says about the fingerprint: recompute it.
  const fingerprint = await electionFingerprint(data.definition, data.public_key, data.verification_keys);
  if (fingerprint !== data.fingerprint) { showAlert(strings.fingerprint_mismatch); return; }
  try {
    warmUp(data.public_key);
  } catch (error) {
    showAlert(strings.crypto_failed + " " + error.message);
    return;
  }

  for (const fieldset of form.querySelectorAll("fieldset.question")) {
    if (isRanked(fieldset)) setUpRanking(fieldset, strings);
    else limitChoices(fieldset, strings);
  }
  $("loading").hidden = true;
  form.hidden = false;

  let pending = null; // {ballot, secrets, tracker, trackerShort, selections}: the encrypted, uncast ballot
  const changeLabel = $("change-button").textContent;
  let busy = false;

  const setBusy = (value, message = "") => {
    busy = value;
    for (const id of ["review-button", "cast-button", "audit-button", "change-button"]) $(id).disabled = value;
    $("review-status").textContent = message;
  };

  // A review ready to cast: the tracker, Cast and the optional check are shown again.
  const offerCast = () => {
    $("review-tracker-line").hidden = false;
    $("cast-button").hidden = false;
    $("audit-offer").hidden = false;
    $("change-button").hidden = false;
    $("change-button").textContent = changeLabel;
    $("audit-offer").open = false;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearAlert();
    const selections = readSelections(form, strings);
    if (!selections) return;
    setBusy(true, strings.encrypting);
    try {
      pending = await encryptBallot(data.definition, data.public_key, data.fingerprint, selections);
    } catch (error) {
      setBusy(false);
      showAlert(strings.crypto_failed + " " + error.message);
      return;
    }
    describeChoices(form, selections, strings);
    pending.selections = selections;
    $("review-tracker").textContent = pending.trackerShort;
    setBusy(false);
    offerCast();
    show("review");
  });

  $("change-button").addEventListener("click", () => {
    pending = null; // never sent: an unused encryption is simply forgotten
    clearAlert();
    show("ballot-form");
    const first = form.querySelector("input:checked") || form.querySelector("input, select");
    if (first) first.focus();
  });

  $("cast-button").addEventListener("click", async () => {
    if (busy || !pending) return;
    clearAlert();
    setBusy(true, strings.submitting);
    let result;
    try {
      result = await post("/api/cast", { token, ballot: pending.ballot });
    } catch (_) {
      setBusy(false);
      showAlert(strings.network);
      return;
    }
    if (!result.ok) {
      setBusy(false);
      const code = (result.payload && result.payload.code) || "";
      const alert = $("alert");
      if (alert) alert.dataset.code = code;
      // A refused ballot is never cast: its tracker will never appear on the board, so
      // neither it nor its Cast button stays on the page.
      pending = null;
      $("review-tracker-line").hidden = true;
      $("cast-button").hidden = true;
      $("audit-offer").hidden = true;
      if (FINAL_REFUSALS.has(code)) {
        $("change-button").hidden = true;
      } else {
        $("change-button").textContent = strings.start_again;
      }
      showAlert(strings.refused + " " + refusalText(result, refusals));
      return;
    }
    const receipt = result.payload;
    pending = null;
    if (device) token = null; else forgetToken();
    $("receipt-short").textContent = receipt.tracker_short;
    $("receipt-tracker").textContent = receipt.tracker;
    $("receipt-seq").textContent = String(receipt.seq);
    $("receipt-head").textContent = receipt.head.head;
    const when = localTime(receipt.head.at, data);
    $("receipt-time").textContent = when;
    $("receipt-find").href = data.board_url + "?tracker=" + encodeURIComponent(receipt.tracker_short) + "&lang=" + data.language;
    if (!device) {
      jsonDownload($("receipt-download"), receipt);
      download($("receipt-save"), receiptText(receipt, data, when), "text/plain;charset=utf-8");
    }
    setBusy(false);
    for (const id of ["review-button", "cast-button", "audit-button", "change-button"]) $(id).disabled = true;
    // The page now says only what is true: voted. "You can vote in ..." goes.
    const state = $("state");
    if (state) state.hidden = true;
    for (const box of document.querySelectorAll(".secrecy, .revote")) box.hidden = true;
    show("receipt");
  });

  $("audit-button").addEventListener("click", async () => {
    if (busy || !pending) return;
    clearAlert();
    const audit = auditData(pending.ballot, pending.secrets);
    const chosen = pending.selections;
    pending = null; // this ballot is spoiled: it must never be cast
    $("audit-json").value = JSON.stringify(audit, null, 2);
    if (!device) jsonDownload($("audit-download"), audit);
    $("audit-status").textContent = "";
    $("audit-result").textContent = "";
    $("audit-result").className = "status-line";
    show("audit");
    // The check itself, in words: re-encrypt the opened ballot and compare with the choice.
    try {
      const opened = await checkAudit(data.definition, data.public_key, data.fingerprint, audit);
      const same = JSON.stringify(comparable(form, opened)) === JSON.stringify(comparable(form, chosen));
      $("audit-result").textContent = same ? strings.audit_passed : strings.audit_mismatch;
      $("audit-result").classList.add(same ? "result-ok" : "result-bad");
    } catch (_) {
      $("audit-result").textContent = strings.audit_failed;
      $("audit-result").classList.add("result-bad");
    }
    setBusy(true);
    try {
      const result = await post("/api/audited-ballots", { token, audit });
      if (result.ok) {
        $("audit-status").textContent = strings.audit_posted.replace("%(seq)s", String(result.payload.seq));
      } else {
        $("audit-status").textContent = strings.audit_post_failed + " " + refusalText(result, refusals);
      }
    } catch (_) {
      $("audit-status").textContent = strings.network;
    } finally {
      setBusy(false);
    }
  });

  $("audit-done").addEventListener("click", () => {
    show("ballot-form");
    const first = form.querySelector("input:checked") || form.querySelector("input, select");
    if (first) first.focus();
  });
}
