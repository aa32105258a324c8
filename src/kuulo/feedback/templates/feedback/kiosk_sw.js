// Kiosk service worker: lets a kiosk tablet reload its page, or restart the browser, while
// the network is down. It keeps a copy of the one kiosk page that registered it (its scope)
// and of the static files that page loads, and nothing else.
// The page is fetched from the network first, so a closed survey or a changed question shows
// as soon as the network is back; the copy is used only when the server cannot be reached.
// Answers are POSTed to the ingest API untouched: the page queues them itself until they are sent.
"use strict";

var CACHE_PREFIX = "kuulo-kiosk-";
// The version changes with every change to this worker or to the files below, so a deploy
// installs a new cache and the old one is deleted when the new worker takes over.
var CACHE = CACHE_PREFIX + "{{ version }}";
var ASSETS = {{ assets|safe }}.map(absolute);
// Stored without query or fragment: the fragment of the setup address holds the device token.
var PAGE = absolute(new URL(self.registration.scope).pathname);

function absolute(url) {
  var parsed = new URL(url, self.location.href);
  parsed.search = "";
  parsed.hash = "";
  return parsed.href;
}

self.addEventListener("install", function (event) {
  // cache: "reload" skips the browser's HTTP cache, which may hold files from an older deploy.
  var requests = [PAGE].concat(ASSETS).map(function (url) { return new Request(url, { cache: "reload" }); });
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(requests); })
      // A kiosk page stays open for weeks: take over at once instead of waiting for it to close.
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf(CACHE_PREFIX) === 0 && name !== CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  // Only reads: answers sent to the API must reach the server, never a cache.
  if (request.method !== "GET") return;
  var url = absolute(request.url);
  if (request.mode === "navigate" && url === PAGE) {
    event.respondWith(pageFromNetworkFirst(event));
  } else if (ASSETS.indexOf(url) !== -1) {
    event.respondWith(assetFromCacheFirst(request, url));
  }
  // Anything else goes to the network as if there were no worker.
});

function cachedPage() {
  return caches.open(CACHE).then(function (cache) { return cache.match(PAGE, { ignoreVary: true }); });
}

function pageFromNetworkFirst(event) {
  return fetch(event.request).then(function (response) {
    event.waitUntil(keepPage(response.clone()));
    // Server errors (maintenance, a proxy without its backend) are as good as offline.
    if (response.status < 500) return response;
    return cachedPage().then(function (copy) { return copy || response; });
  }, function () {
    return cachedPage().then(function (copy) { return copy || Response.error(); });
  });
}

function keepPage(response) {
  return caches.open(CACHE).then(function (cache) {
    if (response.status === 200 && response.type === "basic" && !response.redirected) {
      return cache.put(PAGE, response);
    }
    // A closed survey or a removed link must not come back from the cache when offline.
    if (response.status === 404 || response.status === 410) return cache.delete(PAGE);
    return undefined;
  });
}

function assetFromCacheFirst(request, url) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(url, { ignoreVary: true }).then(function (copy) {
      // Missing only if the browser evicted it: fetch it again and keep it.
      return copy || fetch(request).then(function (response) {
        if (response.ok) cache.put(url, response.clone());
        return response;
      });
    });
  });
}
