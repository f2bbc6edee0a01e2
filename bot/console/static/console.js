/* Live updates for the staff console: the server says when the queue or a conversation
 * changed (server-sent events), and the page fetches that part again. No other logic. */
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  var transcript = document.getElementById("transcript");
  if (!queue && !transcript || !window.EventSource) return;
  var url = "/console/live" + (transcript ? "?escalation=" + encodeURIComponent(transcript.dataset.escalation) : "");
  // The state the page was rendered at: the stream's first event is compared with it, since
  // a change can land between rendering and connecting.
  var last = {
    queue: queue ? JSON.parse(queue.dataset.version) : null,
    conversation: transcript ? transcript.dataset.version : null
  };

  function refresh(region) {
    fetch(region.dataset.live, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        // The server renders and escapes it; the fragment holds no scripts.
        var template = document.createElement("template");
        template.innerHTML = html;
        region.replaceChildren(template.content);
      });
  }

  function connect() {
    var source = new EventSource(url);
    source.onmessage = function (event) {
      var now;
      try { now = JSON.parse(event.data); } catch (e) { return; }
      if (queue && JSON.stringify(now.queue) !== JSON.stringify(last.queue)) refresh(queue);
      if (transcript && now.conversation !== last.conversation) refresh(transcript);
      last = now;
    };
    source.onerror = function () { source.close(); setTimeout(connect, 5000); };
  }
  connect();
})();
