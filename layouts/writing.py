"""The pages and forms where people write: the commentary editor, Actions, an action, Upload."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from layouts import components as c

STATUSES = (("open", "Open"), ("done", "Done"), ("dropped", "Dropped"))
EDITOR = "commentary-editor"


def _field(label: str, control: object, for_id: str) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=for_id, className="control-label"), control], className="control"
    )


def _choice(
    id_: str, label: str, options: Sequence[tuple[str, str]], value: object = None, multi: bool = False
):
    """A native control (axe finds nothing in them): a select, or checkboxes for several."""
    choices = [{"label": t, "value": k} for k, t in options]
    if multi:
        boxes = dbc.Checklist(id=id_, options=choices, value=list(value or []), class_name="control-checks")
        return html.Fieldset([html.Legend(label, className="control-label"), boxes], className="control")
    select = dbc.Select(
        id=id_,
        options=[{"label": "(any)", "value": ""}, *choices],
        value=value or "",
        class_name="control-select",
    )
    return _field(label, select, id_)


def commentary_editor(
    kpi: str,
    orgs: Sequence[tuple[str, str]],
    org: str,
    months: Sequence[str],
    month: str,
    text: str,
) -> html.Section:
    """An editor's form for the commentary of a KPI x unit x month (saved through the API)."""
    return html.Section(
        [
            html.H2("Write commentary"),
            dcc.Store(id="commentary-key", data={"kpi": kpi}),
            _choice("commentary-org", "Unit", orgs, org),
            _choice("commentary-month", "Month", [(m, m) for m in sorted(months, reverse=True)], month),
            _field(
                "Commentary",
                dcc.Textarea(id="commentary-text", value=text, maxLength=4000),
                "commentary-text",
            ),
            html.Button("Save commentary", id="commentary-save", n_clicks=0, className="button"),
            html.P(id="commentary-status", role="status"),
        ],
        className="commentary-editor",
    )


def actions_page(owners: Sequence[str], org_choices: Sequence[tuple[str, str]], can_write: bool) -> list:
    parts: list = [
        html.H1("Improvement actions"),
        html.Div(
            [
                _choice("actions-owner", "Owner", [(o, o) for o in owners]),
                _choice("actions-status", "Status", STATUSES),
                _choice("actions-org", "Unit", org_choices),
                _choice("actions-overdue", "Overdue", [("overdue", "Only overdue actions")]),
            ],
            className="controls",
        ),
        html.A("Download CSV", href="/api/actions.csv", download="actions.csv", className="download-link"),
        html.Div(id="actions-list", className="page-content"),
    ]
    return parts


def action_form(
    kpi_choices: Sequence[tuple[str, str]], org_choices: Sequence[tuple[str, str]]
) -> html.Section:
    """An editor's form for a new action (saved through the API)."""
    return html.Section(
        [
            html.H2("Add an action"),
            _field("Title", dcc.Input(id="action-title", type="text", maxLength=200), "action-title"),
            _field("Owner", dcc.Input(id="action-owner", type="text", maxLength=200), "action-owner"),
            _field("Due (YYYY-MM-DD)", dcc.Input(id="action-due", type="text", maxLength=10), "action-due"),
            _choice("action-kpis", "Indicators it aims to move", kpi_choices, multi=True),
            _choice("action-org", "Unit", org_choices),
            _field(
                "Starts a new process from (YYYY-MM, optional)",
                dcc.Input(id="action-starts", type="text", maxLength=7),
                "action-starts",
            ),
            _field(
                "Description", dcc.Textarea(id="action-description", maxLength=4000), "action-description"
            ),
            html.Button("Add action", id="action-add", n_clicks=0, className="button"),
            html.P(id="action-status", role="status"),
        ],
        className="action-form",
    )


def actions_table(actions: pd.DataFrame, overdue: pd.Series) -> html.Table | html.Div:
    if actions.empty:
        return c.empty_state("No actions", "No improvement action matches this choice.")
    rows = actions.assign(_overdue=overdue.reindex(actions.index).fillna(False).to_numpy())
    columns = [
        c.Column("Action", lambda r: html.A(r["title"], href=f"/action?id={r['id']}")),
        c.Column("Owner", lambda r: r["owner"]),
        c.Column(
            "Due",
            lambda r: [r["due"], html.Strong(" Overdue", className="overdue")] if r["_overdue"] else r["due"],
        ),
        c.Column("Status", lambda r: r["status"]),
        c.Column("Indicators", lambda r: r["kpis"].replace(",", ", ")),
        c.Column("Unit", lambda r: r["org"]),
        c.Column("New process from", lambda r: r["starts_process"] or "–"),
    ]
    return c.table(rows, columns, "Improvement actions", "actions-table")


