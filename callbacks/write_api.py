"""The write endpoints (JSON in and out), used by the pages and by scripts; see docs/api.md.

``POST /api/commentary``, ``POST /api/actions``, ``PATCH /api/actions/ID``, ``GET /api/actions``
(and ``/api/actions.csv``), ``POST /api/uploads`` (validate) and ``POST /api/uploads/ID/confirm``
(load through :func:`data.load.load_files`). Sign-in and CSRF are checked before these run
(:mod:`callbacks.auth`); the role and unit are checked again inside each write's transaction.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from callbacks import auth, shared, source
from data import writes
from data.actions import actions_csv
from data.engine import make_engine
from data.load import load_files
from data.problems import InvalidInput
from metrics.access import UPLOAD, Forbidden, require

WRITER = "dashboard_writer"
OPENAPI = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
UPLOAD_SUFFIXES = (".csv", ".xlsx")
UPLOAD_KEPT_SECONDS = 24 * 3600  # with Redis: how long an upload waits for confirmation


class Writer:
    """The engine writes go through: WRITE_DATABASE_URL (a role with only the grants writes
    need), else the app's database URL; made on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine


def writer() -> Any:
    return current_app.extensions[WRITER].engine


def _json(status: int, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str, problems: list[dict[str, Any]] | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if problems is not None:
        body["problems"] = problems
    return _json(status, body)


def _body() -> dict[str, Any] | Response:
    if request.mimetype != "application/json":
        return _error(415, "send JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object")
    return body


def _signed_in_email() -> str | Response:
    user = auth.current_user()
    if user is None:
        return _error(403, "sign-in is not configured (AUTH_MODE=none): the dashboard is read-only")
    return user.email


def _run_write(func: Any, *args: Any, status: int = 200) -> Response:
    email = _signed_in_email()
    if isinstance(email, Response):
        return email
    try:
        written = func(writer(), email, *args, address=auth.client_address(), catalogue=source.catalogue())
    except Forbidden as exc:
        return _error(403, str(exc))
    except writes.NotFound as exc:
        return _error(404, str(exc))
    except writes.WriteError as exc:
        problems = [{"field": f, "message": m} for f, m in exc.problems]
        return _error(400, "the request has problems: nothing was written", problems)
    return _json(
        status, {"changed": written.load_id is not None, "load_id": written.load_id, **written.record}
    )


def post_commentary() -> Response:
    body = _body()
    if isinstance(body, Response):
        return body
    response = _run_write(writes.write_commentary, body)
    if response.status_code == 200:
        data = response.get_json()
        response = _json(
            200, {"changed": data["changed"], "load_id": data["load_id"], "commentary": _strip(data)}
        )
    return response


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("changed", "load_id")}


def post_action() -> Response:
    body = _body()
    if isinstance(body, Response):
        return body
    return _action_response(_run_write(writes.create_action, body, status=201))


def patch_action(action_id: int) -> Response:
    body = _body()
    if isinstance(body, Response):
        return body
    return _action_response(_run_write(writes.update_action, action_id, body))


def _action_response(response: Response) -> Response:
    if response.status_code not in (200, 201):
        return response
    data = response.get_json()
    action = _strip(data)
    action["id"] = action.pop("action_id")
    action["kpis"] = [k for k in str(action["kpis"]).split(",") if k]
    return _json(
        response.status_code, {"changed": data["changed"], "load_id": data["load_id"], "action": action}
    )


def list_actions() -> Response:
    rows = source.actions()
    records = json.loads(rows.to_json(orient="records")) if len(rows) else []
    for record in records:
        record["kpis"] = [k for k in str(record["kpis"]).split(",") if k]
    return _json(200, {"actions": records})


def actions_csv_download() -> Response:
    text = actions_csv(source.actions())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="actions.csv"', "Cache-Control": "no-store"},
    )


def upload_folder() -> Path:
    configured = auth.config().upload_dir
    folder = Path(configured) if configured else Path(tempfile.gettempdir()) / "csc-dashboard-uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _shared_uploads() -> tuple[Any, str, shared.Breaker] | None:
    """With Redis (``CACHE_REDIS_URL``): its client, this database's key prefix and the breaker.
    Uploads waiting for confirmation are kept there too, so any host can confirm them."""
    here = source.source()
    if not (here.shared and here.redis_url):
        return None
    return shared.client(here.redis_url), f"{here.prefix}upload:", shared.breaker(here.redis_url)


def _share_upload(upload_id: str, meta: dict[str, Any], path: Path | None = None) -> None:
    """Record the upload (and its file) in Redis for the other hosts; without Redis, or while it
    does not answer, the upload can be confirmed on this host only."""
    store = _shared_uploads()
    if store is None:
        return
    client, prefix, breaker = store
    fields: dict[str, Any] = {"meta": json.dumps(meta)}
    if path is not None:
        fields["data"] = path.read_bytes()

    def put() -> None:
        pipe = client.pipeline(transaction=True)
        pipe.hset(prefix + upload_id, mapping=fields)
        pipe.expire(prefix + upload_id, UPLOAD_KEPT_SECONDS)
        pipe.execute()

    breaker.call(None, put)


