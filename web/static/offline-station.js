// The window station's offline mode. While the server answers, the station keeps in localStorage
// what it needs to check a card without it: the published signing keys, the revocation list
// (fetched incrementally with its cursor), the service catalogue and the verdicts' wording. When a
// scan cannot reach the server (window.js), verifyOffline checks the card here and lets the clerk
// record uses, which wait in a queue, each under a key of its own, until the server is back; a
// use the server then refuses (a quota spent meanwhile) stays in the queue panel with its reason.

import { applyRevocation, judge, parseToken, verifySignature } from "./offline-card.js";

const REFRESH_MS = 60000;
const STORE = {
  keys: "talentd.offline.keys",
  revocations: "talentd.offline.revocations",
  services: "talentd.offline.services",
  reasons: "talentd.offline.reasons",
  queue: "talentd.offline.queue",
};

const english = () => document.documentElement.lang === "en";
const t = (zh, en) => (english() ? en : zh);

function load(name, fallback) {
  try {
    const raw = localStorage.getItem(STORE[name]);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

function save(name, value) {
  localStorage.setItem(STORE[name], JSON.stringify(value));
}

// getJSON reads an API answer; it throws on a network error and on any status but 200.
async function getJSON(path) {
  const res = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

// refreshLists brings the keys, the catalogue, the verdicts' wording and the revocation list up to
// date, each stored as soon as it arrives.
async function refreshLists() {
  const keys = await getJSON("/v1/greencard/keys");
  save("keys", { keys: keys.keys, at: new Date().toISOString() });

  const catalogue = await getJSON("/v1/greencard/services");
  save("services", catalogue.items.map((s) => ({ code: s.code, name_zh: s.name_zh, name_en: s.name_en || s.name_zh,
    eligible: s.eligible })));

  const vocabularies = await getJSON("/v1/vocabularies");
  const reasons = {};
  for (const term of vocabularies.verdict_reason ?? []) reasons[term.code] = { zh: term.zh, en: term.en };
  save("reasons", reasons);

  const list = load("revocations", { cursor: "", entries: {}, at: null });
  for (let page = 0; page < 1000; page++) {
    const query = list.cursor ? `?cursor=${encodeURIComponent(list.cursor)}` : "";
    const answer = await getJSON(`/v1/greencard/revocations${query}`);
    for (const change of answer.items) applyRevocation(list.entries, change);
    list.cursor = answer.next_cursor;
    if (!answer.more) break;
  }
  list.at = new Date().toISOString();
  save("revocations", list);
}

// shared makes run a task that one call at a time performs: a call while it runs gets its promise.
function shared(run) {
  let running = null;
  // .finally runs after the assignment even when run settles at once.
  return () => (running ??= run().finally(() => { running = null; }));
}

// refreshNow sends the queued uses and brings the stored lists up to date; calls made while one
// runs share it. It never throws: an unreachable server leaves the stored lists as they were.
export const refreshNow = shared(async () => {
  try {
    await flushQueue();
    await refreshLists();
    return true;
  } catch {
    return false;
  } finally {
    renderQueue();
  }
});

// --- the queue of uses recorded offline ---------------------------------------------------------

function updateQueue(change) {
  const queue = load("queue", []);
  save("queue", change(queue));
  renderQueue();
}

// flushQueue sends each waiting use once; the idempotency key makes a resend after a lost answer
// record nothing more. A use the server refuses (409, 422) is kept as refused with the server's
// reason for the clerk; a network error or any other answer leaves the rest for later.
export const flushQueue = shared(async () => {
  for (const use of load("queue", []).filter((u) => u.state === "pending")) {
    let res;
    try {
      res = await fetch("/v1/greencard/uses", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Idempotency-Key": use.key },
        body: JSON.stringify({ token: use.token, service: use.service, used_at: use.used_at, note: "离线登记" }),
      });
    } catch {
      return;
    }
    if (res.ok) {
      updateQueue((q) => q.filter((u) => u.key !== use.key));
    } else if (res.status === 409 || res.status === 422) {
      const detail = await problemText(res);
      updateQueue((q) => q.map((u) => (u.key === use.key ? { ...u, state: "refused", detail } : u)));
    } else {
      return;
    }
  }
});

// problemText is what a problem+json answer tells the clerk: its detail, and the first field's.
async function problemText(res) {
  try {
    const p = await res.json();
    const field = p.errors?.[0]?.message;
    return field ? `${p.detail}：${field}` : p.detail || String(res.status);
  } catch {
    return String(res.status);
  }
}

function enqueue(claims, service) {
  const use = { key: crypto.randomUUID(), token: claims.token, serial: claims.serial, service: service.code,
    name_zh: service.name_zh, name_en: service.name_en, used_at: new Date().toISOString(), state: "pending" };
  updateQueue((q) => [...q, use]);
  if (navigator.onLine) flushQueue();
}

// --- what the clerk sees ------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const timeFormat = () => new Intl.DateTimeFormat(english() ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });

function when(iso) {
  return iso ? timeFormat().format(new Date(iso)) : t("从未更新", "never");
}

function listAge() {
  return t("吊销名单更新于 ", "Revocation list of ") + when(load("revocations", {}).at);
}

// renderQueue shows the waiting and refused uses in #offline-queue (made under the verdict area's
// parent when the page has none), hidden while the queue is empty.
export function renderQueue() {
  const area = document.getElementById("verdict-area");
  let panel = document.getElementById("offline-queue");
  if (!panel) {
    if (!area?.parentElement) return;
    panel = el("section", { id: "offline-queue", class: "card", "aria-live": "polite" });
    area.after(panel);
  }
  const queue = load("queue", []);
  const pending = queue.filter((u) => u.state === "pending").length;
  const items = queue.map((u) => {
    const name = english() ? u.name_en : u.name_zh;
    const what = `${name} · ${u.serial} · ${when(u.used_at)}`;
    if (u.state === "pending") {
      return el("li", { "data-state": "pending", "data-key": u.key }, `${what} · ${t("待上传", "waiting to be sent")}`);
    }
    const dismiss = el("button", { type: "button" }, t("知道了", "Dismiss"));
    dismiss.addEventListener("click", () => updateQueue((q) => q.filter((x) => x.key !== u.key)));
    return el("li", { "data-state": "refused", "data-key": u.key, class: "alert bad" },
      `${what} · ${t("未能登记：", "not recorded: ")}${u.detail} `, dismiss);
  });
  panel.replaceChildren(
    el("h2", {}, t("离线登记的服务使用", "Uses recorded offline")),
    el("p", { class: "hint" }, `${t("待上传", "Waiting")} ${pending} · ${listAge()}`),
    el("ul", {}, ...items),
  );
  panel.hidden = queue.length === 0;
}

function reasonText(code) {
  const r = load("reasons", {})[code];
  return r ? t(r.zh, r.en) : code;
}

function verdictSection(tone, heading, ...body) {
  return el("section", { id: "verdict", class: `verdict ${tone}`, "data-tone": tone, "data-offline": "true",
    "aria-live": "assertive" },
  el("h2", {}, heading),
  el("p", { class: "offline-mark" }, el("strong", {}, t("离线核验", "Checked offline")), ` · ${listAge()}`),
  ...body);
}

// verifyOffline checks the scanned token in the browser and puts the verdict in area: the
// signature with the published key, then the revocation list and the expiry date in the district.
// A valid card lists its class's services, each with a button that queues a use.
export async function verifyOffline(token, area) {
  area.replaceChildren(await verdictOf(String(token)));
  renderQueue();
}

async function verdictOf(token) {
  const claims = parseToken(token);
  if (!claims) return refusal("malformed");
  const keys = load("keys", null);
  if (!keys) {
    return verdictSection("warn", t("无法离线核验", "Cannot check offline"),
      el("p", {}, t("本机尚未下载离线核验数据，请恢复网络后再试", "This station has no offline data yet; restore the network and try again")));
  }
  const jwk = keys.keys.find((k) => k.kid === claims.keyId);
  if (!jwk) return refusal("unknown_key", claims);
  let good;
  try {
    good = await verifySignature(claims, jwk);
  } catch {
    return verdictSection("warn", t("无法离线核验", "Cannot check offline"),
      el("p", {}, t("此浏览器不支持离线核验签名，请恢复网络后再试", "This browser cannot check the signature; restore the network and try again")));
  }
  if (!good) return refusal("bad_signature", claims);
  const reason = judge(claims, load("revocations", { entries: {} }).entries[claims.serial]);
  if (reason !== "valid") return refusal(reason, claims);

  claims.token = token.trim();
  const services = load("services", []).filter((s) => s.eligible.includes(claims.grade));
  const list = el("ul", { class: "services" }, ...services.map((s) => {
    const button = el("button", { type: "button", "data-service": s.code }, t("离线登记使用", "Record use offline"));
    button.addEventListener("click", () => {
      enqueue(claims, s);
      button.disabled = true;
      button.textContent = t("已登记，待上传", "Recorded, waiting to be sent");
    });
    return el("li", {}, el("span", {}, english() ? s.name_en : s.name_zh), " ", button);
  }));
  return verdictSection("ok", `${t("有效", "Valid")}：${reasonText("valid")}`, cardLine(claims),
    el("p", { class: "hint" }, t("离线时无法查询剩余次数，恢复网络后上传时核对", "Quotas cannot be checked offline; they are when the uses are sent")),
    list);
}

function cardLine(claims) {
  return el("p", {}, `${claims.serial} · ${claims.grade} · ${claims.expiresOn}`);
}

function refusal(reason, claims) {
  return verdictSection("bad", `${t("无效", "Not valid")}：${reasonText(reason)}`, claims ? cardLine(claims) : null);
}

// --- start ------------------------------------------------------------------------------------

let started = false;

// init starts the station's offline mode once: a refresh now, every minute while online, and a
// delivery of the queue whenever the network returns.
export function init() {
  if (started) return;
  started = true;
  renderQueue();
  if (navigator.onLine) refreshNow();
  setInterval(() => {
    if (navigator.onLine) refreshNow();
  }, REFRESH_MS);
  window.addEventListener("online", () => refreshNow());
}
