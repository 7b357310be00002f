/* The console's date inputs (macro date_input, templates/_date_input.html): the browser shows a
   date in the order of its own language (an English-US browser writes 5 August 2021 as
   08/05/2021), whatever the page's, and a page cannot ask it for another order nor reliably tell
   which one it uses. So on a Vietnamese page each chosen date is written again beside its label,
   day first ("· 05/08/2021"), and follows the input as it changes. */
(function () {
  "use strict";

  if ((document.documentElement.lang || "").slice(0, 2) !== "vi") return;

  function said(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return m ? "· " + m[3] + "/" + m[2] + "/" + m[1] : "";
  }

  function show(input) {
    var label = input.closest(".date-pick");
    var out = label && label.querySelector(".date-said");
    if (out) out.textContent = said(input.value);
  }

  function showAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".date-pick input[type=date]"), show);
  }

  // One listener for the whole page: inputs htmx swaps in or restores from its history work too.
  function changed(event) {
    if (event.target.matches && event.target.matches(".date-pick input[type=date]")) show(event.target);
  }
  document.addEventListener("input", changed);
  document.addEventListener("change", changed);
  document.addEventListener("htmx:load", showAll);
  document.addEventListener("htmx:historyRestore", showAll);
  showAll();
})();
