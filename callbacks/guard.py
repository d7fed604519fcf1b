"""Request hygiene for the web process: callback requests are checked before Dash sees them,
and no error ever reaches a browser as a stack trace.

A callback request must name a server callback of this app and send exactly the inputs and
state it declares (same ids, same properties, values of the expected type and size). Anything
else gets a 400 with a one-line reason. An exception that still escapes a view is logged with
its detail and answered with a plain message: 400 for a callback request (Dash's own parsing of
a malformed body fails inside the view), 500 elsewhere.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("dashboard.requests")

CALLBACK_ROUTE = "_dash-update-component"  # under the app's routes_pathname_prefix ("/")
MAX_TEXT = 4_000  # longest string value a control or the URL can send
MAX_ITEMS = 200  # most components one pattern-matching input can match
TEXT_OR_NONE = "text"
SIMPLE = "simple"  # a control's value: text, number, true/false, or a list of those
ANY_SMALL = "any"
VALUE_KINDS = {"search": TEXT_OR_NONE, "pathname": TEXT_OR_NONE, "hash": TEXT_OR_NONE, "value": SIMPLE}


class BadCallback(ValueError):
    """A callback request this app would never send (the message says what is wrong)."""


def plain(status: int, reason: str) -> Response:
    return Response(f"{status} {reason}\n", status=status, mimetype="text/plain")


def install(app: Dash) -> None:
    """Check callback requests before Dash runs them; answer every error in plain words."""
    server = app.server
    callback_path = f"{app.config.routes_pathname_prefix}{CALLBACK_ROUTE}"

    @server.before_request
    def _check_callback_request() -> Response | None:
        if request.path != callback_path or request.method != "POST":
            return None
        if request.mimetype != "application/json":
            return plain(415, "callback requests must be JSON (Content-Type: application/json)")
        limit = server.config.get("MAX_CONTENT_LENGTH")
        if request.content_length is None and limit:  # chunked: no length to refuse it by up front
            data = request.stream.read(limit + 1)  # werkzeug stops a chunked body at the limit
            if len(data) > limit or request.stream.read(1):
                return plain(413, f"the request body is over {limit:,} bytes")
            request._cached_data = data  # what get_json (and Dash) read
        try:
            body = request.get_json(silent=True)  # a body over MAX_CONTENT_LENGTH raises 413 here
        except RecursionError:  # nested thousands deep
            body = None
        if body is None:
            return plain(400, "the callback request is not valid JSON")
        try:
            check_callback_body(body, app.callback_map)
        except BadCallback as exc:
            log.warning("refused callback request from %s: %s", request.remote_addr, exc)
            return plain(400, f"bad callback request: {exc}")
        return None

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        response = exc.get_response()  # keeps headers such as Allow on a 405
        response.set_data(f"{exc.code} {exc.name}\n")
        response.mimetype = "text/plain"
        return response

    @server.errorhandler(DependencyException)
    def _no_such_resource(exc: DependencyException) -> Response:
        return plain(404, "Not Found")  # an unknown script path (Dash itself answers 500)

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):  # raised inside a view: keep its status
            return _http_error(exc)
        if request.path == callback_path:
            log.warning("callback request failed inside Dash: %r", exc, exc_info=exc)
            return plain(400, "bad callback request")
        log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
        return plain(500, "the server could not answer; the error has been logged")


def check_callback_body(body: Any, callback_map: dict[str, dict[str, Any]]) -> None:
    """Raise BadCallback unless ``body`` is a request the dashboard's renderer would send."""
    if not isinstance(body, dict):
        raise BadCallback("the body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise BadCallback("unknown output")
    declared = callback_map[output]
    if "callback" not in declared:
        raise BadCallback("that output is computed in the browser")
    for part in ("inputs", "state"):
        sent = body.get(part, [])
        specs = declared.get(part, [])
        if not isinstance(sent, list) or len(sent) != len(specs):
            raise BadCallback(f"{part} do not match the callback")
        for item, spec in zip(sent, specs, strict=True):
            _check_dependency(item, spec)
    outputs = body.get("outputs")
    if not isinstance(outputs, dict | list):
        raise BadCallback("outputs are missing")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and len(c) < 500 for c in changed):
        raise BadCallback("changedPropIds must be a list of ids")


def _check_dependency(item: Any, spec: dict[str, str]) -> None:
    pattern = json.loads(spec["id"]) if spec["id"].startswith("{") else None
    wildcard = pattern is not None and any(isinstance(v, list) for v in pattern.values())
    if wildcard:
        if not isinstance(item, list) or len(item) > MAX_ITEMS:
            raise BadCallback(f"{spec['property']} inputs must be a list of at most {MAX_ITEMS}")
        for one in item:
            _check_one(one, spec, pattern)
    else:
        _check_one(item, spec, pattern)


def _check_one(item: Any, spec: dict[str, str], pattern: dict[str, Any] | None) -> None:
    if not isinstance(item, dict) or item.get("property") != spec["property"]:
        raise BadCallback("an input does not match the callback")
    sent_id = item.get("id")
    if pattern is None:
        if sent_id != spec["id"]:
            raise BadCallback("an input id does not match the callback")
    elif not isinstance(sent_id, dict) or set(sent_id) != set(pattern):
        raise BadCallback("an input id does not match the callback")
    else:
        for key, wanted in pattern.items():
            got = sent_id[key]
            if isinstance(wanted, list):  # a wildcard: any short name
                if not isinstance(got, str) or not 0 < len(got) <= 64:
                    raise BadCallback("an input id does not match the callback")
            elif got != wanted:
                raise BadCallback("an input id does not match the callback")
    _check_value(item.get("value"), VALUE_KINDS.get(spec["property"], ANY_SMALL))


def _check_value(value: Any, kind: str) -> None:
    if kind == TEXT_OR_NONE:
        if value is not None and not (isinstance(value, str) and len(value) <= MAX_TEXT):
            raise BadCallback("a text input has a value that is not text")
    elif kind == SIMPLE:
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_ITEMS or not all(_simple(v) for v in values):
            raise BadCallback("a control has a value of the wrong type")


def _simple(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    return value is None or isinstance(value, bool | int | float)
