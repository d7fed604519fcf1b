"""The writing pages' callbacks: the commentary editor, Actions, an action's page, Upload, and
the actions drawn on the trend chart. Every save goes through the write API in the browser
(``fetch`` with the session's CSRF token), so pages and scripts take the same checked path."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pandas as pd
from dash import Input, Output, Patch, State, callback, clientside_callback, html, no_update

from callbacks import auth, source
from data.audit import read_audit
from data.engine import NoDatabase
from layouts import components, ids, writing
from layouts.controls import org_options
from metrics import actions as action_metrics
from metrics.access import ADMIN, UPLOAD, WRITE, Forbidden, require
from metrics.report import ReportError, ReportQuery
from metrics.views import available_months

PATHS = {"/actions": "Actions", "/action": "Action", "/upload": "Upload", "/audit": "Audit log"}
AUDIT_SHOWN = 500


def _may(capability: str) -> bool:
    try:
        require(auth.current_user(), capability)
    except Forbidden:
        return False
    return True


def _actions() -> pd.DataFrame:
    try:
        return source.actions()
    except NoDatabase:
        return read_actions_empty()


def read_actions_empty() -> pd.DataFrame:
    columns = ["id", "title", "owner", "due", "status", "kpis", "org", "starts_process", "description"]
    return pd.DataFrame(columns=[*columns, "created_by", "created_at", "updated_by", "updated_at"])


def render(path: str, search: str | None) -> list | html.Div:
    """The page for one of :data:`PATHS` (called by the router)."""
    dataset, catalogue = source.dataset(), source.catalogue()
    orgs = org_options(dataset.orgs) if not dataset.orgs.empty else []
    if path == "/upload":
        return writing.upload_page(_may(UPLOAD))
    if path == "/action":
        return _action_page(search)
    if path == "/audit":
        if not _may(ADMIN):
            return writing.audit_page(None)
        return writing.audit_page(read_audit(source.source().engine, limit=AUDIT_SHOWN))
    actions = _actions()
    owners = sorted(set(actions["owner"])) if len(actions) else []
    page = writing.actions_page(owners, orgs, _may(WRITE))
    if _may(WRITE):
        page.append(writing.action_form([(k.code, k.name) for k in catalogue], orgs))
    return page


def actions_by_kpi(org: str) -> dict[str, list[str]]:
    """For the exceptions paper: each KPI's open and done actions for the unit, in words."""
    actions = _actions()
    if actions.empty:
        return {}
    late = action_metrics.overdue(actions, dt.date.today())
    found: dict[str, list[str]] = {}
    for index, action in actions[(actions["org"] == org) & (actions["status"] != "dropped")].iterrows():
        words = f"{action['title']} ({action['owner']}, due {action['due']}, {action['status']}"
        words += ", overdue)" if bool(late.get(index, False)) else ")"
        for code in str(action["kpis"]).split(","):
            found.setdefault(code, []).append(words)
    return found


def _action_page(search: str | None) -> list | html.Div:
    raw = parse_qs((search or "").lstrip("?")).get("id", [""])[0]
    actions = _actions()
    found = actions[actions["id"].astype(str) == raw] if raw.isdigit() and len(actions) else actions.iloc[0:0]
    if found.empty:
        return components.empty_state("No such action", "Choose an action from the Actions page.")
    action = found.iloc[0].to_dict()
    catalogue = source.catalogue()
    month = action_metrics.action_month(action)
    verdicts = []
    for code in str(action["kpis"]).split(","):
        if code not in catalogue:
            continue
        try:
            rows = source.report(ReportQuery(kpis=(code,), org=action["org"]))
        except ReportError as exc:
            verdicts.append((catalogue[code].name, str(exc)))
            continue
        verdicts.append((catalogue[code].name, action_metrics.did_it_work(rows, month, catalogue[code])))
    late = bool(action_metrics.overdue(found, dt.date.today()).iloc[0])
    return writing.action_page(action, verdicts, late, _may(WRITE))


