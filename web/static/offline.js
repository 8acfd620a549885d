// Kreislauf offline: registers the service worker (/sw.js, which keeps the pages visited), and
// queues a repair form saved without a connection on this phone (static/outbox.js, IndexedDB),
// then sends each queued form once when the connection returns, with its own Idempotency-Key:
// a form sent twice (the page closed before it heard the answer) is recorded once. Where the
// browser has Background Sync (Chromium), the worker sends the queue even with the page
// closed; the "online" event and every page load send it too (Firefox, Safari). No framework;
// the words shown come from the page's #offline-status data attributes, translated by the
// server.
"use strict";
(function () {
  var outbox = window.KreislaufOutbox;
  var sending = false, told = [], reporting = Promise.resolve();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  if (!outbox || !("indexedDB" in window)) return;
  if ("serviceWorker" in navigator) {
    // The worker sent the queue (a Background Sync): say so on the open page.
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data === outbox.SYNC) report();
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

  function say(word, text, link, item) {
    var box = status();
    if (!box) return;
    var line = document.createElement("li");
    line.textContent = box.dataset[word] + " " + text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = box.dataset.open;
      line.appendChild(document.createTextNode(" "));
      line.appendChild(a);
    }
    if (item) { // a failed one stays until the volunteer has it elsewhere
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = box.dataset.remove;
      button.addEventListener("click", function () { outbox.remove(item.key).then(report); });
      line.appendChild(document.createTextNode(" "));
      line.appendChild(button);
    }
    line.className = "offline-" + word;
    box.querySelector("ul").appendChild(line);
    box.hidden = false;
  }

  function field(fields, name) {
    for (var i = 0; i < fields.length; i++) if (fields[i][0] === name) return fields[i][1];
    return "";
  }

  function label(fields) {
    var code = field(fields, "code");
    return (field(fields, "problem") || document.title) + (code ? " (" + code + ")" : "");
  }

  // Why the registry did not record it, in its own words: the form's error summary, or the
  // title and first line of the page that says why (an unknown code, a form expired).
  function reason(html) {
    var page = new DOMParser().parseFromString(html || "", "text/html");
    var words = function (node) { return node.textContent.replace(/\s+/g, " ").trim(); };
    var listed = Array.prototype.map.call(page.querySelectorAll("#error-summary li"), words);
    if (listed.length) return listed.join(" ");
    return Array.prototype.map.call(page.querySelectorAll("main h1, main h1 + p"), words)
      .filter(Boolean).join(": ");
  }

  // Where to do it again: the form it came from, or the start page with the scanned code.
  function again(item) {
    var code = field(item.fields, "code");
    return code ? item.action + "?code=" + encodeURIComponent(code) : item.action;
  }

  // What the outbox holds, said on the page: sent ones once (then dropped from the outbox, but
  // still listed on this page), failed ones with why until removed, the rest as waiting.
  // One report at a time: the page's own sending and the worker's message may ask together.
  function report() {
    reporting = reporting.then(reportNow, reportNow);
    return reporting;
  }

  function reportNow() {
    return outbox.all().then(function (items) {
      var drops = [];
      items.forEach(function (item) {
        if (item.state !== "sent") return;
        if (!told.some(function (t) { return t.key === item.key; })) told.push(item);
        drops.push(outbox.remove(item.key));
      });
      var box = status();
      if (box) { box.querySelector("ul").textContent = ""; box.hidden = true; }
      told.forEach(function (item) { say("sent", item.label, item.link); });
      items.forEach(function (item) {
        if (item.state === "failed") {
          if (item.reason === undefined) {
            item.reason = reason(item.answer);
            delete item.answer;
            drops.push(outbox.put(item));
          }
          say("failed", item.label + (item.reason ? " — " + item.reason : ""), again(item), item);
        } else if (item.state !== "sent") {
          say(navigator.onLine ? "waiting" : "queued", item.label);
        }
      });
      return Promise.all(drops);
    }).catch(function () {});
  }

  // Background Sync where there is one: the worker sends the queue when the phone is online
  // again, even if no page of the registry is open then.
  function syncLater() {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync && registration.sync.register(outbox.SYNC);
    }).catch(function () {});
  }

  function queue(form) {
    freshen(form);
    var fields = [];
    new FormData(form).forEach(function (value, name) { fields.push([name, String(value)]); });
    // No suggestion can be asked for offline: the fault type is "not sure" unless chosen.
    if (!fields.some(function (f) { return f[0] === "fault_type"; })) fields.push(["fault_type", ""]);
    var item = {
      key: newKey(), action: form.action, fields: fields, label: label(fields),
      lang: document.documentElement.lang, at: Date.now(), state: "queued",
    };
    return outbox.put(item).then(function () {
      form.reset();
      var box = status();
      if (box) {
        box.querySelector("ul").textContent = "";
        say("queued", item.label);
        box.focus();
      }
      syncLater();
      if (navigator.onLine) send(); // the form that is always queued: try at once
    });
  }

  function send() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return outbox.flush().catch(function () {}).then(function () {
      sending = false;
      return report();
    });
  }

  // The page of a code scanned offline: the code, and the form where a volunteer is signed in.
  function scanned(token) {
    var form = document.querySelector("form[data-offline-scan]");
    if (!form) return;
    var here = location.pathname;
    document.getElementById("offline-code").textContent = here;
    document.getElementById("offline-again").href = location.href;
    form.elements.namedItem("code").value = here;
    if (!token) return;
    form.querySelector("input[data-offline-token]").value = token;
    document.getElementById("offline-repair").hidden = false;
    document.getElementById("offline-sign-in").hidden = true;
  }

  // A page from the registry (online) says who is signed in: the worker's scanned-code page
  // takes that volunteer's form token, and the pages' language.
  function remember() {
    var account = document.querySelector("form.account input[type=hidden]");
    if (!navigator.onLine || document.querySelector("form[data-offline-scan]")) {
      return outbox.meta("csrf");
    }
    var token = account ? account.value : null;
    return outbox.setMeta("csrf", token)
      .then(function () { return outbox.setMeta("lang", document.documentElement.lang); })
      .then(function () { return token; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (/\/signout$/.test(form.action)) {
      // What this phone kept of a signed-in person's pages goes when they sign out.
      if ("caches" in window) {
        caches.keys().then(function (names) {
          names.forEach(function (n) { if (!/-static$/.test(n)) caches.delete(n); });
        });
      }
      outbox.setMeta("csrf", null).catch(function () {});
    }
    var always = form.getAttribute("data-offline-queue") === "always";
    if (!form.hasAttribute("data-offline-queue") || (navigator.onLine && !always)) return;
    event.preventDefault();
    queue(form);
  });
  window.addEventListener("online", send);

  function start() {
    remember().catch(function () { return null; }).then(scanned);
    report().then(send);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
