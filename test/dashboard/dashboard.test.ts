import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gate, TestStack } from "../helpers/stack.js";
import { createClientKey, startNetwork, type TestNetwork } from "./network.js";

/** Debian's Chromium. Without it the suite is skipped, except on CI, where it must be there. */
const CHROMIUM = "/usr/bin/chromium";
const runBrowser = existsSync(CHROMIUM) || process.env.CI === "true";

const HOSTILE_NAME = "<img src=x onerror=alert(1)>";
const SCREENSHOT = resolve("test-output/dashboard.png");
const SCREENSHOT_NARROW = resolve("test-output/dashboard-narrow.png");

/** Waits for what the page shows after a request; the slow one spans a refresh of the page (5 s). */
const POLL = { timeout: 10_000, interval: 50 };
const SLOW_POLL = { timeout: 15_000, interval: 100 };

/** The digits of a figure shown on the page ("1,000" → 1000, "−10" → -10). */
function figure(text: string | null): number {
  const digits = (text ?? "").replace(/[^\d]/g, "");
  return (/^\s*[−-]/.test(text ?? "") ? -1 : 1) * Number(digits);
}

describe.skipIf(!runBrowser)("dashboard in a headless browser, on a real network", () => {
  const stack = new TestStack();
  /** Released by the test once it has seen the first streamed piece in the page. */
  const streamGate = gate();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  /** Every URL the page requested that carried an Authorization header. */
  const keyedRequests: string[] = [];
  let net: TestNetwork;
  let browser: Browser;
  let page: Page;
  let key: string;

  beforeAll(async () => {
    net = await startNetwork(stack, [
      {
        name: HOSTILE_NAME,
        labels: { note: "<b>bold</b>" },
        handlers: {
          // Streams its first word, then waits for the test, so the page is seen showing a partial output.
          upper: async function* (content) {
            const [first = "", ...rest] = content.split(/(?<= )/);
            yield first.toUpperCase();
            await streamGate.promise;
            yield rest.join("").toUpperCase();
          },
        },
      },
      { name: "plain-worker", handlers: { echo: (c) => c } },
    ]);
    key = await createClientKey(net.url, "dashboard user");

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    stack.defer(() => browser.close());
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("console", (msg) => {
      // CSP violations are reported as console errors.
      if (msg.type() === "error") pageErrors.push(msg.text());
    });
    page.on("request", (request) => {
      if (request.headers().authorization !== undefined) keyedRequests.push(request.url());
    });
  }, 60_000);

  afterAll(() => stack.close(), 30_000);

  it("loads, lists both nodes with the hostile name as text, and runs a streamed quick test that is billed", async () => {
    const response = await page.goto(`${net.url}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${net.url}/dashboard/`);
    await expect(page.title()).resolves.toMatch(/Switchyard/);

    // Status cards and the node table.
    const rows = page.locator("#nodes-body tr");
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    expect(await page.locator("#nodes-body .node-name").allTextContents()).toEqual([
      HOSTILE_NAME,
      "plain-worker",
    ]);
    expect(await page.locator("#nodes-body img, #nodes-body b").count()).toBe(0);
    expect(await page.locator("#stat-nodes").textContent()).toBe("2");
    expect(await page.locator("#stat-capabilities").textContent()).toBe("2");

    // The key: kept in this browser, the account panel shows its balance and history.
    await page.locator("#key-input").fill(key);
    await page.getByRole("button", { name: "Use key" }).click();
    await page.locator("#account-details").waitFor();
    const before = figure(await page.locator("#balance-value").textContent());
    expect(before).toBe(1000);
    expect(await page.evaluate('localStorage.getItem("switchyard.dashboard.apiKey")')).toBe(key);

    // Until the user picks a task type, the first capability online is offered.
    await expect(page.locator("#test-capability").inputValue()).resolves.toBe("echo");
    expect(await page.locator("#test-custom").isHidden()).toBe(true);

    // Params are checked before anything is sent.
    await page.locator("#test-capability").selectOption("upper");
    await page.locator("#test-params").fill("{not json");
    await page.locator("#test-content").fill("hello from the dashboard");
    await page.getByRole("button", { name: "Run" }).click();
    await expect(page.locator("#test-params-error").textContent()).resolves.toMatch(/not valid JSON/);
    expect(await page.locator("#test-params").getAttribute("aria-invalid")).toBe("true");
    expect(keyedRequests.some((u) => u.endsWith("/api/v1/jobs"))).toBe(false);

    // A streamed run: the first piece shows before the job finishes, then the result summary.
    await page.locator("#test-params").fill('{"shout": true}');
    await page.getByRole("button", { name: "Run" }).click();
    await expect.poll(() => page.locator("#test-output").textContent(), POLL).toBe("HELLO ");
    expect(await page.locator("#test-summary").isHidden()).toBe(true);
    streamGate.open();
    await page.locator("#test-summary").waitFor();
    expect(await page.locator("#test-output").textContent()).toBe("HELLO FROM THE DASHBOARD");
    expect(await page.locator("#test-status").textContent()).toBe("Done.");
    const cost = figure(await page.locator("#test-cost").textContent());
    expect(cost).toBe(10);
    expect(await page.locator("#test-chunks").textContent()).toBe("1");
    const jobId = (await page.locator("#test-job").textContent()) ?? "";
    expect(jobId).toMatch(/^job_/);

    // The account panel refreshes: the balance went down by the cost, and the charge is listed.
    await expect
      .poll(() => page.locator("#balance-value").textContent(), POLL)
      .toBe((before - cost).toLocaleString("en-US"));
    const newest = page.locator("#tx-body tr").first();
    await expect(newest.locator("td").nth(1).textContent()).resolves.toBe("charge");
    expect(figure(await newest.locator("td").nth(2).textContent())).toBe(-cost);
    await expect(newest.locator("td").nth(3).textContent()).resolves.toBe(jobId);

    // The node's success figures come with the next refresh of the table.
    const successCell = page.locator("#nodes-body tr").first().locator("td").nth(4).locator("span").first();
    await expect.poll(() => successCell.textContent(), SLOW_POLL).toBe("100%");

    // The job shows in the 24-hour figures once the caches (a second in the router and the gateway)
    // have expired and the page has refreshed.
    await expect.poll(() => page.locator("#stat-jobs").textContent(), SLOW_POLL).toBe("1");

    await mkdir(resolve(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: SCREENSHOT_NARROW, fullPage: true });
    // biome-ignore lint/suspicious/noConsole: the screenshots' paths belong in the test output.
    console.log(`dashboard screenshots: ${SCREENSHOT}, ${SCREENSHOT_NARROW} (390 px wide)`);

    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(keyedRequests.length).toBeGreaterThan(0);
    for (const url of keyedRequests) expect(url.startsWith(`${net.url}/api/v1/`)).toBe(true);
  }, 60_000);
});
