/* INFO's page script. It is loaded in <head> (admin pages), so the confirmation listener below
   is in place before any button can be pressed; what needs the page's elements waits for them. */
(function () {
  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); }
    else { fn(); }
  }

  /* The letter's text-size control (ก ก ก), remembered per browser. */
  var sizes = {small: "text-small", normal: "", large: "text-large"};
  function apply(size) {
    var root = document.documentElement;
    root.classList.remove("text-small", "text-large");
    if (sizes[size]) { root.classList.add(sizes[size]); }
    document.querySelectorAll(".text-size a").forEach(function (a) {
      a.classList.toggle("active", a.dataset.size === size);
    });
  }
  var saved = null;
  try { saved = window.localStorage.getItem("info-text-size"); } catch (e) {}
  var initial = saved && sizes.hasOwnProperty(saved) ? saved : "normal";
  apply(initial);
  ready(function () { apply(initial); });
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".text-size a");
    if (!link) { return; }
    event.preventDefault();
    try { window.localStorage.setItem("info-text-size", link.dataset.size); } catch (e) {}
    initial = link.dataset.size;
    apply(initial);
  });

  /* Submit buttons with data-confirm="…" ask first; dismissing the dialog cancels the submit.
     One listener bound here rather than inline onclick="return confirm(…)": inside an inline
     handler the form's own fields come first in scope, so an <input name="confirm"> shadowed
     window.confirm, the handler threw, and the form was sent without asking. */
  document.addEventListener("submit", function (event) {
    var button = event.submitter
      || event.target.querySelector("button[data-confirm], input[type=submit][data-confirm]");
    var question = button && (button.getAttribute("data-confirm") || inlineConfirm(button));
    if (!question) { return; }
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* A long request (opening a year for the whole country) says it is working: the button
     with data-busy="…" is disabled and shows that text once the form is really sent (after any
     confirmation above), so nobody presses it twice or closes the page. */
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("button[data-busy]");
    if (event.defaultPrevented || !button || !button.hasAttribute("data-busy")) { return; }
    var busy = button.getAttribute("data-busy");
    window.setTimeout(function () {       /* after the browser has taken the form's data */
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.textContent = busy;
    }, 0);
  });

  /* The Content-Security-Policy (app.py) runs no inline handler, and Flask-Admin's templates
     write three: the list actions (onclick="return modelActions.execute('certify')"), the
     delete button (onclick="return faHelpers.safeConfirm('…')") and the add-a-child-row link
     (onclick="faForm.addInlineField(this, 'vehicles')"), besides onclick="return false;" on
     links its own script handles.  These listeners read the inert attribute when the user
     clicks or submits, so nothing waits for the page to finish loading.  Once it has, the
     attribute moves to data-inline-onclick: a browser that ignores the policy would otherwise
     run the action twice (the handler, then this listener).  Chromium still reports each of
     these attributes as blocked (tests/browser/conftest.py knows exactly these four). */
  function handlerOf(element) {
    return element.getAttribute("onclick") || element.getAttribute("data-inline-onclick");
  }
  function quoted(handler, call) {
    var match = handler && handler.match(new RegExp(call + "\\((?:this, *)?'((?:[^'\\\\]|\\\\.)*)'"));
    return match ? match[1].replace(/\\(.)/g, "$1") : null;
  }
  function inlineConfirm(button) {
    return quoted(handlerOf(button), "faHelpers\\.safeConfirm");
  }
  var TAKEN_OVER = /^\s*(return modelActions\.execute\(|return faHelpers\.safeConfirm\(|faForm\.addInlineField\(|return false;\s*$)/;
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[onclick], a[data-inline-onclick]");
    if (!link) { return; }
    var handler = handlerOf(link);
    var action = quoted(handler, "modelActions\\.execute");
    if (action !== null && window.modelActions) {
      event.preventDefault();
      window.modelActions.execute(action);
      return;
    }
    var field = quoted(handler, "faForm\\.addInlineField");
    if (field !== null && window.faForm) {
      event.preventDefault();
      window.faForm.addInlineField(link, field);
      return;
    }
    if (/^\s*return false;\s*$/.test(handler)) { event.preventDefault(); }
  });
  /* href="javascript:void(0)" (Flask-Admin's tabs, dropdowns, select2): the policy blocks the
     navigation, which would do nothing anyway.  In the capture phase, before a library's
     handler can stop the event on its way. */
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='javascript:']");
    if (link) { event.preventDefault(); }
  }, true);
  ready(function () {
    document.querySelectorAll("[onclick]").forEach(function (element) {
      var handler = element.getAttribute("onclick");
      if (TAKEN_OVER.test(handler)) {
        element.setAttribute("data-inline-onclick", handler);
        element.removeAttribute("onclick");
      }
    });
  });

  /* Print buttons (the A4 report). */
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
  });

  /* "Back to the form" on the page that refused a form (views/errors.py): the browser's own
     back, which shows the form again with what was typed when the browser kept the page. */
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-history-back]")) { event.preventDefault(); window.history.back(); }
  });

  /* Flask-Admin's "select all" checkbox (and any list checkbox a template did not name) has
     only a title; give it an accessible name too. */
  ready(function () {
    document.querySelectorAll(".model-list input[type=checkbox][title]:not([aria-label])")
      .forEach(function (box) { box.setAttribute("aria-label", box.title); });
  });

  /* The bulk page (issue 24): the officer may leave LAOs out of the preview; the button and its
     confirmation say how many stay ticked, so the one confirmation names what will happen. */
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-bulk]");
    if (!form) { return; }
    var n = form.querySelectorAll("input[type=checkbox][name=rowid]:checked").length;
    var button = form.querySelector("[data-bulk-button]");
    var shown = n.toLocaleString("en-US");
    button.textContent = button.getAttribute("data-label").replace("{n}", shown);
    button.setAttribute("data-confirm", button.getAttribute("data-question").replace("{n}", shown));
    button.disabled = n === 0;
  });
})();
