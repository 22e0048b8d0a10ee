// The window station's offline mode (offline-station.js), started as soon as the page loads it.
//
// window.js imports "./offline.js" when a scan cannot reach the server. The page loads this file
// early under its versioned address (offline.js?v=…), which the browser keeps apart from the plain
// one; so the early copy also imports the plain address while the network is up, and window.js
// later finds it in the page's module map instead of the unreachable server. Both copies share the
// one station module.

import { init } from "./offline-station.js";

export { flushQueue, init, refreshNow, renderQueue, verifyOffline } from "./offline-station.js";

init();

if (new URL(import.meta.url).search) {
  import("./offline.js").catch(() => {});
}
