// A green card's QR token read and judged in the browser, for the window station when the server
// cannot be reached. The token's layout is internal/cardtoken's (see its package comment): base32
// without padding, then format 0x01, key id (4 bytes), card version (uvarint), grade and serial
// length (1 byte), expiry (2 bytes, days from 2000-01-01 to the last valid day), serial, and a
// 64-byte Ed25519 signature of "talentd green card v1" followed by every byte before it.

const MAX_TOKEN = 150;
const SIG_LEN = 64;
const MAX_SERIAL = 24;
const CONTEXT = new TextEncoder().encode("talentd green card v1");
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const DAY_MS = 86400000;
const EPOCH_2000 = Date.UTC(2000, 0, 1);
// The district keeps China Standard Time, UTC+8 all year.
const DISTRICT_OFFSET_MS = 8 * 3600000;

// base32 decodes the canonical unpadded upper-case text, or returns null: the same text only one
// encoder could have written, as the server accepts.
function base32(text) {
  const rem = text.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) return null;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  // Bits left over must be zero, or another text would decode to the same bytes.
  if (value & ((1 << bits) - 1)) return null;
  return out;
}

// parseToken reads a scanned token's claims without checking its signature, or returns null for
// anything that is not a token.
export function parseToken(scanned) {
  const text = String(scanned).trim().replace(/[a-z]/g, (c) => c.toUpperCase());
  if (text.length === 0 || text.length > MAX_TOKEN) return null;
  const raw = base32(text);
  if (!raw || raw.length < 1 + 4 + 1 + 1 + 2 + 1 + SIG_LEN || raw[0] !== 0x01) return null;
  const keyId = ((raw[1] << 24) >>> 0) + (raw[2] << 16) + (raw[3] << 8) + raw[4];
  let version = 0;
  let off = 5;
  for (let shift = 0; ; shift += 7) {
    if (off >= raw.length || shift > 28) return null;
    const b = raw[off++];
    version += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) {
      // Minimal encoding only: a last byte of zero after others pads the number.
      if (b === 0 && shift > 0) return null;
      break;
    }
  }
  if (version > 0xffffffff || off + 3 > raw.length) return null;
  const grade = raw[off] >> 5;
  const n = raw[off] & 0x1f;
  if (grade > 3 || n < 1 || n > MAX_SERIAL || raw.length !== off + 3 + n + SIG_LEN) return null;
  const expiryDays = (raw[off + 1] << 8) | raw[off + 2];
  const serial = new TextDecoder().decode(raw.subarray(off + 3, off + 3 + n));
  if (!/^[A-Z0-9-]+$/.test(serial)) return null;
  const payload = raw.subarray(0, off + 3 + n);
  return {
    keyId: String(keyId),
    version,
    grade: "ABCD"[grade],
    serial,
    expiryDays,
    expiresOn: new Date(EPOCH_2000 + expiryDays * DAY_MS).toISOString().slice(0, 10),
    payload,
    signature: raw.subarray(off + 3 + n),
  };
}

// verifySignature checks the token's signature with the published key (a JWK of /v1/greencard/keys).
export async function verifySignature(claims, jwk) {
  const key = await crypto.subtle.importKey("jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
    { name: "Ed25519" }, false, ["verify"]);
  const message = new Uint8Array(CONTEXT.length + claims.payload.length);
  message.set(CONTEXT);
  message.set(claims.payload, CONTEXT.length);
  return crypto.subtle.verify({ name: "Ed25519" }, key, claims.signature, message);
}

// districtDays is today's date in the district as days from 2000-01-01, the token's expiry unit.
export function districtDays(now = Date.now()) {
  return Math.floor((now + DISTRICT_OFFSET_MS - EPOCH_2000) / DAY_MS);
}

// judge gives the reason of the verdict on a card whose signature verified, as the server would
// from what the revocation list says of its serial (see revocationEntry), in the server's order:
// superseded, suspended, revoked, expired.
export function judge(claims, entry, today = districtDays()) {
  if (entry) {
    if (entry.superseded?.includes(claims.version) || (entry.status && entry.status.version > claims.version)) {
      return "superseded";
    }
    if (entry.status && (entry.status.reason === "suspended" || entry.status.reason === "revoked")) {
      return entry.status.reason;
    }
  }
  if (claims.expiryDays < today) return "expired";
  return "valid";
}

// applyRevocation folds one change of the revocation list into the entries by serial: a
// superseded version is remembered for ever; the card's latest status (suspended, revoked, or
// active again) replaces the one before.
export function applyRevocation(entries, change) {
  const entry = entries[change.serial] ?? (entries[change.serial] = {});
  if (change.reason === "superseded") {
    entry.superseded = [...new Set([...(entry.superseded ?? []), change.version])];
  } else {
    entry.status = { version: change.version, reason: change.reason, since: change.since };
  }
}
