"""The "Committee pack" page and its downloads (``/api/pack.pdf``, ``/api/pack.xlsx``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from dash import Input, Output
from flask import Response, request

from callbacks import source
from callbacks.api import bad_request
from callbacks.content import DOMAIN_ERRORS, view_of
from data.pack import write_pack
from layouts import components, ids
from layouts.pack import pack_content
from metrics.orgtree import home_unit
from metrics.pack import PackPeriodError, pack_period

MIMETYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@source.view_callback(
    "/pack",
    Output(ids.content("pack"), "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("pack"), "data"),
)
def pack(search: str | None, _ready: object = None):
    try:
        view = view_of("/pack", search)
    except DOMAIN_ERRORS as exc:
        return components.error_message(str(exc))
    return pack_content(view)


def pack_file(suffix: str) -> Response:
    """The pack for ``?period=2026/27 Q2`` (``&public=on``) as a PDF or a workbook."""
    period = request.args.get("period", "")
    unknown = sorted(set(request.args) - {"period", "public"})
    try:
        if unknown:
            raise PackPeriodError(f"unknown parameter {unknown[0][:40]!r}: use period, public")
        pack_period(period)
    except PackPeriodError as exc:
        return bad_request(str(exc))
    public = request.args.get("public") == "on"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"pack{suffix}"
        context = source.dataset()  # the reader's own authority (in a region: not the others')
        home = home_unit(context.orgs, context.home) if not context.orgs.empty else None
        write_pack(source.source().engine, period, out, public=public, org=home)
        body = out.read_bytes()
    name = f"committee-pack-{period.replace('/', '-').replace(' ', '-')}{'-public' if public else ''}{suffix}"
    return Response(
        body,
        mimetype=MIMETYPES[suffix],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def register(server) -> None:
    server.add_url_rule("/api/pack.pdf", "pack_pdf", lambda: pack_file(".pdf"), methods=["GET"])
    server.add_url_rule("/api/pack.xlsx", "pack_xlsx", lambda: pack_file(".xlsx"), methods=["GET"])
