"""Imports point one way: only data/ runs SQL; metrics/ is pure (no Dash, no SQLAlchemy)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "metrics": {
        "dash",
        "sqlalchemy",
        "flask",
        "data",
        "layouts",
        "callbacks",
        "app",
        "plotly",
        "sqlite3",
        "psycopg",
    },
    "data": {"dash", "flask", "layouts", "callbacks", "app", "plotly"},
    "layouts": {"sqlalchemy", "data", "callbacks", "app", "sqlite3", "psycopg"},
    "callbacks": {"sqlalchemy", "app", "sqlite3", "psycopg"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_modules(f) & FORBIDDEN[package])
        for f in files
        if imported_modules(f) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_only_data_runs_sql():
    sql_words = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE")
    outside = [
        str(f.relative_to(ROOT))
        for package in ("metrics", "layouts", "callbacks")
        for f in (ROOT / package).rglob("*.py")
        if any(word in f.read_text(encoding="utf-8") for word in sql_words)
    ]
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert outside == []
    assert not any(word in app for word in sql_words)
