// Kreislauf's service worker: pages and files of the registry are fetched from the network
// when there is one (and a copy kept), and from the kept copy when there is none, so that the
// item's page and the repair form scanned before open in a church hall without signal. Forms
// are not sent from here: static/offline.js queues them and sends them once, later.
"use strict";
var CACHE = "kreislauf-v1";
var PRELOAD = ["/static/kreislauf.css", "/static/offline.js", "/favicon.ico"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(PRELOAD); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; })
        .map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kept(request) {
  var url = new URL(request.url);
  return request.method === "GET" && url.origin === self.location.origin &&
    !url.pathname.startsWith("/api/") && url.pathname !== "/sw.js";
}

// A page reached through a redirect (the QR code's address sends the phone to the passport's
// page) is kept under both addresses, as a plain answer a later visit may be given.
function keep(request, response) {
  var work = response.blob().then(function (body) {
    var plain = new Response(body, { status: response.status, headers: response.headers });
    return caches.open(CACHE).then(function (cache) {
      var puts = [cache.put(request, plain.clone())];
      if (response.redirected) puts.push(cache.put(response.url, plain));
      return Promise.all(puts);
    });
  });
  return work.catch(function () {});
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!kept(request)) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (!(response.ok && response.type === "basic")) return response;
      return keep(request, response.clone()).then(function () { return response; });
    }, function () {
      return caches.match(request, { ignoreVary: true }).then(function (found) {
        return found || Response.error();
      });
    })
  );
});
