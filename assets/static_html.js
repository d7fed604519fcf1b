/* Tables sent as HTML text (layouts/static_html.py): put each in its place as it arrives, and
   let their links (a[data-link]) change the page inside the app, as dcc.Link does. */
(function () {
    function show() {
        document.querySelectorAll("div.static-html[data-html]").forEach(function (box) {
            if (box.__shown !== box.dataset.html) {
                box.innerHTML = box.dataset.html;
                box.__shown = box.dataset.html;
            }
        });
    }
    new MutationObserver(show).observe(document.documentElement, {
        childList: true, subtree: true, attributes: true, attributeFilter: ["data-html"]
    });
    document.addEventListener("click", function (event) {
        var link = event.target.closest ? event.target.closest("a[data-link]") : null;
        if (!link || event.defaultPrevented || event.button !== 0 ||
            event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.target) {
            return;
        }
        event.preventDefault();
        window.history.pushState({}, "", link.getAttribute("href"));
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
    });
})();
