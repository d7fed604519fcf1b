/* Printed pages: the title, unit and period, "Page N of M" and the date printed in the page margins
   (CSS @page margin boxes read these custom properties; see dashboard.css, @media print). */
(function () {
    function quoted(text) {
        return '"' + String(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\s+/g, " ").trim() + '"';
    }
    function label() {
        var root = document.documentElement;
        var h1 = document.querySelector("main h1");
        var h2 = document.querySelector("main .card-heading") || document.querySelector("main .page-content h2");
        var title = (h1 ? h1.textContent : document.title) + (h2 ? " – " + h2.textContent : "");
        var printed = new Date().toLocaleDateString("en-GB", {day: "numeric", month: "long", year: "numeric"});
        root.style.setProperty("--print-title", quoted(title));
        root.style.setProperty("--printed", quoted("Printed " + printed));
    }
    var waiting = null;
    new MutationObserver(function () {
        if (waiting === null) { waiting = setTimeout(function () { waiting = null; label(); }, 200); }
    }).observe(document.documentElement, {childList: true, subtree: true});
    window.addEventListener("beforeprint", label);
})();
