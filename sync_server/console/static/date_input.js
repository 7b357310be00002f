/* The console's date inputs (macro date_input, templates/_date_input.html): the browser shows a
   date in its own locale's order (an English-US browser writes 5 August 2021 as 08/05/2021). On a
   Vietnamese page whose browser does not write day/month/year, each chosen date is written again
   beside its label as "· 05/08/2021", and follows the input as it changes. Running twice changes
   nothing. */
(function () {
  "use strict";

  if ((document.documentElement.lang || "").slice(0, 2) !== "vi") return;
  var sample = new Intl.DateTimeFormat(undefined, { day: "2-digit", month: "2-digit", year: "numeric" })
    .format(new Date(2021, 7, 5));
  if (/^05\D08\D2021$/.test(sample)) return; // the browser already writes day/month/year

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
