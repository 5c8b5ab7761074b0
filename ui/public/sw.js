// Sextant's service worker: makes the UI installable and lets it open offline. It makes no network
// request of its own (the server gives worker scripts a no-fetch policy) and caches nothing itself:
// the page stores the app shell (the page, its hashed assets, icons) in the cache named below, and
// while the browser is offline this worker answers those from it. /api/ and /mqtt are never
// answered here, online or not, and the page never stores them.
const CACHE = 'sextant-shell-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function isShell(url, request) {
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  return !(url.pathname === '/api' || url.pathname.startsWith('/api/') || url.pathname.startsWith('/mqtt'));
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // Online, or not part of the shell: the browser fetches as if there were no worker.
  if (self.navigator.onLine || !isShell(url, event.request)) return;
  const key = event.request.mode === 'navigate' ? '/' : event.request;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(key)).then((hit) => hit ?? Response.error()));
});
