// The card sheets: the Print button opens the browser's print dialog (A4, no margins: print.css).
const button = document.getElementById("print-now");
if (button) button.addEventListener("click", () => window.print());