@callback(
    Output("actions-list", "children"),
    Input("actions-owner", "value"),
    Input("actions-status", "value"),
    Input("actions-org", "value"),
    Input("actions-overdue", "value"),
)
def actions_list(owner: str | None, status: str | None, org: str | None, only_overdue: str | None):
    """The actions, filtered by owner, status, unit (and below) and overdue."""
    actions = _actions()
    late = action_metrics.overdue(actions, dt.date.today())
    keep = pd.Series(True, index=actions.index)
    if owner:
        keep &= actions["owner"] == owner
    if status:
        keep &= actions["status"] == status
    if org:
        from metrics.orgtree import UnknownOrg, descendants

        try:
            keep &= actions["org"].isin(descendants(source.dataset().orgs, org))
        except UnknownOrg:
            keep &= False
    if only_overdue:
        keep &= late.reindex(actions.index).fillna(False).astype(bool)
    return writing.actions_table(actions[keep], late)


@callback(
    Output(writing.EDITOR, "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("trend"), "data"),
)
def commentary_editor(search: str | None, _ready: object = None):
    """An editor sees a form for the commentary of the KPI, unit and month on screen."""
    return _editor("/kpi", search)


@callback(
    Output("commentary-editor-grid", "children"),
    Input(ids.URL, "search"),
    Input(ids.ready("compare"), "data"),
)
def grid_commentary_editor(search: str | None, _ready: object = None):
    """On the team grid: the same form, for the service or any of its teams."""
    return _editor("/compare", search)


def _editor(path: str, search: str | None):
    if not _may(WRITE):
        return None
    from callbacks.content import DOMAIN_ERRORS, org_name, view_of
    from metrics.orgtree import children

    try:
        view = view_of(path, search)
    except DOMAIN_ERRORS:
        return None
    dataset = source.dataset()
    org = str(view["org"])
    units = [org] if path == "/kpi" else [org, *children(dataset.orgs, org)]
    unit_choices = [(code, org_name(code)) for code in units]
    months = [m for m in available_months(source.series()) if (not view["from"] or m >= view["from"])]
    months = [m for m in months if not view["to"] or m <= view["to"]]
    month = view["to"] or (max(months) if months else "")
    written = dataset.commentary
    current = written[
        (written["kpi"] == view["kpi"]) & (written["org"] == view["org"]) & (written["period"] == month)
    ]
    text = str(current["commentary"].iloc[0]) if len(current) else ""
    return writing.commentary_editor(str(view["kpi"]), unit_choices, org, months, month, text)


@callback(
    Output("commentary-text", "value"),
    Input("commentary-month", "value"),
    Input("commentary-org", "value"),
    State("commentary-key", "data"),
    prevent_initial_call=True,
)
def commentary_for_month(month: str | None, org: str | None, key: dict | None):
    """The current commentary of the chosen unit and month, to edit."""
    if not month or not org or not key:
        return no_update
    written = source.dataset().commentary
    found = written[
        (written["kpi"] == key.get("kpi")) & (written["org"] == org) & (written["period"] == month)
    ]
    return str(found["commentary"].iloc[0]) if len(found) else ""


@callback(
    Output("graph-trend", "figure", allow_duplicate=True),
    Input(ids.content("trend"), "children"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def action_markers(_content: object, search: str | None):
    """The actions for the KPI and unit on screen, as labelled markers on the trend chart."""
    from callbacks.content import DOMAIN_ERRORS, view_of

    try:
        view = view_of("/kpi", search)
    except DOMAIN_ERRORS:
        return no_update
    actions = _actions()
    if actions.empty or view["period"] != "month":
        return no_update
    mine = actions[
        (actions["org"] == view["org"]) & actions["kpis"].str.split(",").map(lambda k: view["kpi"] in k)
    ]
    if mine.empty:
        return no_update
    patch = Patch()
    for action in mine.to_dict("records"):
        month = action_metrics.action_month(action)
        label = f"Action {action['id']}: {action['title']} ({action['status']})"
        patch["layout"]["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": month,
                "x1": month,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "width": 2, "color": "#505a5f"},
            }
        )
        patch["layout"]["annotations"].append(
            {
                "x": month,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "text": label[:60],
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "bgcolor": "white",
                "name": "action",
            }
        )
    return patch


@callback(
    Output("upload-problems", "children"),
    Output("upload-confirm", "disabled"),
    Input("upload-result", "data"),
)
def upload_problems(result: dict | None):
    ok = bool(result and result.get("ok"))
    return writing.upload_problems(result), not ok


SAVE_JS = """
async function(url, method, body) {
    const csrf = await (await fetch("/api/csrf", {credentials: "same-origin"})).json();
    const response = await fetch(url, {
        method: method, credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf.token},
        body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) {
        const why = (answer.problems || []).map(p => p.message).join("; ");
        return "Not saved: " + (why || answer.error);
    }
    setTimeout(() => window.location.reload(), 600);
    return "Saved.";
}
"""

clientside_callback(
    f"""
    async function(clicks, key, org, month, text) {{
        if (!clicks) {{ return window.dash_clientside.no_update; }}
        const save = {SAVE_JS};
        const body = {{kpi: key.kpi, org: org || "", period: month || "", text: text || ""}};
        return await save("/api/commentary", "POST", body);
    }}
    """,
    Output("commentary-status", "children"),
    Input("commentary-save", "n_clicks"),
    State("commentary-key", "data"),
    State("commentary-org", "value"),
    State("commentary-month", "value"),
    State("commentary-text", "value"),
    prevent_initial_call=True,
)

clientside_callback(
    f"""
    async function(clicks, title, owner, due, kpis, org, starts, description) {{
        if (!clicks) {{ return window.dash_clientside.no_update; }}
        const save = {SAVE_JS};
        return await save("/api/actions", "POST", {{
            title: title || "", owner: owner || "", due: due || "", kpis: kpis || [], org: org || "",
            starts_process: starts || "", description: description || ""}});
    }}
    """,
    Output("action-status", "children"),
    Input("action-add", "n_clicks"),
    State("action-title", "value"),
    State("action-owner", "value"),
    State("action-due", "value"),
    State("action-kpis", "value"),
    State("action-org", "value"),
    State("action-starts", "value"),
    State("action-description", "value"),
    prevent_initial_call=True,
)

clientside_callback(
    """
    async function(contents, filename) {
        if (!contents) { return window.dash_clientside.no_update; }
        // dcc.Upload gives a data: URL (base64); decoded here, as the CSP's connect-src cannot fetch it
        const binary = atob(contents.slice(contents.indexOf(",") + 1));
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
        const blob = new Blob([bytes]);
        const form = new FormData();
        form.append("file", blob, filename);
        const csrf = await (await fetch("/api/csrf", {credentials: "same-origin"})).json();
        const response = await fetch("/api/uploads", {
            method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrf.token}, body: form});
        const answer = await response.json();
        if (answer.problems && answer.problems.length > 500) {
            answer.problems = answer.problems.slice(0, 500);  // the first 500 (a callback request is small)
        }
        return answer;
    }
    """,
    Output("upload-result", "data"),
    Input("upload-file", "contents"),
    State("upload-file", "filename"),
    prevent_initial_call=True,
)

clientside_callback(
    """
    async function(clicks, result) {
        if (!clicks || !result || !result.ok) { return window.dash_clientside.no_update; }
        const csrf = await (await fetch("/api/csrf", {credentials: "same-origin"})).json();
        const response = await fetch("/api/uploads/" + encodeURIComponent(result.id) + "/confirm", {
            method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrf.token}});
        const answer = await response.json();
        if (!response.ok) { return "Not loaded: " + answer.error; }
        const said = answer.loaded.map(
            s => `${s.file} (${s.added} added, ${s.revised} revised, ${s.unchanged} unchanged)`);
        return "Loaded: " + said.join("; ");
    }
    """,
    Output("upload-status", "children"),
    Input("upload-confirm", "n_clicks"),
    State("upload-result", "data"),
    prevent_initial_call=True,
)

clientside_callback(
    f"""
    async function(clicks, id, status) {{
        if (!clicks) {{ return window.dash_clientside.no_update; }}
        const save = {SAVE_JS};
        return await save("/api/actions/" + encodeURIComponent(id), "PATCH", {{status: status || ""}});
    }}
    """,
    Output("action-status-saved", "children"),
    Input("action-save-status", "n_clicks"),
    State("action-id", "data"),
    State("action-new-status", "value"),
    prevent_initial_call=True,
)
