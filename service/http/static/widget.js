/*
 * citeqa chat widget. Embed with one tag:
 *   <script src="https://HOST/widget.js" data-citeqa-url="https://HOST" defer></script>
 * and data-collection="NAME" to answer from one collection.
 * Plain JavaScript, no dependencies, no network beyond the configured citeqa URL.
 * Everything that comes from answers and documents is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var BASE = ((script && script.dataset.citeqaUrl) ||
    (script && new URL(script.src).origin) || "").replace(/\/+$/, "");
  // data-collection: the collection questions are answered from (default: the default one).
  var COLLECTION = (script && script.dataset.collection) || "";
  var STORE_KEY = "citeqa:" + BASE + (COLLECTION ? ":" + COLLECTION : "");
  var MAX_CHARS = 2000;
  var MAX_MESSAGES = 50;

  var STYLE = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',sans-serif}",
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;",
    "border-radius:999px;padding:12px 18px;background:#1d4ed8;color:#fff;font-size:15px;",
    "cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #f59e0b;",
    "outline-offset:2px}",
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;display:flex;",
    "flex-direction:column;width:min(380px,calc(100vw - 16px));",
    "height:min(560px,calc(100vh - 32px));background:#fff;color:#111;border-radius:12px;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden;font-size:14px;line-height:1.45}",
    "@media (max-width:480px){.panel{right:8px;bottom:8px;width:calc(100vw - 16px);",
    "height:calc(100vh - 16px)}}",
    ".panel[hidden],.launcher[hidden],.source[hidden],.typing[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;",
    "background:#1d4ed8;color:#fff}",
    "header h2{margin:0;font-size:15px;font-weight:600}",
    ".close{border:0;background:transparent;color:#fff;font-size:20px;cursor:pointer;",
    "padding:2px 8px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px}",
    ".msg{max-width:90%;padding:8px 11px;border-radius:10px;white-space:pre-wrap;",
    "overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:#dbeafe}",
    ".assistant{align-self:flex-start;background:#f3f4f6}",
    ".error{align-self:stretch;background:#fee2e2;color:#7f1d1d}",
    ".cite{border:1px solid #1d4ed8;background:#fff;color:#1d4ed8;border-radius:6px;",
    "padding:0 4px;margin:0 2px;font-size:12px;cursor:pointer}",
    ".cite[aria-pressed=true]{background:#1d4ed8;color:#fff}",
    ".typing{align-self:flex-start;color:#6b7280;font-style:italic}",
    ".source{border-top:1px solid #e5e7eb;padding:10px 14px;max-height:45%;overflow-y:auto;",
    "background:#fafafa}",
    ".source h3{margin:0 0 6px;font-size:13px}",
    ".source p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".source mark{background:#fde68a;color:inherit}",
    ".source .where{color:#1d4ed8;font-size:12px;margin:0 0 4px}",
    ".source .open{display:inline-block;margin-top:6px;color:#1d4ed8;font-size:13px}",
    ".source .hide{float:right;border:0;background:transparent;cursor:pointer;font-size:13px;",
    "color:#1d4ed8}",
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb}",
    "textarea{flex:1;resize:none;height:42px;padding:8px;border:1px solid #9ca3af;",
    "border-radius:8px;font-size:14px}",
    ".send{border:0;border-radius:8px;padding:0 14px;background:#1d4ed8;color:#fff;",
    "cursor:pointer;font-size:14px}",
    ".send:disabled{background:#93c5fd;cursor:wait}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
  ].join("");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}");
      return { open: !!saved.open, messages: Array.isArray(saved.messages) ? saved.messages : [] };
    } catch (e) {
      return { open: false, messages: [] };
    }
  }

  var state = load();

  function save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) { /* storage full or disabled: the conversation lives in memory only */ }
  }

  var host = el("div", { id: "citeqa-widget" });
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("style", {}, STYLE));

  var launcher = el("button", { className: "launcher", type: "button", "aria-label": "Open chat",
    "aria-haspopup": "dialog" }, "Ask");
  var panel = el("section", { className: "panel", role: "dialog", "aria-label": "Ask the documents" });
  var header = el("header");
  header.appendChild(el("h2", {}, "Ask the documents"));
  var close = el("button", { className: "close", type: "button", "aria-label": "Close chat" }, "×");
  header.appendChild(close);
  var log = el("div", { className: "log", role: "log", "aria-live": "polite" });
  var typing = el("div", { className: "typing", role: "status" }, "Looking in the documents…");
  typing.hidden = true;
  var source = el("section", { className: "source", "aria-label": "Cited passage" });
  source.hidden = true;
  var form = el("form");
  var label = el("label", { className: "sr", "for": "citeqa-input" }, "Ask a question");
  var input = el("textarea", { id: "citeqa-input", rows: "1", maxlength: String(MAX_CHARS),
    placeholder: "Ask a question…" });
  var send = el("button", { className: "send", type: "submit" }, "Send");
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(source);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  function setOpen(open, focus) {
    state.open = open;
    panel.hidden = !open;
    launcher.hidden = open;
    save();
    if (focus) (open ? input : launcher).focus();
  }

  function showSource(citation, button) {
    Array.prototype.forEach.call(log.querySelectorAll(".cite"), function (b) {
      b.setAttribute("aria-pressed", "false");
    });
    button.setAttribute("aria-pressed", "true");
    source.textContent = "";
    var hide = el("button", { className: "hide", type: "button", "aria-label": "Hide passage" },
      "Hide");
    hide.addEventListener("click", function () { source.hidden = true; button.focus(); });
    source.appendChild(hide);
    source.appendChild(el("h3", {}, citation.document_title || "Source"));
    var where = [];
    if (citation.page) {
      where.push(citation.page_end && citation.page_end !== citation.page
        ? "Pages " + citation.page + "–" + citation.page_end : "Page " + citation.page);
    }
    if (citation.section) where.push(citation.section);
    if (where.length) source.appendChild(el("p", { className: "where" }, where.join(" · ")));
    var text = citation.text || "";
    var at = text.indexOf(citation.quote || "");
    var p = el("p");
    if (at < 0 || !citation.quote) {
      p.appendChild(document.createTextNode(text));
    } else {
      p.appendChild(document.createTextNode(text.slice(0, at)));
      p.appendChild(el("mark", {}, citation.quote));
      p.appendChild(document.createTextNode(text.slice(at + citation.quote.length)));
    }
    source.appendChild(p);
    if (citation.url && citation.url.charAt(0) === "/") {
      var open = el("a", { className: "open", href: BASE + citation.url, target: "_blank",
        rel: "noopener noreferrer" }, "Open in the document");
      source.appendChild(open);
    }
    source.hidden = false;
    var mark = p.querySelector("mark");
    if (mark && mark.scrollIntoView) mark.scrollIntoView({ block: "nearest" });
    keepInSight(button);
  }

  // The passage takes room from the conversation: scroll the log (never the host page) so
  // the marker that opened it stays in sight, clear of the log's edges.
  function keepInSight(node) {
    var shown = node.getBoundingClientRect(), room = log.getBoundingClientRect(), margin = 12;
    if (shown.bottom > room.bottom - margin) log.scrollTop += shown.bottom - room.bottom + margin;
    else if (shown.top < room.top + margin) log.scrollTop -= room.top + margin - shown.top;
  }

  function renderAnswer(node, text, citations) {
    node.textContent = "";
    var byMarker = {};
    (citations || []).forEach(function (c) { byMarker[c.marker] = c; });
    text.split(/(\[\d+\])/).forEach(function (piece) {
      var match = /^\[(\d+)\]$/.exec(piece);
      var citation = match && byMarker[Number(match[1])];
      if (citation) {
        var button = el("button", { className: "cite", type: "button", "aria-pressed": "false",
          title: citation.document_title || "" }, piece);
        button.addEventListener("click", function () { showSource(citation, button); });
        node.appendChild(button);
      } else if (piece) {
        node.appendChild(document.createTextNode(piece));
      }
    });
  }

  function addMessage(message) {
    var node = el("div", { className: "msg " + message.role });
    if (message.role === "assistant") renderAnswer(node, message.content, message.citations);
    else node.textContent = message.content;
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function showError(text) {
    log.appendChild(el("div", { className: "msg error", role: "alert" }, text));
    log.scrollTop = log.scrollHeight;
  }

  function describeFailure(status, body) {
    if (status === 429) return "Too many questions right now. Please wait a moment and try again.";
    if (status === 422 || status === 400) {
      return "That question could not be asked: " + ((body && body.message) || "it is not valid.");
    }
    if (status === 503) {
      return "The answer service is not ready: " + ((body && body.message) || "try again later.");
    }
    if (status === 401 || status === 403) return "This site is not allowed to ask questions here.";
    return "The answer service failed (" + status + "). Please try again later.";
  }

  function parseEvents(buffer, onEvent) {
    var parts = buffer.split(/\r?\n\r?\n/);
    var rest = parts.pop();
    parts.forEach(function (block) {
      var name = "message";
      var data = [];
      block.split(/\r?\n/).forEach(function (line) {
        if (line.indexOf("event:") === 0) name = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
      });
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    });
    return rest;
  }

  function ask(question) {
    var history = state.messages.slice(-(MAX_MESSAGES - 1)).map(function (m) {
      return { role: m.role, content: m.content.slice(0, MAX_CHARS) };
    });
    history.push({ role: "user", content: question });
    state.messages.push({ role: "user", content: question });
    save();
    addMessage({ role: "user", content: question });
    typing.hidden = false;
    log.appendChild(typing);
    send.disabled = true;
    var node = null;
    var text = "";
    var citations = [];
    var finished = false;

    function finish(ok) {
      typing.hidden = true;
      send.disabled = false;
      if (!ok && node) node.remove();
      input.focus();
    }

    fetch(BASE + "/v1/chat/stream", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(COLLECTION ? { messages: history, collection: COLLECTION }
        : { messages: history })
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return null; }).then(function (body) {
          throw { shown: describeFailure(response.status, body) };
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function onEvent(name, data) {
        if (name === "citations") {
          citations = data;
        } else if (name === "delta") {
          if (!node) { typing.hidden = true; node = addMessage({ role: "assistant", content: "" }); }
          text += data.text;
          renderAnswer(node, text, citations);
          log.scrollTop = log.scrollHeight;
        } else if (name === "done") {
          finished = true;
          if (!node) node = addMessage({ role: "assistant", content: "" });
          renderAnswer(node, data.answer, data.citations);
          state.messages.push({ role: "assistant", content: data.answer, citations: data.citations });
          save();
        } else if (name === "error") {
          throw { shown: "The answer failed: " + data.message };
        }
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            if (!finished) throw { shown: "The answer was cut off. Please ask again." };
            return;
          }
          buffer = parseEvents(buffer + decoder.decode(chunk.value, { stream: true }), onEvent);
          return pump();
        });
      }
      return pump();
    }).then(function () {
      finish(true);
    }).catch(function (error) {
      state.messages.pop();
      save();
      finish(false);
      showError(error && error.shown ? error.shown :
        "Could not reach the answer service at " + BASE + ". It may be down, or this site " +
        "may not be allowed to use it.");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question || send.disabled) return;
    if (question.length > MAX_CHARS) {
      showError("Your question is too long: " + MAX_CHARS + " characters at most.");
      return;
    }
    input.value = "";
    ask(question);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : send.click();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); setOpen(false, true); }
  });
  launcher.addEventListener("click", function () { setOpen(true, true); });
  close.addEventListener("click", function () { setOpen(false, true); });

  state.messages.forEach(addMessage);
  setOpen(state.open, false);

  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
