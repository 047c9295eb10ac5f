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
    if (!button || !button.hasAttribute("data-confirm")) { return; }
    if (!window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* Flask-Admin's "select all" checkbox (and any list checkbox a template did not name) has
     only a title; give it an accessible name too. */
  ready(function () {
    document.querySelectorAll(".model-list input[type=checkbox][title]:not([aria-label])")
      .forEach(function (box) { box.setAttribute("aria-label", box.title); });
  });
})();
