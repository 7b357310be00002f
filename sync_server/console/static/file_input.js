/* The console's file inputs (macro file_input, templates/_file_input.html): the browser's own
   "Choose File" / "No file chosen" are in the browser's language, not the page's. Each input is
   made transparent over the console's button-like "Chọn tệp…" and shows the chosen file's name
   (or "Chưa chọn tệp") in the page's language; the input itself stays where it was, focusable,
   labelled, required as written and posted with its form. Running twice changes nothing. */
(function () {
  "use strict";

  function showChosen(input, chosen) {
    var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    chosen.textContent = names.length ? names.join(", ") : chosen.getAttribute("data-none");
    chosen.classList.toggle("chosen", names.length > 0);
  }

  function enhance(box) {
    if (box.classList.contains("enhanced")) return;
    var input = box.querySelector("input[type=file]");
    var chosen = box.querySelector(".file-chosen");
    if (!input || !chosen) return;
    input.setAttribute("aria-describedby", chosen.id);
    input.addEventListener("change", function () { showChosen(input, chosen); });
    showChosen(input, chosen);
    box.classList.add("enhanced");
  }

  Array.prototype.forEach.call(document.querySelectorAll(".file-pick"), enhance);
})();
