// Kreislauf's service worker: pages and files of the registry are fetched from the network
// when there is one (and a copy kept), and from the kept copy when there is none, so that the
// item's page and the repair form scanned before open in a church hall without signal. An
// item's code scanned there whose page was never opened on this phone gets the kept page that
// says so (/offline/<lang>, kept at install), where a volunteer may still write the repair
// down. Forms are queued by static/offline.js; this worker sends the queue on a Background
// Sync (static/outbox.js), even when no page of the registry is open.
"use strict";
importScripts("/static/outbox.js");

// A new name when what is kept at install changes: the old worker's caches are dropped.
var VERSION = "v2";
var STATIC = "kreislauf-" + VERSION + "-static"; // kept at install, and kept at sign-out
var PAGES = "kreislauf-" + VERSION; // the pages visited: dropped when the volunteer signs out
var LANGUAGES = ["en", "de"]; // web/i18n.py's LANGUAGES: the scanned-code page in each
var PRELOAD = ["/static/kreislauf.css", "/static/outbox.js", "/static/offline.js", "/favicon.ico"]
  .concat(LANGUAGES.map(function (lang) { return "/offline/" + lang; }));
// An item's code as a QR code holds it, on this registry: a GS1 Digital Link (/01/…, /8013/…),
// a community passport (/c/…), or the passport's own page.
var SCANNED = /^\/(?:(?:01|8013)\/[^/]+(?:\/.*)?|c\/[^/]+\/?|passports\/[^/]+)$/;

self.addEventListener("install", function (event) {
  // Fetched without cookies: the kept scanned-code pages name nobody and hold no form token.
  var requests = PRELOAD.map(function (url) { return new Request(url, { credentials: "omit" }); });
  event.waitUntil(
    caches.open(STATIC).then(function (cache) { return cache.addAll(requests); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== STATIC && n !== PAGES; })
        .map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kept(request) {
  var url = new URL(request.url);
  return request.method === "GET" && url.origin === self.location.origin &&
    !url.pathname.startsWith("/api/") && !url.pathname.startsWith("/offline/") &&
    url.pathname !== "/sw.js";
}

// A page reached through a redirect (the QR code's address sends the phone to the passport's
// page) is kept under both addresses, as a plain answer a later visit may be given.
function keep(request, response) {
  var work = response.blob().then(function (body) {
    var plain = new Response(body, { status: response.status, headers: response.headers });
    return caches.open(PAGES).then(function (cache) {
      var puts = [cache.put(request, plain.clone())];
      if (response.redirected) puts.push(cache.put(response.url, plain));
      return Promise.all(puts);
    });
  });
  return work.catch(function () {});
}

// The kept scanned-code page, for a code opened with no connection and no copy of its page:
// in the language asked for (the page's language links), else the one the volunteer last
// read the registry in, else the browser's, else the first.
function scannedPage(request) {
  var url = new URL(request.url);
  if (request.mode !== "navigate" || !SCANNED.test(url.pathname)) {
    return Promise.resolve(Response.error());
  }
  var last = self.KreislaufOutbox.meta("lang").catch(function () { return null; });
  return last.then(function (last) {
    var browser = String(self.navigator.language || "").slice(0, 2).toLowerCase();
    var lang = [url.searchParams.get("lang"), last, browser].filter(function (l) {
      return LANGUAGES.indexOf(l) >= 0;
    })[0] || LANGUAGES[0];
    return caches.match("/offline/" + lang);
  }).then(function (found) { return found || Response.error(); });
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
        return found || scannedPage(request);
      });
    })
  );
});

// Background Sync (Chromium): the connection is back; send what waits, with or without a page
// open. Still offline: fail, so the browser tries again later (the pages' "online" event and
// their loads send it too). Open pages are told, to say what was sent.
self.addEventListener("sync", function (event) {
  var outbox = self.KreislaufOutbox;
  if (event.tag !== outbox.SYNC) return;
  event.waitUntil(outbox.flush().then(function (counts) {
    var told = !counts.settled ? Promise.resolve() :
      self.clients.matchAll({ type: "window" }).then(function (pages) {
        pages.forEach(function (page) { page.postMessage(outbox.SYNC); });
      });
    return told.then(function () {
      if (counts.waiting && !event.lastChance) throw new Error("still offline");
    });
  }));
});
