// The window station: a scan (the scanner types the token and Enter) is sent without reloading
// the page, and the server's verdict replaces the last one. Without this script the forms post as
// usual and the server renders the whole page; with it the clerk never waits for a reload, and
// when the server cannot be reached the card is checked in the browser (offline.js).

const form = document.getElementById("scan-form");
const input = document.getElementById("token");
const area = document.getElementById("verdict-area");

// show puts html in the verdict area, with the time from Enter to verdict on the verdict.
function show(html, started) {
  area.innerHTML = html;
  const v = document.getElementById("verdict");
  if (v) v.dataset.ms = (performance.now() - started).toFixed(1);
}

async function submitScan(event) {
  event.preventDefault();
  const token = input.value.trim();
  if (!token) return;
  const started = performance.now();
  input.value = "";
  input.focus();
  let res;
  try {
    res = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Station": "fragment" },
      body: new URLSearchParams({ token }),
    });
  } catch (err) {
    // A network error, not an answer: check the card here.
    await offline(token, started);
    return;
  }
  if (res.redirected || res.status === 401) {
    window.location.assign("/login?next=/window");
    return;
  }
  show(await res.text(), started);
}

async function offline(token, started) {
  try {
    const m = await import("./offline.js");
    await m.verifyOffline(token, area);
    const v = document.getElementById("verdict");
    if (v) v.dataset.ms = (performance.now() - started).toFixed(1);
  } catch (err) {
    area.innerHTML = "";
    const p = document.createElement("p");
    p.className = "alert bad";
    p.id = "problem";
    p.setAttribute("role", "alert");
    p.textContent = document.documentElement.lang === "en"
      ? "The server cannot be reached; check the network"
      : "无法连接服务器，请检查网络";
    area.append(p);
  }
}

form.addEventListener("submit", submitScan);
input.focus();
