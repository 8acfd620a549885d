// Kreislauf offline: registers the service worker (/sw.js, which keeps the pages visited), and
// queues a repair form saved without a connection on this phone (IndexedDB), then sends each
// queued form once when the connection returns, with its own Idempotency-Key: a form sent
// twice (the page closed before it heard the answer) is recorded once. No framework; the words
// shown come from the page's #offline-status data attributes, translated by the server.
"use strict";
(function () {
  var DB = "kreislauf-offline", STORE = "queue";
  var flushing = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  if (!("indexedDB" in window)) return;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        var request = work(tx.objectStore(STORE));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // A date or time left as the page wrote it when it was kept: now, on the phone's clock.
  function freshen(form) {
    var now = new Date();
    var date = form.elements.namedItem("date"), time = form.elements.namedItem("time");
    if (date && date.value === date.defaultValue) {
      date.value = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    }
    if (time && time.value === time.defaultValue) {
      time.value = pad(now.getHours()) + ":" + pad(now.getMinutes());
    }
  }

  function status() { return document.getElementById("offline-status"); }

  function say(word, text, link) {
    var box = status();
    if (!box) return;
    var item = document.createElement("li");
    item.textContent = box.dataset[word] + " " + text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = box.dataset.open;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(a);
    }
    item.className = "offline-" + word;
    box.querySelector("ul").appendChild(item);
    box.hidden = false;
  }

  function label(fields) {
    for (var i = 0; i < fields.length; i++) {
      if (fields[i][0] === "problem" && fields[i][1]) return fields[i][1];
    }
    return document.title;
  }

  function queue(form) {
    freshen(form);
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, String(value)]); });
    // No suggestion can be asked for offline: the fault type is "not sure" unless chosen.
    if (!fields.some(function (f) { return f[0] === "fault_type"; })) fields.push(["fault_type", ""]);
    var item = { key: newKey(), action: form.action, fields: fields, label: label(fields), at: Date.now() };
    return store("readwrite", function (s) { return s.put(item); }).then(function () {
      var box = status();
      if (box) {
        box.querySelector("ul").textContent = "";
        say("queued", item.label);
      }
      form.reset();
      if (box) box.focus();
    });
  }

  function send(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (f) { body.append(f[0], f[1]); });
    return fetch(item.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Idempotency-Key": item.key },
    }).then(function (response) {
      // Recorded: the form answers with the passport's page (not the form, nor sign-in).
      var page = /^\/passports\/[^/]+$/.test(new URL(response.url).pathname);
      if (response.ok && response.redirected && page) return { sent: true, link: response.url };
      if (response.status >= 500 || response.status === 409) return null; // try again later
      return { sent: false };
    }, function () { return null; }); // still offline: keep it
  }

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      items = (items || []).sort(function (a, b) { return a.at - b.at; });
      return items.reduce(function (done, item) {
        return done.then(function () {
          return send(item).then(function (outcome) {
            if (outcome === null) { say("waiting", item.label); return; }
            return store("readwrite", function (s) { return s.delete(item.key); }).then(function () {
              if (outcome.sent) say("sent", item.label, outcome.link);
              else say("failed", item.label, item.action);
            });
          });
        });
      }, Promise.resolve());
    }).catch(function () {}).then(function () { flushing = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (/\/signout$/.test(form.action) && "caches" in window) {
      // What this phone kept of a signed-in person's pages goes when they sign out.
      caches.keys().then(function (names) { names.forEach(function (n) { caches.delete(n); }); });
    }
    if (!form.hasAttribute("data-offline-queue") || navigator.onLine) return;
    event.preventDefault();
    queue(form);
  });
  window.addEventListener("online", flush);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", flush);
  } else {
    flush();
  }
})();
