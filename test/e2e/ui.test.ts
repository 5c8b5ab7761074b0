import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@sextant/testkit/process';
import { apiCall, ensureUi, findChromium, launchChromium, loginToken, startUiStack } from './ui-stack.ts';
import type { UiStack } from './ui-stack.ts';

const CHROMIUM = findChromium();
const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');

interface Alert {
  id: string;
  status: string;
  acknowledgedBy: string | null;
}

async function logIn(page: Page, base: string, username: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  await page.goto(base);
  await page.waitForURL(/\/login/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  const body = (await (await answer).json()) as { accessToken: string; refreshToken: string };
  await page.getByTestId('who').waitFor();
  return body;
}

// Must show 1 and 3: the built UI against a real `sextant up` in Debian's Chromium.
describe.skipIf(CHROMIUM === undefined)('the web UI against sextant up', () => {
  let stack: UiStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let adminToken = '';
  let serverId = '';

  beforeAll(async () => {
    await ensureUi();
    // Without DATABASE_URL, sextant up runs its own embedded PostgreSQL.
    stack = await startUiStack(process.env.DATABASE_URL, '1s');
    browser = await launchChromium(CHROMIUM!);
    adminToken = await loginToken(stack.url, 'admin', stack.adminPassword);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('logs in and keeps no token in Web Storage; the refresh cookie is out of reach of scripts', async () => {
    const tokens = await logIn(page, stack.url, 'admin', stack.adminPassword);
    expect(tokens.accessToken.length).toBeGreaterThan(20);
    // Runs in the page: every Web Storage entry, and the cookies scripts can read.
    const stored = await page.evaluate<{ all: string[]; cookie: string }>(`(() => {
      const all = [];
      for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) all.push(s.key(i) + '=' + s.getItem(s.key(i)));
      return { all, cookie: document.cookie };
    })()`);
    expect(stored.all.length).toBeGreaterThan(0);
    for (const entry of stored.all) {
      expect(entry).not.toContain(tokens.accessToken);
      expect(entry).not.toContain(tokens.refreshToken);
      expect(entry.toLowerCase()).not.toMatch(/token|eyj/);
    }
    expect(stored.cookie).not.toContain(tokens.refreshToken);
    // A reload keeps the login through the httpOnly cookie alone.
    await page.reload();
    await page.getByTestId('who').waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('admin');
  });

  it('shows the local server up, with values that change without a reload', async () => {
    const row = page.locator('tr[data-server]').first();
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getByTestId('status').textContent(), { timeout: 30_000 }).toBe('up');
    await expect.poll(() => page.getByTestId('live-indicator').getAttribute('data-state'), { timeout: 30_000 }).toBe('online');
    const first = await row.getByTestId('seen').textContent();
    // CPU is a rate: it has a value from the second scrape on.
    await expect.poll(() => row.getByTestId('cpu').textContent(), { timeout: 20_000 }).toMatch(/\d+\.\d %/);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await expect.poll(() => row.getByTestId('seen').textContent(), { timeout: 20_000 }).not.toBe(first);
    expect(navigations).toEqual([]);
    serverId = (await row.getByRole('link').getAttribute('href'))!.split('/').pop()!;
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-1280.png'), fullPage: true });
  });

  it('opens the server and its charts hold data for the chosen range', async () => {
    await page.locator('tr[data-server]').first().getByRole('link').click();
    await page.waitForURL(`**/servers/${serverId}`);
    const cpu = page.locator('[data-chart="cpu"]');
    await expect.poll(async () => Number(await cpu.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
    const sixHours = page.waitForResponse((r) => r.url().includes(`/api/servers/${serverId}/metrics?`));
    await page.getByRole('button', { name: '6h', exact: true }).click();
    const asked = new URL((await sixHours).url());
    expect(Date.parse(asked.searchParams.get('to')!) - Date.parse(asked.searchParams.get('from')!)).toBe(6 * 3_600_000);
    expect((await sixHours).status()).toBe(200);
    await expect.poll(() => page.getByRole('button', { name: '6h', exact: true }).getAttribute('aria-pressed')).toBe('true');
    for (const chart of ['cpu', 'memory', 'disk', 'load', 'network']) {
      await expect.poll(async () => Number(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
    }
    expect(await cpu.getByRole('img').first().getAttribute('aria-label')).toMatch(/^CPU chart, \d+ points; latest CPU \d/);
    // Live while the range ends now: points keep arriving.
    const before = Number(await cpu.getAttribute('data-points'));
    await expect.poll(async () => Number(await cpu.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(before);
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-1280.png'), fullPage: true });
    // Zoom into a chart with the wheel, then load just that window in detail.
    const box = (await cpu.locator('canvas').first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -300);
    const detail = page.getByRole('button', { name: /in detail$/ });
    await detail.waitFor({ timeout: 10_000 });
    const zoomed = page.waitForResponse((r) => r.url().includes(`/api/servers/${serverId}/metrics?`));
    await detail.click();
    const window = new URL((await zoomed).url());
    const span = Date.parse(window.searchParams.get('to')!) - Date.parse(window.searchParams.get('from')!);
    expect(span).toBeGreaterThan(0);
    expect(span).toBeLessThan(6 * 3_600_000);
    await expect.poll(() => page.getByRole('button', { name: 'Custom…' }).getAttribute('class')).toContain('primary');
  });

  it('toasts a firing alert, which can be acknowledged from the toast', async () => {
    await apiCall(stack.url, adminToken, 'POST', '/api/alert-rules', { name: 'UI test: CPU at all', metric: 'cpu_usage', operator: '>=', threshold: 0, for: '0s', severity: 'warning' });
    const toast = page.getByTestId('toast').first();
    await toast.waitFor({ timeout: 45_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'toast-1280.png') });
    await toast.getByRole('button', { name: 'Acknowledge' }).click();
    const acked = await waitFor('the alert to be acknowledged', async () => {
      const { items } = await apiCall<{ items: Alert[] }>(stack.url, adminToken, 'GET', '/api/alerts?status=firing');
      return items.find((a) => a.acknowledgedBy === 'admin');
    });
    expect(acked.status).toBe('firing');
    await page.getByRole('link', { name: /^Alerts/ }).click();
    await expect.poll(() => page.getByTestId('alert-row').first().textContent(), { timeout: 10_000 }).toContain('admin');
  });

  it('installs as a PWA whose shell opens offline, with nothing of the API cached', async () => {
    const manifest = (await (await fetch(`${stack.url}/manifest.webmanifest`)).json()) as { display: string; icons: unknown[] };
    expect(manifest.display).toBe('standalone');
    expect(manifest.icons.length).toBeGreaterThan(0);
    // Runs in the page: waits (bounded, 15 s) for the worker and the shell cache, then lists what is cached.
    const { cached, worker } = await page.evaluate<{ cached: string[]; worker: string }>(`(async () => {
      await fetch('/api/servers');
      let urls = [];
      let worker = 'none';
      for (let i = 0; i < 150 && (!urls.includes('/') || worker !== 'activated'); i++) {
        const registration = await navigator.serviceWorker.getRegistration();
        worker = registration?.active?.state ?? registration?.installing?.state ?? registration?.waiting?.state ?? 'none';
        urls = [];
        for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return { cached: urls, worker };
    })()`);
    expect(worker).toBe('activated');
    expect(cached).toContain('/');
    expect(cached.some((u) => u.startsWith('/assets/'))).toBe(true);
    expect(cached.filter((u) => u.startsWith('/api') || u.startsWith('/mqtt'))).toEqual([]);
    const offline = await context.newPage();
    try {
      await context.setOffline(true);
      await offline.goto(stack.url);
      await offline.getByRole('heading', { name: 'Sign in to Sextant' }).waitFor({ timeout: 15_000 });
    } finally {
      await context.setOffline(false);
      await offline.close();
    }
  });

  it('shows a viewer no edit actions, and fits a 375 px phone', async () => {
    await apiCall(stack.url, adminToken, 'POST', '/api/users', { username: 'watcher', password: 'watcher-password', role: 'viewer' });
    const phoneContext = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    try {
      const phone = await phoneContext.newPage();
      await logIn(phone, stack.url, 'watcher', 'watcher-password');
      await phone.locator('[data-server-card]').first().waitFor({ timeout: 30_000 });
      expect(Number(await phone.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(375);
      await phone.screenshot({ path: path.join(ARTIFACTS, 'fleet-375.png'), fullPage: true });
      await phone.getByRole('link', { name: 'Rules' }).click();
      await phone.getByRole('table', { name: 'Alert rules' }).waitFor();
      expect(await phone.getByRole('button', { name: /New rule|Edit|Delete|Disable|Enable/ }).count()).toBe(0);
      await phone.getByRole('link', { name: /^Alerts/ }).click();
      await phone.getByTestId('alert-row').first().waitFor();
      expect(await phone.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
      await phone.getByRole('link', { name: 'Silences' }).click();
      await phone.getByRole('heading', { name: 'Silences' }).waitFor();
      expect(await phone.getByRole('form', { name: 'New silence' }).count()).toBe(0);
      expect(await phone.getByRole('link', { name: 'Users' }).count()).toBe(0);
      await phone.goto(`${stack.url}/users`);
      await phone.waitForURL(`${stack.url}/`);
      await phone.goto(`${stack.url}/servers/${serverId}`);
      await expect.poll(async () => Number(await phone.locator('[data-chart="cpu"]').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(0);
      await phone.screenshot({ path: path.join(ARTIFACTS, 'server-375.png'), fullPage: true });
    } finally {
      await phoneContext.close();
    }
  });
});
