"""What the screen should show, computed without the browser: the export (CLI) and the report."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import pandas as pd

from data import cli
from data.engine import make_engine
from data.export import export_csv
from data.queries import read_dataset
from layouts.numbers import format_value
from layouts.theme import RAG_STYLES
from metrics.catalogue import Catalogue, load_catalogue
from metrics.periods import month_name
from metrics.report import Dataset, ReportQuery, figures_report


@dataclass(frozen=True)
class Facts:
    """The demo database as the dashboard reads it."""

    url: str
    dataset: Dataset
    catalogue: Catalogue

    @classmethod
    def read(cls, url: str) -> Facts:
        engine = make_engine(url, read_only=True)
        try:
            return cls(url, read_dataset(engine), load_catalogue())
        finally:
            engine.dispose()

    def report(self, **query: object) -> pd.DataFrame:
        return figures_report(self.dataset, self.catalogue, ReportQuery(**query))  # type: ignore[arg-type]

    def export_csv(self, **query: object) -> str:
        """``export_csv(figures_report(...))``: what every download must equal."""
        return export_csv(self.report(**query), self.dataset.notice)

    def cli_export(self, *args: str) -> str:
        """``python -m data export ARGS`` on the same database, as text."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cli.main(["export", "--db", self.url, *args])
        assert status == 0, f"python -m data export {' '.join(args)} exited {status}"
        return out.getvalue()

    def org_name(self, code: str) -> str:
        names = self.dataset.orgs.drop_duplicates("code", keep="last").set_index("code")["name"]
        return str(names[code])


def value_text(value: object, unit: str) -> str:
    return format_value(None if pd.isna(value) else float(value), unit)  # type: ignore[arg-type]


def target_text(target: object, unit: str) -> str:
    return "No target" if pd.isna(target) else value_text(target, unit)


def status_text(rag: object) -> str:
    return RAG_STYLES[rag if isinstance(rag, str) else ""].label


def period_text(period: str) -> str:
    return month_name(period) if len(period) == 7 else period
