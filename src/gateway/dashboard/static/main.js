import { createAccountView } from "./account-view.js";
import { createApi } from "./api.js";
import { byId } from "./dom.js";
import { renderNodes, renderStatus } from "./network-view.js";
import { createQuickTest } from "./quick-test.js";

/** How often the network figures are reloaded while the page is visible. */
const REFRESH_MS = 5000;

// This gateway's own API, whatever path the dashboard is served under.
const api = createApi(new URL("../api/v1/", document.baseURI));
const account = createAccountView(api);
let refreshing = false;

async function refreshNetwork() {
  if (refreshing) return;
  refreshing = true;
  const banner = byId("network-error");
  try {
    const [status, list] = await Promise.all([api.status(), api.nodes()]);
    renderStatus(status);
    renderNodes(Array.isArray(list.nodes) ? list.nodes : [], Date.now());
    quickTest.setCapabilities(Array.isArray(status.capabilities) ? status.capabilities : []);
    banner.hidden = true;
  } catch (err) {
    banner.textContent = `Cannot load the network status: ${err instanceof Error ? err.message : String(err)}`;
    banner.hidden = false;
  } finally {
    refreshing = false;
  }
}

const quickTest = createQuickTest(api, {
  key: account.key,
  onFinished: () => {
    account.refresh().catch(() => {});
    refreshNetwork().catch(() => {});
  },
});

function schedule() {
  setTimeout(() => {
    const next = document.hidden ? Promise.resolve() : refreshNetwork();
    next.finally(schedule).catch(() => {});
  }, REFRESH_MS);
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refreshNetwork().catch(() => {});
});

refreshNetwork().catch(() => {});
account.refresh().catch(() => {});
schedule();
