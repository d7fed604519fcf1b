"""Component ids, in one place so a typo fails loudly (callback exceptions stay on).

Page controls share one pattern-matching id type, so a single callback keeps every control and
the URL query string in step: the URL is the one source of truth for a view.
"""

from __future__ import annotations

URL = "url"
PAGE = "page"
NOTICE = "notice"
ALERT = "alert"
TITLE = "page-title"
URL_DEFAULTS = "url-defaults"  # a store: defaults to write into the URL in place (no history entry)
CONTROL = "control"  # {"type": CONTROL, "name": <query parameter>}
CONTENT = "content"  # {"type": CONTENT, "page": <page name>}


def control(name: str) -> dict[str, str]:
    return {"type": CONTROL, "name": name}


def content(page: str) -> dict[str, str]:
    return {"type": CONTENT, "page": page}


def ready(page: str) -> dict[str, str]:
    """A store inside each page: its arrival fires the page's content callback on first render."""
    return {"type": "ready", "page": page}
