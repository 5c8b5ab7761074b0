// Sextant's service worker: makes the UI installable and opens it offline. It caches the app shell
// (the page, hashed assets, icons) and NEVER the API (/api/), live data (/mqtt) or anything
// cross-origin: those always go to the network.
const CACHE = 'sextant-shell-v1';
const SHELL = ['/', '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  );
});

function cacheable(url, request) {
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  return !(url.pathname === '/api' || url.pathname.startsWith('/api/') || url.pathname.startsWith('/mqtt'));
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (!cacheable(url, event.request)) return;
  if (event.request.mode === 'navigate') {
    // Pages: network first so a new build shows at once; the cached shell when offline.
    event.respondWith(
      fetch(event.request)
        .then((response) => {
          const copy = response.clone();
          if (response.ok) void caches.open(CACHE).then((cache) => cache.put('/', copy));
          return response;
        })
        .catch(() => caches.match('/')),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // Hashed, never changing: cache first.
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ??
          fetch(event.request).then((response) => {
            const copy = response.clone();
            if (response.ok) void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
            return response;
          }),
      ),
    );
  }
});