def _shared_upload(upload_id: str, folder: Path) -> dict[str, Any] | None:
    """The upload's record from Redis (None without Redis or if no host has it); its file is
    written into ``folder`` when this host does not have it yet."""
    store = _shared_uploads()
    if store is None:
        return None
    client, prefix, breaker = store
    found = breaker.call({}, client.hgetall, prefix + upload_id)
    if not found or b"meta" not in found:
        return None
    meta: dict[str, Any] = json.loads(found[b"meta"])
    path = folder / secure_filename(str(meta["file"]))
    if not path.exists() and b"data" in found:
        folder.mkdir(mode=0o700, exist_ok=True)
        path.write_bytes(found[b"data"])
        (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def _claim_upload(upload_id: str, claim: bool = True) -> bool:
    """With Redis, only one host loads an upload: False if another has claimed it."""
    store = _shared_uploads()
    if store is None:
        return True
    client, prefix, breaker = store
    name = f"{prefix}{upload_id}:loading"
    if not claim:
        breaker.call(None, client.delete, name)
        return True
    return bool(breaker.call(True, client.set, name, b"1", nx=True, ex=UPLOAD_KEPT_SECONDS))


def _officer() -> str | Response:
    email = _signed_in_email()
    if isinstance(email, Response):
        return email
    try:
        require(auth.current_user(), UPLOAD)
        writes.require_officer(writer(), email)  # again where writes go: a read replica may lag
    except Forbidden as exc:
        return _error(403, str(exc))
    return email


def _problems(exc: InvalidInput) -> list[dict[str, Any]]:
    return [{"file": p.file, "row": p.row, "column": p.column, "message": p.message} for p in exc.problems]


def post_upload() -> Response:
    """Store the file and validate it exactly as ``python -m data validate`` does."""
    email = _officer()
    if isinstance(email, Response):
        return email
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _error(400, "send the file as multipart/form-data in a field named 'file'")
    name = secure_filename(sent.filename) or "upload.csv"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return _error(400, "upload a CSV (.csv) or Excel workbook (.xlsx)")
    upload_id = secrets.token_urlsafe(24)
    folder = upload_folder() / upload_id
    folder.mkdir(mode=0o700)
    path = folder / name
    sent.save(path)
    try:
        summaries = load_files(
            writer(),
            [path],
            dry_run=True,
            user=email,
            catalogue=source.catalogue(),
            writer=auth.current_user(),
        )
        problems: list[dict[str, Any]] = []
    except InvalidInput as exc:
        summaries, problems = [], _problems(exc)
    meta = {"owner": email, "file": name, "problems": len(problems), "confirmed": False}
    (folder / "upload.json").write_text(json.dumps(meta), encoding="utf-8")
    _share_upload(upload_id, meta, None if problems else path)
    return _json(
        200,
        {
            "id": upload_id,
            "file": name,
            "ok": not problems,
            "problems": problems,
            "summary": [str(s) for s in summaries],
        },
    )


def confirm_upload(upload_id: str) -> Response:
    """Load a validated upload: the same code and transaction as ``python -m data load``."""
    email = _officer()
    if isinstance(email, Response):
        return email
    if not UPLOAD_ID.match(upload_id):
        return _error(404, "no such upload")
    folder = upload_folder() / upload_id
    meta_path = folder / "upload.json"
    meta = _shared_upload(upload_id, folder)  # with Redis: uploaded through any host
    if meta is None:
        if not meta_path.exists():
            return _error(404, "no such upload")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["owner"] != email:
        return _error(403, "only the officer who uploaded a file may confirm it")
    if meta["confirmed"]:
        return _error(409, "this upload has already been loaded")
    if meta["problems"]:
        return _error(409, "this file has problems: correct them and upload it again")
    path = folder / meta["file"]
    if not path.exists():
        return _error(404, "no such upload")
    if not _claim_upload(upload_id):
        return _error(409, "this upload has already been loaded")
    try:
        summaries = load_files(
            writer(),
            [path],
            user=email,
            address=auth.client_address(),
            catalogue=source.catalogue(),
            writer=auth.current_user(),
        )
    except InvalidInput as exc:
        _claim_upload(upload_id, claim=False)
        return _error(422, "the file no longer validates: nothing was written", _problems(exc))
    except BaseException:  # nothing was written: it may be confirmed again
        _claim_upload(upload_id, claim=False)
        raise
    meta["confirmed"] = True
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    _share_upload(upload_id, meta)
    return _json(
        200,
        {
            "loaded": [
                {
                    "file": s.file.rsplit("/", 1)[-1],
                    "kind": s.kind,
                    "added": s.added,
                    "revised": s.revised,
                    "unchanged": s.unchanged,
                    "load_id": s.load_id,
                }
                for s in summaries
            ]
        },
    )


def openapi() -> Response:
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


def register(server: Flask, database_url: str, upload_max_bytes: int) -> None:
    server.extensions[WRITER] = Writer(auth.config_of(server).write_database_url or database_url)

    @server.before_request
    def _upload_size() -> None:
        if request.path == "/api/uploads":
            request.max_content_length = upload_max_bytes

    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Response:
        if request.path == "/api/uploads":
            megabytes = upload_max_bytes / (1024 * 1024)
            limit = f"{megabytes:g} MB" if megabytes >= 1 else f"{upload_max_bytes:,} bytes"
            return _error(413, f"the file is larger than the upload limit of {limit} (UPLOAD_MAX_BYTES)")
        return Response("413 Request Entity Too Large\n", status=413, mimetype="text/plain")

    server.add_url_rule("/api/openapi.json", "api_openapi", openapi, methods=["GET"])
    server.add_url_rule("/api/commentary", "api_commentary", post_commentary, methods=["POST"])
    server.add_url_rule("/api/actions", "api_actions_list", list_actions, methods=["GET"])
    server.add_url_rule("/api/actions", "api_actions_create", post_action, methods=["POST"])
    server.add_url_rule("/api/actions/<int:action_id>", "api_actions_patch", patch_action, methods=["PATCH"])
    server.add_url_rule("/api/actions.csv", "api_actions_csv", actions_csv_download, methods=["GET"])
    server.add_url_rule("/api/uploads", "api_uploads", post_upload, methods=["POST"])
    server.add_url_rule(
        "/api/uploads/<upload_id>/confirm", "api_uploads_confirm", confirm_upload, methods=["POST"]
    )
