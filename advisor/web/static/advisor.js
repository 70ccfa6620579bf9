// advisor: small improvements on pages that work without JavaScript.
// - a Copy button beside the curl command;
// - a result's permalink in the address bar;
// - the rules page filters as you type (the Search button does the same on the server).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = button.parentElement.querySelector(".copied");
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(
        function () { status.textContent = "Copied."; },
        function () { source.select(); status.textContent = "Select and copy it by hand."; }
      );
    });
  });

  var search = document.getElementById("q");
  var count = document.getElementById("q-count");
  var rules = document.querySelectorAll("ol.rules > li.rule");
  if (search && count && rules.length) {
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rules.forEach(function (rule) {
        var text = rule.dataset.search || "";  // what the server searches, so both find the same rules
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        rule.hidden = !match;
        if (match) shown += 1;
      });
      count.textContent = words.length ? shown + " of " + rules.length + " rules shown." : rules.length + " rules.";
    });
  }

  // A submitted form is answered with its result at "/": the permalink goes in the address bar instead, so
  // the address can be shared and reloading asks for the permalink rather than posting the form again.
  var permalink = document.querySelector("#result a.permalink");
  if (permalink && !location.search && history.replaceState) {
    history.replaceState(null, "", permalink.href);
  }

  var summary = document.getElementById("errors");
  if (summary) summary.focus();
});
