"""PostgreSQL: the web process writes through a role with only the grants in
docs/sql/writer-role.sql; everything else (changing or deleting facts, the audit log) is refused."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from data.engine import make_engine, normalise_url
from data.queries import read_loads
from tests.auth.helpers import build
from tests.auth.test_web_auth import COMMENT, client_as, post, proxy_config, token

pytestmark = pytest.mark.postgres
GRANTS = Path(__file__).resolve().parents[2] / "docs" / "sql" / "writer-role.sql"


@pytest.fixture
def writer_url(postgres_url: str, tmp_path: Path):
    owner = make_engine(postgres_url)
    with owner.begin() as conn:
        from data import schema

        schema.metadata.drop_all(conn)
    build(owner, tmp_path)
    role = f"csc_writer_{uuid.uuid4().hex[:8]}"
    database = sa.engine.make_url(postgres_url).database
    script = (
        GRANTS.read_text(encoding="utf-8")
        .replace("dashboard_writer", role)
        .replace("DATABASE csc", f'DATABASE "{database}"')
    )
    script = script.replace(" PASSWORD 'change-me'", "")
    statements = [s for s in re.sub(r"--[^\n]*", "", script).split(";") if s.strip()]
    with owner.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    url = sa.engine.make_url(normalise_url(postgres_url)).set(username=role, password=None)
    yield owner, url.render_as_string(hide_password=False)
    with owner.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')
    owner.dispose()


def test_writes_work_with_only_the_writer_grants(writer_url, postgres_url: str, tmp_path: Path):
    owner, url = writer_url
    config = proxy_config(write_database_url=url, upload_dir=str(tmp_path / "uploads"))
    server = create_app(postgres_url, auth_config=config).server
    editor = client_as(server, "editor@council.example")
    assert post(editor, "/api/commentary", COMMENT).status_code == 200
    action = {
        "title": "Huddles",
        "owner": "SFS",
        "due": "2024-09-30",
        "kpis": "ASSESSMENTS_45WD",
        "org": "SFS",
    }
    made = post(editor, "/api/actions", {**action, "starts_process": "2024-07"})
    assert made.status_code == 201
    assert post(editor, "/api/actions/1", {"status": "done"}, method="PATCH").status_code == 200
    officer = client_as(server, "officer@council.example")
    text = "period,kpi,org,numerator,denominator,value\n2024-12,ASSESSMENTS_45WD,ASS1,49,50,\n"
    sent = officer.post(
        "/api/uploads",
        data={"file": (io.BytesIO(text.encode()), "dec.csv")},
        headers={"X-CSRF-Token": token(officer)},
    ).get_json()
    assert sent["ok"] is True
    confirmed = officer.post(f"/api/uploads/{sent['id']}/confirm", headers={"X-CSRF-Token": token(officer)})
    assert confirmed.status_code == 200
    assert read_loads(owner).iloc[0]["loaded_by"] == "officer@council.example"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM figures",
        "UPDATE figures SET value = 0",
        "DELETE FROM audit",
        "UPDATE audit SET who = 'someone else'",
        "DELETE FROM commentary",
        "UPDATE users SET role = 'admin'",
        "INSERT INTO users (email, role, org, added_at, added_by) VALUES ('x@y.z', 'admin', '', '', '')",
        "DROP TABLE audit",
    ],
)
def test_the_writer_role_cannot_rewrite_history(writer_url, statement: str):
    _, url = writer_url
    engine = make_engine(url)
    with (
        pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"),
        engine.begin() as conn,
    ):
        conn.exec_driver_sql(statement)
    engine.dispose()