def status_form(action_id: int, status: str) -> html.Section:
    """An editor's form to report an action's progress (saved through the API)."""
    return html.Section(
        [
            html.H2("Report progress"),
            dcc.Store(id="action-id", data=action_id),
            _choice("action-new-status", "Status", STATUSES, status),
            html.Button("Save status", id="action-save-status", n_clicks=0, className="button"),
            html.P(id="action-status-saved", role="status"),
        ],
        className="action-progress",
    )


def action_page(
    action: dict, verdicts: Sequence[tuple[str, str]], is_overdue: bool, can_write: bool = False
) -> list:
    """One action, and for each of its KPIs the SPC before and after its date in plain words."""
    facts = [
        ("Owner", action["owner"]),
        ("Due", action["due"] + (" (overdue)" if is_overdue else "")),
        ("Status", action["status"]),
        ("Unit", action["org"]),
        ("Starts a new process from", action["starts_process"] or "–"),
        ("Written by", f"{action['created_by']} at {action['created_at']}"),
        ("Last changed by", f"{action['updated_by']} at {action['updated_at']}"),
    ]
    return [
        html.H1(f"Action {action['id']}: {action['title']}"),
        html.P(action["description"] or ""),
        html.Dl([part for label, value in facts for part in (html.Dt(label), html.Dd(value))]),
        html.H2("Did it work?"),
        *[html.Section([html.H3(name), html.P(text, className="did-it-work")]) for name, text in verdicts],
        status_form(int(action["id"]), str(action["status"])) if can_write else None,
        html.P(html.A("All actions", href="/actions")),
    ]


def upload_page(can_upload: bool) -> list:
    if not can_upload:
        return [
            html.H1("Upload a file"),
            c.empty_state(
                "Uploads need the officer role", "Ask your performance team if you need to load files."
            ),
        ]
    return [
        html.H1("Upload a file"),
        html.P(
            "Drag a CSV or Excel (.xlsx) file here. It is checked first; "
            "only a file without problems can be loaded."
        ),
        html.Label(  # names the upload's own file input for screen readers
            [
                html.Span("File to check and load", className="control-label"),
                dcc.Upload(
                    id="upload-file",
                    children=html.Div(
                        ["Drag a file here, or ", html.Span("choose a file", className="button")]
                    ),
                    className="upload-drop",
                    multiple=False,
                ),
            ]
        ),
        dcc.Store(id="upload-result"),
        html.Div(id="upload-problems", role="status"),
        html.Button("Load this file", id="upload-confirm", n_clicks=0, disabled=True, className="button"),
        html.P(id="upload-status", role="status"),
    ]


def upload_problems(result: dict | None) -> html.Div | html.Table | None:
    if not result:
        return None
    if result.get("error"):
        return c.error_message(str(result["error"]))
    problems = pd.DataFrame(result.get("problems") or [], columns=["file", "row", "column", "message"])
    if problems.empty:
        summary = "; ".join(result.get("summary") or [])
        return html.Div([html.H2(f"{result['file']}: no problems"), html.P(summary)], className="upload-ok")
    columns = [
        c.Column("Row", lambda r: str(r["row"]), numeric=True),
        c.Column("Column", lambda r: r["column"]),
        c.Column("Problem", lambda r: r["message"]),
    ]
    return html.Div(
        [
            html.H2(
                f"{result['file']}: {len(problems)} problem(s); "
                "nothing can be loaded until they are corrected"
            ),
            c.table(problems, columns, "Problems found in the file", "upload-problems-table"),
        ]
    )


def audit_page(log: pd.DataFrame | None) -> list:
    """The newest audit rows, for admins (``python -m data audit`` exports them all)."""
    if log is None:
        return [html.H1("Audit log"), c.empty_state("The audit log is for admins", "Ask an admin.")]
    columns = [
        c.Column("When", lambda r: r["at"]),
        c.Column("Who", lambda r: r["who"]),
        c.Column("What", lambda r: r["action"]),
        c.Column("Of", lambda r: r["target"]),
        c.Column("From", lambda r: r["address"]),
        c.Column("Detail", lambda r: r["detail"]),
    ]
    caption = f"The newest {len(log)} writes, newest first (python -m data audit exports every one)"
    return [html.H1("Audit log"), c.table(log, columns, caption, "audit-table")]


def validation_parts() -> list:
    """Every component these pages create, for Dash's callback validation."""
    return [
        commentary_editor("K", [("O", "O")], "O", ["2024-01"], "2024-01", ""),
        *actions_page([], [], True),
        action_form([], []),
        status_form(1, "open"),
        *upload_page(True),
        dcc.Graph(id="graph-trend"),  # drawn inside the trend page's content
    ]
