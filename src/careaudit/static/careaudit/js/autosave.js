// The audit form's safety net. htmx saves each answer as it is given; when a save fails
// because the connection is down, the answer waits in this browser (localStorage, one
// entry per audit and field) and is sent again, in order, when the connection is back or
// the page is opened again. A 409 (the answer was saved in another tab, or by someone
// else, after this page showed it) stops the resending: we never overwrite another
// person's work. What was typed stays in its box, and in this browser until it is saved
// or the saved answer is taken instead: the 409 shows the saved answer beside it, with
// "Keep what I typed" (the same save, sent with the saved answer's version) and "Use the
// saved answer" (handled here). Each answer and each part of the form carries its own
// version (c<pk>-version, lock_version), kept with the answer, so an answer kept here is
// never sent over a newer one.
//
// Loaded as an external file at the end of the page: the site's Content Security Policy
// allows no inline scripts or hx-on attributes.
(function () {
  "use strict";

  var page = document.getElementById("audit-page");
  if (!page || !window.htmx) {
    return;
  }

  var PREFIX = "careaudit:audit:" + page.getAttribute("data-audit-id") + ":";
  var NETWORK_FAILURES = [0, 502, 503, 504];
  var NOT_KEPT = ["csrfmiddlewaretoken"];
  var MESSAGES = {
    offline: "You are offline. Your answers are kept in this browser and will be saved when the connection is back.",
    saving: "The connection is back. Saving the answers kept in this browser…",
    saved: "Your answers have been saved.",
    notSent: "You are offline, so that was not saved. Try again when the connection is back.",
    conflict: "Some answers kept in this browser were not saved, because they were changed in another tab, or by someone else. Each one is marked on the page: keep what you typed, or use the saved answer.",
    waitToSubmit: "Your answers are not all saved yet, so the audit has not been submitted. Submit it again when the connection is back.",
    failed: "Your last answers could not be saved. They are kept in this browser: reload the page to try again, or sign in again if you have been signed out.",
    signedOut: "You have been signed out, so your last answers were not saved. They are kept in this browser: sign in again, then come back to this audit and they will be saved."
  };

  var status = document.getElementById("connection-status");
  var sent = new WeakMap(); // xhr → what an autosave sent, in case it has to be kept
  var inFlight = 0;
  var replay = null; // {keys: Set} while kept answers are being resent
  var showing = "";
  var retryTimer = null;
  var counter = 0;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage switched off: answers are still saved while online
    }
  }

  function nextSeq() {
    counter = (counter + 1) % 1000;
    return Date.now() * 1000 + counter;
  }

  function kept() {
    var storage = store();
    var entries = [];
    if (!storage) {
      return entries;
    }
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        try {
          entries.push(JSON.parse(storage.getItem(key)));
        } catch (error) {
          storage.removeItem(key);
        }
      }
    }
    return entries.sort(function (a, b) { return a.seq - b.seq; });
  }

  function keep(entry) {
    var storage = store();
    if (storage) {
      try {
        storage.setItem(entry.key, JSON.stringify(entry));
      } catch (error) {
        // storage full: the answer is still on the page
      }
    }
  }

  // Forget a kept answer once it, or something newer for the same field, has been saved.
  function forget(key, upToSeq) {
    var storage = store();
    var raw = storage && storage.getItem(key);
    if (!raw) {
      return;
    }
    try {
      if (upToSeq === undefined || JSON.parse(raw).seq <= upToSeq) {
        storage.removeItem(key);
      }
    } catch (error) {
      storage.removeItem(key);
    }
  }

  function say(kind) {
    showing = kind;
    status.textContent = "";
    if (!kind) {
      return;
    }
    var success = kind === "saved";
    var banner = document.createElement("div");
    banner.className = "govuk-notification-banner" + (success ? " govuk-notification-banner--success" : "");
    var header = document.createElement("div");
    header.className = "govuk-notification-banner__header";
    var title = document.createElement("h2");
    title.className = "govuk-notification-banner__title";
    title.textContent = success ? "Success" : "Important";
    header.appendChild(title);
    var content = document.createElement("div");
    content.className = "govuk-notification-banner__content";
    var text = document.createElement("p");
    text.className = "govuk-notification-banner__heading";
    text.textContent = MESSAGES[kind];
    content.appendChild(text);
    banner.appendChild(header);
    banner.appendChild(content);
    status.appendChild(banner);
  }

  function offline() {
    if (showing !== "offline") {
      say("offline");
    }
    if (!retryTimer) {
      // `online` events are not reliable everywhere; try again now and then as well.
      retryTimer = window.setInterval(function () {
        if (navigator.onLine !== false) {
          resend();
        }
      }, 5000);
    }
  }

  function stopRetrying() {
    if (retryTimer) {
      window.clearInterval(retryTimer);
      retryTimer = null;
    }
  }

  // Put kept answers back into the form, so the page shows them and they are what is sent.
  function restore(entries) {
    entries.forEach(function (entry) {
      var source = document.getElementById(entry.elt);
      var scope = source && (source.form || source.closest("form") || source);
      if (!scope) {
        return;
      }
      entry.fields.forEach(function (pair) {
        var inputs = scope.querySelectorAll('[name="' + CSS.escape(pair[0]) + '"]');
        Array.prototype.forEach.call(inputs, function (input) {
          if (input.type === "radio" || input.type === "checkbox") {
            input.checked = input.value === pair[1];
          } else {
            input.value = pair[1];
          }
        });
      });
    });
    syncReveals();
  }

  // Follow-up questions (GOV.UK conditional reveals). GOV.UK's radios module would mark
  // each radio aria-expanded, which ARIA does not allow on radios, so they are revealed
  // here instead; without JavaScript they are all shown.
  function syncReveals() {
    var inputs = page.querySelectorAll("input[data-reveals]");
    Array.prototype.forEach.call(inputs, function (input) {
      var target = document.getElementById(input.getAttribute("data-reveals"));
      if (target) {
        target.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
      }
    });
  }

  page.addEventListener("change", function (evt) {
    if (evt.target && evt.target.type === "radio") {
      syncReveals();
    }
  });
  syncReveals();

  function finishReplay() {
    replay = null;
    if (!kept().length) {
      stopRetrying();
      say("saved");
    }
  }

  // Send the kept answers again, oldest first. Each is sent by the element that sent it
  // first, so it goes through htmx like any other save: one at a time (hx-sync), each with
  // the lock version the previous one returned.
  function resend() {
    if (replay) {
      return;
    }
    var entries = kept();
    if (!entries.length) {
      stopRetrying();
      return;
    }
    if (navigator.onLine === false) {
      offline();
      return;
    }
    restore(entries);
    var keys = new Set();
    var sources = [];
    entries.forEach(function (entry) {
      var source = document.getElementById(entry.elt);
      if (source) {
        keys.add(entry.key);
        sources.push(source);
      } else {
        forget(entry.key); // the question is no longer on the form
      }
    });
    if (!sources.length) {
      return;
    }
    replay = { keys: keys };
    say("saving");
    sources.forEach(function (source) {
      htmx.trigger(source, "change");
    });
  }

  function isAutosave(elt) {
    return Boolean(elt && elt.closest && elt.closest("[data-autosave]"));
  }

  // The live region the save would have answered in ("Saved at 10:42").
  function statusFor(elt) {
    var holder = elt && elt.closest && elt.closest("[hx-target]");
    var selector = holder && holder.getAttribute("hx-target");
    return selector && selector.charAt(0) === "#" ? document.querySelector(selector) : null;
  }

  function keepUnsent(detail) {
    var entry = sent.get(detail.xhr);
    if (!entry) {
      say("notSent");
      return;
    }
    keep(entry);
    var where = statusFor(detail.elt);
    if (where) {
      where.textContent = "Not saved yet: kept in this browser until the connection is back.";
    }
    if (replay) {
      replay = null;
    }
    offline();
  }

  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    inFlight++;
    var detail = evt.detail;
    if (!isAutosave(detail.elt) || !detail.elt.id) {
      return;
    }
    var fields = [];
    detail.requestConfig.formData.forEach(function (value, name) {
      if (NOT_KEPT.indexOf(name) < 0 && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    var path = detail.requestConfig.path;
    sent.set(detail.xhr, { key: PREFIX + path, path: path, elt: detail.elt.id, seq: nextSeq(), fields: fields });
  });

  // A save answered by a redirect (to the sign-in page when the session has ended) was
  // not saved, whatever its status code.
  function redirected(detail) {
    var url = detail.xhr.responseURL;
    try {
      return Boolean(url) && new URL(url, location.href).pathname !== detail.requestConfig.path;
    } catch (error) {
      return false;
    }
  }

  document.body.addEventListener("htmx:afterRequest", function (evt) {
    inFlight = Math.max(0, inFlight - 1);
    var detail = evt.detail;
    var entry = sent.get(detail.xhr);
    var code = detail.xhr.status;
    if (!entry || entry.signedOut) {
      return;
    }
    if (code >= 200 && code < 300) {
      forget(entry.key, entry.seq);
      if (replay) {
        replay.keys.delete(entry.key);
        if (!replay.keys.size) {
          finishReplay();
        }
      } else if (showing === "offline" && !kept().length) {
        stopRetrying();
        say("saved");
      }
    } else if (code === 409) {
      keep(entry); // what was typed survives a reload until it is saved or replaced
      if (replay) {
        replay = null;
        stopRetrying();
        say("conflict");
      }
    }
  });

  // "Use the saved answer" on a conflict: forget what was typed here, then put the saved
  // answer in the boxes and take its version (or, for a whole part of the form, reload).
  page.addEventListener("click", function (evt) {
    var button = evt.target && evt.target.closest && evt.target.closest("[data-use-saved]");
    if (!button) {
      return;
    }
    forget(PREFIX + button.getAttribute("data-forget"));
    if (button.hasAttribute("data-reload")) {
      window.location.reload(); // a whole part of the form: the page shows what is saved
      return;
    }
    var block = button.closest("[data-conflict]");
    var group = block && block.closest("[data-autosave]");
    if (!group) {
      return;
    }
    Array.prototype.forEach.call(block.querySelectorAll("[data-saved-field]"), function (saved) {
      var inputs = group.querySelectorAll('[name="' + CSS.escape(saved.getAttribute("data-saved-field")) + '"]');
      Array.prototype.forEach.call(inputs, function (input) {
        if (input.type === "radio" || input.type === "checkbox") {
          input.checked = input.value === saved.value;
        } else {
          input.value = saved.value;
        }
      });
    });
    var version = document.getElementById(button.getAttribute("data-version-for"));
    if (version) {
      version.value = button.getAttribute("data-version");
    }
    var where = block.parentNode;
    where.textContent = "The saved answer is shown.";
    syncReveals();
  });

  document.body.addEventListener("htmx:sendError", function (evt) {
    keepUnsent(evt.detail);
  });

  document.body.addEventListener("htmx:responseError", function (evt) {
    if (NETWORK_FAILURES.indexOf(evt.detail.xhr.status) >= 0) {
      keepUnsent(evt.detail);
      return;
    }
    // Refused for another reason (a 500, or a 403 when the session's security token has
    // gone): keep the answer, and say so rather than fail in silence.
    var entry = sent.get(evt.detail.xhr);
    if (entry) {
      entry.signedOut = true; // not to be forgotten when the request ends
      keep(entry);
      replay = null;
      say("failed");
    }
  });

  // Show the server's message for refused changes (400: not valid, 409: someone else saved
  // the audit) where the change was made; htmx leaves error responses unswapped by default.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    if (redirected(evt.detail)) {
      evt.detail.shouldSwap = false;
      var entry = sent.get(evt.detail.xhr);
      if (entry) {
        entry.signedOut = true;
        keep(entry);
      }
      replay = null;
      say("signedOut");
      return;
    }
    var code = evt.detail.xhr.status;
    if (code === 400 || code === 409) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // A date is three boxes: moving from the day box to the month box is not a finished
  // answer. An autosave set off from a date's boxes waits while the date is half filled and
  // the focus is still in its boxes; once the focus leaves them (or the date is complete) it
  // goes, and the server answers a half or impossible date with its error beside the boxes.
  function halfFilled(group) {
    var boxes = group.querySelectorAll(".govuk-date-input__input");
    var filled = Array.prototype.filter.call(boxes, function (box) { return box.value.trim() !== ""; });
    return filled.length > 0 && filled.length < boxes.length;
  }

  var waiting = new WeakMap(); // a date's group → the autosave it holds back

  // Send the held-back save once the focus has left the date's boxes.
  function release(group) {
    var issue = waiting.get(group);
    if (issue && !group.contains(document.activeElement)) {
      waiting.delete(group);
      issue(true);
    }
  }

  document.body.addEventListener("htmx:confirm", function (evt) {
    var trigger = evt.detail.triggeringEvent;
    var box = trigger && trigger.type !== "submit" && trigger.target;
    var group = box && box.closest && box.closest("[data-date-group]");
    if (!group || !isAutosave(box)) {
      return;
    }
    if (!halfFilled(group)) {
      waiting.delete(group); // this save sends the whole date
      return;
    }
    evt.preventDefault();
    waiting.set(group, evt.detail.issueRequest);
    // The focus moves after the change event: look once it has.
    window.setTimeout(function () { release(group); }, 0);
  });

  page.addEventListener("focusout", function (evt) {
    var group = evt.target && evt.target.closest && evt.target.closest("[data-date-group]");
    if (group) {
      window.setTimeout(function () { release(group); }, 0);
    }
  });

  // Submitting leaves the page: wait for saves still on their way, and never submit while
  // answers are waiting in this browser.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-wait-for-saves")) {
      return;
    }
    if (kept().length || navigator.onLine === false) {
      evt.preventDefault();
      say("waitToSubmit");
      resend();
      return;
    }
    if (inFlight > 0) {
      evt.preventDefault();
      var submitter = evt.submitter;
      var waited = 0;
      var wait = window.setInterval(function () {
        waited += 100;
        if (inFlight === 0 || waited > 15000) {
          window.clearInterval(wait);
          if (form.requestSubmit) {
            form.requestSubmit(submitter || undefined);
          } else {
            form.submit();
          }
        }
      }, 100);
    }
  });

  window.addEventListener("offline", offline);
  window.addEventListener("online", resend);

  function start() {
    var entries = kept();
    if (!entries.length) {
      return;
    }
    if (navigator.onLine === false) {
      restore(entries);
      offline();
    } else {
      resend();
    }
  }

  // After htmx has set up the page (it starts on DOMContentLoaded, and was loaded first).
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { window.setTimeout(start, 0); });
  } else {
    window.setTimeout(start, 0);
  }
})();
