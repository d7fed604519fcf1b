"""Read-only tables sent to the browser as HTML text instead of one Dash component per cell.

Why: dash-renderer's cost grows with the number of components it puts in a page, far faster
than the browser's own HTML parser. A scorecard is about 1,200 components (45 rows of 10 cells,
with links, badges and comparators); Chromium here took 2 to 7 s to show it as components and
well under a second as HTML. The page code still builds ordinary Dash components (tests read
them as such); :func:`static_tables` turns each finished table, in the JSON form Dash sends,
into one ``Div`` whose ``data-html`` attribute ``assets/static_html.js`` puts in place. The DOM
the reader gets is the same table (caption, header cells with scope, cells, links), so
keyboards, screen readers and print see no difference. Links become ``<a data-link>``, which
the same script makes navigate inside the app as ``dcc.Link`` does.

Only tables made of plain HTML components and links are converted; a table holding anything
else (an input, a chart, a component with an ``id`` a callback may target, inline styles) is
left as components. Text and attribute values are escaped with :func:`html.escape`.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

STATIC_CLASS = "static-html"
"""The class of the ``Div`` whose ``data-html`` the browser script shows."""
HTML = "dash_html_components"
LINK = ("dash_core_components", "Link")
VOID = frozenset({"Br", "Hr", "Img", "Col"})
ATTRIBUTE_NAMES = {"className": "class", "htmlFor": "for", "colSpan": "colspan", "rowSpan": "rowspan"}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
SAFE_URL = re.compile(r"(?:[/#?]|https?:|mailto:|data:image/)", re.IGNORECASE)
"""How an ``href`` or ``src`` may start (no ``javascript:``: React would refuse it, HTML would not)."""
REFUSED = frozenset({"id", "style", "n_clicks", "n_clicks_timestamp", "setProps", "loading_state"})


class NotStatic(Exception):
    """A component that must stay a Dash component (the table is left as it is)."""


def static_tables(content: Any) -> Any:
    """``content`` (Dash's JSON form of components) with each static HTML table as one ``Div``."""
    if isinstance(content, list):
        return [static_tables(part) for part in content]
    if not _is_component(content):
        return content
    if (content["namespace"], content["type"]) == (HTML, "Table"):
        try:
            text = to_html(content)
        except NotStatic:
            return content
        return {"namespace": HTML, "type": "Div", "props": {"className": STATIC_CLASS, "data-html": text}}
    props = content.get("props", {})
    if "children" not in props:
        return content
    return {**content, "props": {**props, "children": static_tables(props["children"])}}


def to_html(node: Any) -> str:
    """The HTML of a component tree in Dash's JSON form; :class:`NotStatic` if it cannot be."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node), quote=False)
    if isinstance(node, list):
        return "".join(to_html(part) for part in node)
    if not _is_component(node):
        raise NotStatic(f"not a component: {type(node).__name__}")
    props = dict(node.get("props", {}))
    children = props.pop("children", None)
    if REFUSED & props.keys():
        raise NotStatic(f"{node['type']} has {sorted(REFUSED & props.keys())[0]}")
    if (node["namespace"], node["type"]) == LINK:
        refresh = props.pop("refresh", False)
        props = {k: v for k, v in props.items() if k in ("href", "title", "className", "target")}
        if not refresh:
            props["data-link"] = True
        tag = "a"
    elif node["namespace"] == HTML:
        tag = node["type"].lower()
    else:
        raise NotStatic(f"{node['namespace']}.{node['type']}")
    opening = f"<{tag}{_attributes(props)}>"
    if node["type"] in VOID:
        return opening
    return f"{opening}{to_html(children)}</{tag}>"


def _attributes(props: dict[str, Any]) -> str:
    parts = []
    for name, value in props.items():
        if value is None or value is False:
            continue
        if not isinstance(value, str | int | float | bool):
            raise NotStatic(f"attribute {name} is a {type(value).__name__}")
        if not NAME.fullmatch(name):
            raise NotStatic(f"attribute name {name!r}")
        if name in ("href", "src") and not SAFE_URL.match(str(value)):
            raise NotStatic(f"{name} {str(value)[:40]!r}")
        attribute = ATTRIBUTE_NAMES.get(name, name)
        if value is True and attribute.startswith("aria-"):
            value = "true"
        parts.append(f" {attribute}" if value is True else f' {attribute}="{escape(str(value))}"')
    return "".join(parts)


def _is_component(node: Any) -> bool:
    return isinstance(node, dict) and "type" in node and "namespace" in node
