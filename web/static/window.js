// The window station: a scan (the scanner types the token and Enter) is sent without reloading
// the page, and the server's verdict replaces the last one; so are the lookup by serial and the
// actions on the verdict (record a use, void one, file an agent request). Without this script the
// forms post as usual and the server renders the whole page; with it the clerk never waits for a
// reload, the scan input keeps the focus for the next scan, a tablet can scan with its camera, and
// when the server cannot be reached the card is checked in the browser (offline.js).

const form = document.getElementById("scan-form");
const input = document.getElementById("token");
const area = document.getElementById("verdict-area");
const english = document.documentElement.lang === "en";

// say picks the reader's language.
const say = (zh, en) => (english ? en : zh);

// show puts html in the verdict area, with the time from Enter to verdict on the verdict, and
// gives the focus back to the scan input for the next card.
function show(html, started) {
  area.innerHTML = html;
  stamp(started);
  input.focus();
}

function stamp(started) {
  const v = document.getElementById("verdict");
  if (v) v.dataset.ms = (performance.now() - started).toFixed(1);
}

// problem shows a refusal the page itself found, in place of the verdict.
function problem(text) {
  area.innerHTML = "";
  const p = document.createElement("p");
  p.className = "alert bad";
  p.id = "problem";
  p.setAttribute("role", "alert");
  p.textContent = text;
  area.append(p);
  input.focus();
}

let busy = false;

// post sends a station form for the verdict area alone; body is its fields.
async function post(action, body, started, token) {
  let res;
  try {
    res = await fetch(action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Station": "fragment" },
      body,
    });
  } catch (err) {
    // A network error, not an answer: check a scanned card here.
    if (token) {
      await offline(token, started);
    } else {
      problem(say("无法连接服务器，请检查网络", "The server cannot be reached; check the network"));
    }
    return;
  }
  if (res.redirected || res.status === 401) {
    window.location.assign("/login?next=/window");
    return;
  }
  show(await res.text(), started);
}

// send submits a form through post, one at a time, with its buttons off meanwhile.
async function send(f, started, token) {
  if (busy) return;
  busy = true;
  const buttons = f.querySelectorAll("button");
  buttons.forEach((b) => (b.disabled = true));
  try {
    await post(f.action, new URLSearchParams(new FormData(f)), started, token);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    busy = false;
  }
}

async function submitScan(event) {
  event.preventDefault();
  const started = performance.now();
  const token = input.value.trim();
  if (!token) return;
  input.value = "";
  input.focus();
  if (busy) return;
  busy = true;
  try {
    await post(form.action, new URLSearchParams({ token }), started, token);
  } finally {
    busy = false;
  }
}

async function offline(token, started) {
  try {
    const m = await import("./offline.js");
    await m.verifyOffline(token, area);
    stamp(started);
    input.focus();
  } catch (err) {
    problem(say("无法连接服务器，请检查网络", "The server cannot be reached; check the network"));
  }
}

form.addEventListener("submit", submitScan);

// The lookup by serial and the verdict's own forms (which the server replaces with each answer).
const lookup = document.getElementById("lookup-form");
lookup.addEventListener("submit", async (event) => {
  event.preventDefault();
  const started = performance.now();
  await send(lookup, started);
  document.getElementById("id_last4").value = "";
});
area.addEventListener("submit", (event) => {
  const f = event.target;
  if (!(f instanceof HTMLFormElement)) return;
  event.preventDefault();
  send(f, performance.now());
});

// The camera: frames of the video are searched for a QR code with jsQR (vendored, loaded on the
// first use); the decoded text goes into the scan input and is submitted, as a scanner's would be.
const camera = document.getElementById("camera");
const box = document.getElementById("camera-box");
const video = document.getElementById("camera-view");
const status = document.getElementById("camera-status");
const startLabel = camera.textContent;
let stream = null;
let decoder = null;
let timer = 0;
let starting = false;

function loadDecoder() {
  if (decoder) return decoder;
  decoder = new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = camera.dataset.decoder;
    s.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR missing")));
    s.onerror = () => reject(new Error("jsQR did not load"));
    document.head.append(s);
  });
  decoder.catch(() => (decoder = null));
  return decoder;
}

function stopCamera() {
  clearTimeout(timer);
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  video.srcObject = null;
  box.hidden = true;
  camera.textContent = startLabel;
  camera.setAttribute("aria-pressed", "false");
}

async function startCamera() {
  if (starting) return;
  starting = true;
  try {
    await openCamera();
  } finally {
    starting = false;
  }
}

async function openCamera() {
  box.hidden = false;
  camera.textContent = camera.dataset.stopLabel;
  camera.setAttribute("aria-pressed", "true");
  status.textContent = say("正在打开摄像头…", "Opening the camera…");
  let jsQR;
  try {
    [jsQR, stream] = await Promise.all([
      loadDecoder(),
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
    ]);
  } catch (err) {
    stopCamera();
    box.hidden = false;
    status.textContent = say("无法打开摄像头，请改用扫码枪或按卡号核验", "The camera cannot be opened; use the scanner or the lookup by serial");
    return;
  }
  video.srcObject = stream;
  await video.play().catch(() => {});
  status.textContent = say("请将二维码对准摄像头", "Hold the QR code to the camera");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const look = () => {
    if (!stream) return;
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (w && h) {
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const code = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        stopCamera();
        input.value = code.data;
        form.requestSubmit();
        return;
      }
    }
    timer = setTimeout(look, 120);
  };
  look();
}

if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  camera.hidden = false;
  camera.setAttribute("aria-pressed", "false");
  camera.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
}

input.focus();
