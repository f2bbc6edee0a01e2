/* mesobot chat widget: add <script src="https://GATEWAY/static/widget.js" defer></script>
 * to any page. No build step, no cookies: the conversation key is a random token kept in
 * localStorage. Everything a person wrote is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  if (window.__mesobotLoaded) return;
  window.__mesobotLoaded = true;

  var script = document.currentScript;
  var gateway = (script && script.dataset.gateway) || new URL(script.src).origin;
  var storageKey = "mesobot.token." + gateway;
  var URL_PATTERN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    var token = localStorage.getItem(storageKey);
    if (token) headers["Authorization"] = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(gateway + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { var error = new Error(data.error || response.statusText); error.status = response.status; throw error; }
        return data;
      });
    });
  }

  var link = el("link", { rel: "stylesheet", href: gateway + "/static/widget.css" });
  document.head.appendChild(link);

  var root = el("div", { "class": "mesobot" });
  var bubble = el("button", { "class": "mesobot-bubble", type: "button", "aria-expanded": "false", "aria-controls": "mesobot-panel", "aria-label": "Open chat" });
  var SVG = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(SVG, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  path.setAttribute("fill", "currentColor");
  icon.appendChild(path);
  bubble.appendChild(icon);
  var panel = el("section", { "class": "mesobot-panel", id: "mesobot-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "mesobot-title" });
  panel.hidden = true;
  var header = el("div", { "class": "mesobot-header" });
  var title = el("h2", { id: "mesobot-title" }, "Chat");
  var close = el("button", { "class": "mesobot-close", type: "button", "aria-label": "Close chat" }, "×");
  header.append(title, close);
  var note = el("p", { "class": "mesobot-note" }, "General information from the clinic, not medical advice.");
  // The patient's own data: a copy to keep, or all of it deleted.
  var mine = el("div", { "class": "mesobot-mine" });
  var download = el("button", { type: "button", "class": "mesobot-link" }, "Download my conversation");
  var forget = el("button", { type: "button", "class": "mesobot-link" }, "Delete my conversation");
  mine.append(download, forget);
  var log = el("div", { "class": "mesobot-log", role: "log", "aria-label": "Conversation", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
  var replies = el("div", { "class": "mesobot-replies", role: "group", "aria-label": "Suggested replies" });
  var typing = el("div", { "class": "mesobot-typing", role: "status" });
  var form = el("form", { "class": "mesobot-form" });
  var label = el("label", { "for": "mesobot-input", "class": "mesobot-sr" }, "Your message");
  var input = el("textarea", { id: "mesobot-input", rows: "1", maxlength: "4096", placeholder: "Type your question…", autocomplete: "off" });
  var send = el("button", { type: "submit" }, "Send");
  form.append(label, input, send);
  panel.append(header, note, mine, log, replies, typing, form);
  root.append(panel, bubble);
  document.body.appendChild(root);

  function appendText(parent, text) {
    var last = 0;
    text.replace(URL_PATTERN, function (url, _group, offset) {
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var anchor = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url);
      parent.appendChild(anchor);
      last = offset + url.length;
      return url;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(from, text, extraClass, name) {
    var bubbleClass = "mesobot-msg from-" + from + (extraClass ? " " + extraClass : "");
    var item = el("div", { "class": bubbleClass });
    var who = { bot: "Assistant", patient: "You", staff: "Clinic team" }[from] || "Clinic team";
    if (from === "staff" && name) who += " · " + name;
    item.appendChild(el("span", { "class": "mesobot-who" }, who));
    appendText(item, text || "");
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  // A button's payload is a token the gateway issued to this conversation; the gateway looks
  // up what it means, so nothing a page sends can pose as a button.
  function showButtons(buttons) {
    replies.textContent = "";
    (buttons || []).forEach(function (button) {
      var choice = el("button", { type: "button" }, button.title);
      choice.addEventListener("click", function () {
        // The buttons go away with the choice: keep the keyboard where the next answer is typed.
        input.focus();
        submit({ button: button.payload }, button.title);
      });
      replies.appendChild(choice);
    });
    log.scrollTop = log.scrollHeight;  // the buttons took room from the log
  }

  // Quick replies of every bot message in a turn: a safety reply's "call me back" stays
  // next to the answer's "Tell me more".
  function mergeButtons(into, buttons) {
    (buttons || []).forEach(function (button) {
      if (!into.some(function (b) { return b.payload === button.payload; })) into.push(button);
    });
    return into;
  }

  function showBotReplies(list) {
    var buttons = [];
    list.forEach(function (reply) {
      if (reply.text) addMessage("bot", reply.text);
      mergeButtons(buttons, reply.buttons);
    });
    showButtons(buttons);
  }

  function ensureSession() {
    if (localStorage.getItem(storageKey)) return Promise.resolve();
    return api("POST", "/widget/session").then(function (data) { localStorage.setItem(storageKey, data.token); });
  }

  var busy = false;
  // body is {text: "..."} for typed words or {button: token} for a quick reply.
  function submit(body, shown) {
    if (busy) return;
    busy = true;
    showButtons([]);
    var typed = body.text !== undefined;
    var mine = addMessage("patient", typed ? body.text : shown);
    typing.textContent = "The assistant is typing…";
    ensureSession()
      .then(function () { return api("POST", "/widget/messages", body); })
      .catch(function (error) {
        if (error.status !== 401) throw error;
        localStorage.removeItem(storageKey);  // a stale session: start a new one and resend
        if (!typed) throw error;  // a button of the old session means nothing in a new one
        return ensureSession().then(function () { return api("POST", "/widget/messages", body); });
      })
      .then(function (data) {
        if (typed && input.value === body.text) input.value = "";
        showBotReplies(data.replies || []);
        listen();
      })
      .catch(function (error) {
        mine.classList.add("is-error");
        addMessage("bot", "Your message was not sent (" + error.message + ")." + (typed ? " It is still in the box below: press Send to try again." : ""), "is-error");
        if (typed) input.value = body.text;
      })
      .then(function () { typing.textContent = ""; busy = false; });
  }

  // Late bot replies and staff replies arrive over server-sent events. EventSource cannot send
  // headers, so each connection uses a single-use ticket instead of the session token.
  var events = null;
  function listen() {
    if (events || !localStorage.getItem(storageKey) || !window.EventSource) return;
    events = { connecting: true };
    api("POST", "/widget/events/ticket").then(function (data) {
      var source = new EventSource(gateway + "/widget/events?ticket=" + encodeURIComponent(data.ticket));
      events = source;
      source.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        addMessage(message.from || "staff", message.text, undefined, message.name);
        if (message.from === "bot") showButtons(message.buttons || []);
      };
      source.onerror = function () {
        source.close();  // a ticket works once: reconnect with a new one
        events = null;
        setTimeout(listen, 3000);
      };
    }).catch(function (error) { events = null; if (error.status !== 401) setTimeout(listen, 10000); });
  }

  function loadHistory() {
    if (!localStorage.getItem(storageKey)) return;
    api("GET", "/widget/history").then(function (data) {
      log.textContent = "";
      var turnButtons = [];
      (data.messages || []).forEach(function (line) {
        addMessage(line.from, line.text, undefined, line.name);
        turnButtons = line.from === "bot" ? mergeButtons(turnButtons, line.buttons) : [];
      });
      showButtons(turnButtons);
      listen();
    }).catch(function (error) { if (error.status === 401) localStorage.removeItem(storageKey); });
  }

  // When the panel covers the page (phones, high zoom) the bubble underneath leaves the Tab order.
  var covers = window.matchMedia ? window.matchMedia("(max-width: 480px), (max-height: 480px)") : null;
  function open() {
    panel.hidden = false;
    if (covers && covers.matches) bubble.setAttribute("inert", "");
    bubble.setAttribute("aria-expanded", "true");
    bubble.setAttribute("aria-label", "Close chat");
    input.focus();
  }
  function shut() {
    panel.hidden = true;
    bubble.removeAttribute("inert");
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-label", "Open chat");
    bubble.focus();
  }
  download.addEventListener("click", function () {
    if (!localStorage.getItem(storageKey)) return;
    api("GET", "/widget/export").then(function (data) {
      var file = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      var link = el("a", { href: URL.createObjectURL(file), download: "my-conversation.json" });
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });
  forget.addEventListener("click", function () {
    if (!localStorage.getItem(storageKey)) return;
    if (!window.confirm("Delete this conversation and everything you told us in it?")) return;
    api("POST", "/widget/forget").then(function (data) {
      localStorage.removeItem(storageKey);
      if (events && events.close) events.close();
      events = null;
      log.textContent = "";
      showBotReplies(data.replies || []);
      input.focus();
    });
  });
  bubble.addEventListener("click", function () { panel.hidden ? open() : shut(); });
  close.addEventListener("click", shut);
  // Escape closes the chat wherever the focus is, once it is open.
  document.addEventListener("keydown", function (event) { if (event.key === "Escape" && !panel.hidden) shut(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (text.trim()) submit({ text: text });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });

  api("GET", "/widget/config").then(function (config) {
    title.textContent = config.clinicName || "Chat";
    bubble.setAttribute("aria-label", "Open chat with " + (config.clinicName || "the clinic"));
    if (config.disclaimer) note.textContent = config.disclaimer;
    if (config.maxChars) input.setAttribute("maxlength", String(config.maxChars));
    var colors = config.colors || {};
    if (colors.primary) root.style.setProperty("--mb-primary", colors.primary);
    if (colors.on_primary) root.style.setProperty("--mb-on-primary", colors.on_primary);
  }).catch(function () { /* defaults are fine */ });
  loadHistory();
})();
