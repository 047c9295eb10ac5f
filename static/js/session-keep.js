/* The section form's sign-in keeper (issue 22, "no typed work lost"; views/sessions.py).

   The server ends a sign-in after SESSION_IDLE_MINUTES without a request.  A clerk typing a
   long form makes no request, so while the clerk types or clicks in the form this pings
   POST /session/keepalive, at most once a minute.  A minute before the end (half the idle time
   when that is shorter) it asks the server how long is left — another tab may have kept the
   sign-in alive — and, if the end is near, warns with a button ทำงานต่อ that pings.  When the
   server says the sign-in has ended (idle, the absolute timeout, a sign-out on another device),
   a banner says so, and that บันทึก keeps what was typed for after signing in again
   (views/unsaved.py).  The texts are the page's own (templates/admin/section/edit.html), in
   the clerk's language; nothing here runs inline (the CSP allows none). */
(function () {
  var clock = document.getElementById("session-keep");
  var form = document.querySelector("form.admin-form");
  if (!clock || !form || !window.fetch) { return; }

  var url = clock.getAttribute("data-url");
  var idle = Number(clock.getAttribute("data-idle-seconds")) * 1000;
  var lead = Math.min(60000, idle / 2);    /* warn this long before the end */
  var gap = Math.min(60000, idle / 2);     /* ping at most this often while the clerk works */
  var warning = document.getElementById("session-warning");
  var ended = document.getElementById("session-ended");
  var stale = document.getElementById("session-stale");
  var lastPing = Date.now();               /* the page's own request counted as one */
  /* active, then ended (the sign-in is over: บันทึก keeps the values) or stale (this page's
     CSRF token is no longer the session's: a sign-out or a new sign-in in this browser). */
  var state = "active";
  var warnTimer = null, endTimer = null, pending = false, queued = false;

  function token() {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function show(element, visible) { if (element) { element.hidden = !visible; } }

  function schedule(secondsLeft) {
    var now = Date.now(), deadline = now + secondsLeft * 1000;
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(function () { ask(false); }, Math.max(0, deadline - lead - now));
    /* A little after the server's end: then the server's answer is final. */
    endTimer = window.setTimeout(function () { ask(false); }, Math.max(0, deadline - now) + 2000);
  }

  function finish(next) {
    state = next;
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    show(warning, false);
    show(ended, next === "ended");
    show(stale, next === "stale");
  }

  /* refresh: the clerk is working (the idle time starts again); otherwise only ask.  Once the
     sign-in has ended only asking is left: a sign-in in another tab makes this page stale. */
  function ask(refresh) {
    if (state === "stale" || (state === "ended" && refresh)) { return; }
    if (pending) { queued = queued || refresh; return; }  /* one request at a time */
    pending = true;
    var body = new URLSearchParams();
    if (!refresh) { body.set("check", "1"); }
    window.fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": token(), "Accept": "application/json"}
    }).then(function (response) {
      if (response.status === 400) { return {stale: true}; }  /* the CSRF token is no longer the session's */
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      pending = false;
      if (answer.stale) { finish("stale"); return; }
      if (!answer.signed_in) { finish("ended"); return; }
      if (refresh) { lastPing = Date.now(); }
      state = "active";
      show(ended, false);
      var left = Number(answer.seconds_left) || 0;
      show(warning, left * 1000 <= lead + 1000);
      schedule(left);
      if (queued) { queued = false; ask(true); }
    }).catch(function () {
      /* No answer (the network, the server restarting): ask again a little later. */
      pending = false;
      queued = false;
      if (state !== "active") { return; }
      window.clearTimeout(endTimer);
      endTimer = window.setTimeout(function () { ask(false); }, 15000);
    });
  }

  function working() {
    if (state === "active" && Date.now() - lastPing >= gap) { ask(true); }
  }
  ["input", "change", "keydown", "click"].forEach(function (kind) {
    form.addEventListener(kind, working, true);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-session-continue]")) {
      event.preventDefault();
      ask(true);
    }
  });
  /* Back on a page the browser kept (bfcache), or after the computer slept: ask at once. */
  window.addEventListener("pageshow", function (event) { if (event.persisted) { ask(false); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { ask(false); }
  });

  schedule(Number(clock.getAttribute("data-seconds-left")) || idle / 1000);
})();
