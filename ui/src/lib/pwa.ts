/** The Cache Storage name the service worker (public/sw.js) answers from when offline. */
export const SHELL_CACHE = 'sextant-shell-v1';

/** Whether a same-origin path belongs to the app shell: never the API or live data. */
export function isShellPath(pathname: string): boolean {
  if (pathname === '/api' || pathname.startsWith('/api/') || pathname.startsWith('/mqtt')) return false;
  return pathname === '/' || pathname.startsWith('/assets/') || pathname === '/manifest.webmanifest' || pathname.endsWith('.svg');
}

/** The shell URLs this page has loaded so far: `/`, the manifest and icon, and every hashed asset. */
export function shellUrls(resources: readonly string[], origin: string): string[] {
  const paths = new Set(['/', '/manifest.webmanifest', '/icon.svg']);
  for (const name of resources) {
    const url = new URL(name, origin);
    if (url.origin === origin && isShellPath(url.pathname)) paths.add(url.pathname);
  }
  return [...paths];
}

/** Stores what the page loaded of the shell (the worker cannot fetch it, see sw.js); old caches go. */
export async function cacheShell(): Promise<void> {
  if (typeof caches === 'undefined') return;
  for (const name of await caches.keys()) if (name !== SHELL_CACHE) await caches.delete(name);
  const cache = await caches.open(SHELL_CACHE);
  const urls = shellUrls(performance.getEntriesByType('resource').map((e) => e.name), location.origin);
  const missing = [];
  for (const url of urls) if ((await cache.match(url)) === undefined || url === '/') missing.push(url);
  await cache.addAll(missing);
}

/** Registers the service worker and keeps the shell cache filled as views load their chunks. */
export function registerPwa(afterNavigation: (run: () => void) => void): void {
  if (!('serviceWorker' in navigator)) return;
  const refill = () => void cacheShell().catch(() => undefined);
  window.addEventListener('load', () => {
    void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
    refill();
  });
  afterNavigation(() => setTimeout(refill, 2000));
}
