/**
 * SHA-512 and SHA-256 through WebCrypto (async).  No hand-written hash: the
 * platform's is audited and fast.  Note that browsers expose crypto.subtle
 * only in secure contexts (HTTPS or localhost).
 */

function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw new Error("WebCrypto (crypto.subtle) is unavailable: the page must be served over HTTPS");
  return s;
}

export async function sha512(bytes) {
  return new Uint8Array(await subtle().digest("SHA-512", bytes));
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}
