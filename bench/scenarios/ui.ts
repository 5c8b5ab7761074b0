import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import type { Scenario } from '../scenario.ts';
import { UI_WORKSPACE } from '../../cli/src/build-ui.ts';
import { ensureUi, findChromium, launchChromium, startUiStack } from '../../test/e2e/ui-stack.ts';

/** The budget for the JavaScript a first visit loads. */
const INITIAL_JS_BUDGET_KB = 250;
const RUNS = 7;
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** The scripts `index.html` loads at once (entry and module preloads), and every chunk, gzip-compressed, in KB. */
async function scriptSizes(): Promise<{ initialKb: number; allKb: number; initial: string[] }> {
  const dist = path.join(UI_WORKSPACE, 'dist');
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"/g)].map((m) => m[1]!);
  const gz = async (file: string) => gzipSync(await readFile(path.join(dist, file))).length / 1024;
  const { readdir } = await import('node:fs/promises');
  const all = (await readdir(path.join(dist, 'assets'))).filter((f) => f.endsWith('.js'));
  let initialKb = 0;
  for (const file of initial) initialKb += await gz(file);
  let allKb = 0;
  for (const file of all) allKb += await gz(`assets/${file}`);
  return { initialKb, allKb, initial };
}

/** One cold visit (fresh browser context, login cookie only): ms from navigation start to the first chart drawn with data. */
async function firstChart(browser: Browser, url: string, password: string, serverId: string): Promise<{ chartMs: number; floorMs: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
  try {
    const login = await context.request.post(`${url}/api/auth/login`, { data: { username: 'admin', password } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);
    const page = await context.newPage();
    await page.goto(`${url}/servers/${serverId}`);
    await page.waitForFunction(() => performance.getEntriesByName('sextant:first-chart-data').length > 0, undefined, { timeout: 30_000 });
    const chartMs = await page.evaluate(() => performance.getEntriesByName('sextant:first-chart-data')[0]!.startTime);
    // The floor: an empty page of the same origin (served by Playwright, no network), then the same
    // two API calls the app needs (refresh, series), made by hand.
    const bare = await context.newPage();
    await bare.route(`${url}/bench-floor`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>floor</title>' }));
    await bare.goto(`${url}/bench-floor`);
    const floorMs = await bare.evaluate<number>(`(async () => {
      const pair = await (await fetch('/api/auth/refresh', { method: 'POST' })).json();
      const to = new Date(); const from = new Date(to.getTime() - 3600000);
      const r = await fetch('/api/servers/${serverId}/metrics?from=' + from.toISOString() + '&to=' + to.toISOString() + '&maxPoints=600', { headers: { Authorization: 'Bearer ' + pair.accessToken } });
      await r.json();
      return performance.now();
    })()`);
    return { chartMs, floorMs };
  } finally {
    await context.close();
  }
}

export const uiScenario: Scenario = {
  name: 'ui',
  description: 'web UI: initial JavaScript (gzip) against the 250 KB budget; time to the first chart with data in Chromium',
  async run({ log }) {
    const chromium = findChromium();
    if (chromium === undefined) {
      log('Chromium not found');
      return null;
    }
    await ensureUi();
    const sizes = await scriptSizes();
    log(`initial scripts: ${sizes.initial.join(', ')}`);
    const stack = await startUiStack(process.env.DATABASE_URL, '1s');
    const browser = await launchChromium(chromium);
    try {
      const token = (await (await fetch(`${stack.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: stack.adminPassword }) })).json()) as { accessToken: string };
      const headers = { Authorization: `Bearer ${token.accessToken}` };
      // Wait (bounded) until the local server has a few snapshots to draw.
      let serverId = '';
      for (let i = 0; i < 100 && serverId === ''; i++) {
        const list = (await (await fetch(`${stack.url}/api/servers`, { headers })).json()) as { items: Array<{ id: string; latest: unknown }> };
        if (list.items[0]?.latest != null) serverId = list.items[0].id;
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (serverId === '') throw new Error('no snapshot of the local server after 20 s');
      const chart: number[] = [];
      const floor: number[] = [];
      await firstChart(browser, stack.url, stack.adminPassword, serverId); // warm-up: the server's caches, not the browser's
      for (let i = 0; i < RUNS; i++) {
        const r = await firstChart(browser, stack.url, stack.adminPassword, serverId);
        chart.push(r.chartMs);
        floor.push(r.floorMs);
      }
      log(`first chart ms: ${chart.map((v) => v.toFixed(0)).join(' ')}; floor ms: ${floor.map((v) => v.toFixed(0)).join(' ')}`);
      return {
        peer: `budget ${INITIAL_JS_BUDGET_KB} KB; floor = an empty page plus the app's two API calls`,
        method:
          `Built ui/dist with Vite; initial JavaScript is the entry and module-preloaded chunks named in index.html, gzip level 6 (echarts, the detail view and the MQTT client load later). ` +
          `Time to first chart: ${RUNS} cold visits (fresh Chromium context holding only the login cookie) of /servers/:id on \`sextant up\` over loopback, median ms from navigation start to the ` +
          `performance mark the first chart sets when ECharts has drawn data; the floor, in the same context, opens an empty page of the same origin and makes the same refresh and series calls by hand.`,
        measurements: [
          { metric: 'initial JavaScript, gzip', unit: 'KB', sextant: sizes.initialKb, peer: INITIAL_JS_BUDGET_KB, better: 'lower', targetRatio: 1 },
          { metric: 'all JavaScript chunks, gzip (loaded on demand)', unit: 'KB', sextant: sizes.allKb, peer: INITIAL_JS_BUDGET_KB, better: 'lower' },
          { metric: 'time to first chart with data, median', unit: 'ms', sextant: median(chart), peer: median(floor), better: 'lower' },
          { metric: 'time to first chart with data, worst', unit: 'ms', sextant: Math.max(...chart), peer: Math.max(...floor), better: 'lower' },
        ],
      };
    } finally {
      await browser.close();
      await stack.close();
    }
  },
};
