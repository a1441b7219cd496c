// The public audit page: check a Benaloh-audited ballot twice, independently:
// in this browser (the twin's checkAudit re-encrypts every slot from the revealed
// secrets, against a fingerprint recomputed here) and on the server (check_audit).

import { checkAudit } from "/static/js/crypto/ballot.js";
import { electionFingerprint } from "/static/js/crypto/manifest.js";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("audit-data").textContent);
const strings = page.strings;

function textIn(texts) {
  if (texts && typeof texts === "object") return texts[page.language] || texts.en || "";
  return String(texts || "");
}

async function checkInBrowser(electionId, audit) {
  const response = await fetch(`/api/elections/${encodeURIComponent(electionId)}/public`, { cache: "no-store" });
  if (!response.ok) throw new Error(strings.no_election);
  const pub = await response.json();
  const fingerprint = await electionFingerprint(pub.definition, pub.joint_public_key, pub.verification_keys);
  if (fingerprint !== pub.fingerprint) throw new Error(strings.fingerprint_mismatch);
  const selections = await checkAudit(pub.definition, pub.joint_public_key, fingerprint, audit);
  return pub.definition.questions.map((q, qi) => ({
    question: textIn(q.text),
    choices: selections[qi].map((oi) => textIn(q.options[oi].text)),
  }));
}

$("audit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const electionId = $("election").value.trim();
  const raw = $("audit-input").value;
  const browser = $("browser-result");
  const server = $("server-result");
  const list = $("browser-choices");
  list.replaceChildren();
  browser.className = server.className = "";
  browser.textContent = strings.checking;
  server.textContent = "";
  let audit;
  try {
    audit = JSON.parse(raw);
  } catch (error) {
    browser.textContent = strings.not_json;
    browser.className = "result-bad";
    return;
  }
  try {
    const result = await checkInBrowser(electionId, audit);
    browser.textContent = strings.browser_ok;
    browser.className = "result-ok";
    for (const { question, choices } of result) {
      const item = document.createElement("li");
      item.textContent = `${question} — ${choices.length ? choices.join(", ") : strings.blank}`;
      list.append(item);
    }
  } catch (error) {
    browser.textContent = strings.browser_bad + " " + (error && error.message ? error.message : error);
    browser.className = "result-bad";
  }
  try {
    const response = await fetch(`/api/elections/${encodeURIComponent(electionId)}/audit-check`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: raw,
      credentials: "omit",
    });
    const payload = await response.json();
    if (response.ok && payload.valid) {
      server.textContent = strings.server_ok + " " + payload.tracker_short;
      server.className = "result-ok";
    } else {
      server.textContent = strings.server_bad + " " + (payload.error || response.status);
      server.className = "result-bad";
    }
  } catch (error) {
    server.textContent = strings.server_bad + " " + String(error);
    server.className = "result-bad";
  }
});
