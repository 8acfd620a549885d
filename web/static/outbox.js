// Kreislauf's outbox: the repair forms saved on this phone without a connection (IndexedDB),
// and the sending of them. Shared by the page (static/offline.js, which shows what happened)
// and the service worker (sw.js, which sends them on a Background Sync even with every page
// closed), so it uses nothing a worker lacks: no DOM, no localStorage.
//
// An item: {key, action, fields, label, lang, at, state, link?, answer?, reason?}; state is
// "queued" (waiting to be sent), "sent" (link: the item's page; shown once, then dropped) or
// "failed" (answer: the page the registry answered with, whose words say why; kept until the
// volunteer removes it, so that nothing written down is lost). Each item is sent with its key as the
// Idempotency-Key: sent twice (a page and the worker, or an answer lost), it is recorded once.
"use strict";
(function (scope) {
  var DB = "kreislauf-offline", STORE = "queue", META = "meta", SYNC = "kreislauf-outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "key" });
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode), result;
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        var request = work(tx.objectStore(name));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function all() {
    return run(STORE, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.at - b.at; });
    });
  }
  function put(item) { return run(STORE, "readwrite", function (s) { return s.put(item); }); }
  function remove(key) { return run(STORE, "readwrite", function (s) { return s.delete(key); }); }

  // What the worker needs to know of the pages: the language last read in, and the form token
  // of the volunteer signed in (null when nobody is), for the page of a code scanned offline.
  function meta(name) { return run(META, "readonly", function (s) { return s.get(name); }); }
  function setMeta(name, value) {
    return run(META, "readwrite", function (s) {
      return value === null ? s.delete(name) : s.put(value, name);
    });
  }

  function send(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (f) { body.append(f[0], f[1]); });
    return fetch(item.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // Answered in the language the form was written in (unless the volunteer chose one).
      headers: item.lang ? { "Idempotency-Key": item.key, "Accept-Language": item.lang }
        : { "Idempotency-Key": item.key },
    }).then(function (response) {
      // Recorded: the form answers with the passport's page (not the form, nor sign-in).
      var page = /^\/passports\/[^/]+$/.test(new URL(response.url).pathname);
      if (response.ok && response.redirected && page) return { state: "sent", link: response.url };
      if (response.status >= 500 || response.status === 429) return null; // try again later
      return response.text().then(function (html) {
        return { state: "failed", answer: html.slice(0, 200000) };
      });
    }, function () { return null; }); // still offline: keep it
  }

  // One sender at a time, across the pages and the worker (Web Locks where there are any).
  function exclusively(work) {
    if (scope.navigator && navigator.locks) return navigator.locks.request(SYNC, work);
    return work();
  }

  // Send every queued item, oldest first; resolves to {waiting, settled}: how many still wait
  // and how many were sent or refused now.
  function flush() {
    return exclusively(function () {
      return all().then(function (items) {
        var counts = { waiting: 0, settled: 0 };
        return items.reduce(function (done, item) {
          if (item.state && item.state !== "queued") return done;
          return done.then(function () {
            return send(item).then(function (outcome) {
              if (outcome === null) { counts.waiting += 1; return; }
              counts.settled += 1;
              return put(Object.assign(item, outcome));
            });
          });
        }, Promise.resolve()).then(function () { return counts; });
      });
    });
  }

  scope.KreislaufOutbox = {
    SYNC: SYNC, all: all, put: put, remove: remove, meta: meta, setMeta: setMeta, flush: flush,
  };
})(self);
