/* สมัครสมาชิก: find the LAO by name or code (at most 20 matches from the server), never a
   7,850-row dropdown.  Choosing a result fills the DLA code field the form posts. */
(function () {
  function ready(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); }
    else { fn(); }
  }
  ready(function () {
    var search = document.getElementById("org-search");
    var results = document.getElementById("org-results");
    var code = document.getElementById("dla_code");
    var chosen = document.getElementById("org-chosen");
    if (!search || !results || !code) { return; }
    var timer = null, seq = 0;
    function show(items) {
      results.textContent = "";
      if (!items.length) {
        var none = document.createElement("div");
        none.className = "list-group-item small text-muted";
        none.textContent = search.dataset.empty;
        results.appendChild(none);
        return;
      }
      items.forEach(function (item) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "list-group-item list-group-item-action org-result";
        button.dataset.code = item.dla_code;
        button.textContent = item.name + " · " + item.district + " · " + item.province + " (" + item.dla_code + ")";
        button.addEventListener("click", function () {
          code.value = item.dla_code;
          if (chosen) { chosen.textContent = item.name + " · " + item.province; }
          results.textContent = "";
          search.value = item.name;
        });
        results.appendChild(button);
      });
    }
    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      var q = search.value.trim();
      if (q.length < 2) { results.textContent = ""; return; }
      timer = window.setTimeout(function () {
        var mine = ++seq;
        fetch(search.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) { if (mine === seq) { show(data.results || []); } })
          .catch(function () {});
      }, 250);
    });
    // Typed before this script ran (a slow phone connection): search for it now.
    if (search.value.trim().length >= 2) { search.dispatchEvent(new Event("input")); }
  });
})();
