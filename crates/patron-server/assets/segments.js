// Patron's segment builder: the figures follow the condition as it is typed (the form works
// without this script too). Same origin only; no other script runs on the pages.
(function () {
  "use strict";
  var input = document.getElementById("where");
  var figures = document.getElementById("figures");
  var saveWhere = document.getElementById("save-where");
  if (!input || !figures) return;
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    if (saveWhere) saveWhere.value = input.value;
    clearTimeout(timer);
    timer = setTimeout(function () {
      var asked = ++latest;
      var url = input.getAttribute("data-figures") + "?where=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (asked !== latest) return; // an older answer arriving late
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#figures");
          if (fresh) figures.replaceWith(fresh), figures = fresh;
        });
    }, 350);
  });
})();
