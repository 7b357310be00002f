/* The console's date inputs (macro date_input, templates/_date_input.html): the browser shows a
   date in the order of its own language (an English-US browser writes 5 August 2021 as
   08/05/2021), whatever the page's, and a page cannot ask it for another order nor reliably tell
   which one it uses. So on a Vietnamese page each chosen date is written again beside its label,
   day first ("· 05/08/2021"), and follows the input as it changes. Running twice changes nothing. */
(function () {
  "use strict";

  if ((document.documentElement.lang || "").slice(0, 2) !== "vi") return;

  function said(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return m ? "· " + m[3] + "/" + m[2] + "/" + m[1] : "";
  }

  function enhance(label) {
    if (label.classList.contains("enhanced")) return;
    var input = label.querySelector("input[type=date]");
    var out = label.querySelector(".date-said");
    if (!input || !out) return;
    var show = function () { out.textContent = said(input.value); };
    input.addEventListener("input", show);
    input.addEventListener("change", show);
    show();
    label.classList.add("enhanced");
  }

  Array.prototype.forEach.call(document.querySelectorAll(".date-pick"), enhance);
})();
