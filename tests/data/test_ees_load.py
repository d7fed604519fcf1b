"""EES files through the loader: config, loading, errors, revisions, symbols, export, real files.

The fixtures in tests/data/ees/ are rows copied unchanged from the DfE files (see test_ees.py);
``cla_2024_first_release.csv`` and ``cla_2024_revised.csv`` are two tiny releases that differ in
one England figure (looked-after children at 31 March 2024: first 83,630, later 83,530).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from data import schema
from data.cli import main
from data.load import load_files
from data.problems import InvalidInput
from data.settings import get_setting
from tests.conftest import SHARED, skip_or_fail

EES = Path(__file__).parent / "ees"
DFE = SHARED / "data" / "dfe"
CIN = EES / "b1_children_in_need_sample.csv"
CLA = EES / "cla_number_and_rate_sample.csv"
CSWW = EES / "csww_indicators_sample.csv"
D5 = EES / "d5_cpps_by_duration_sample.csv"
FIRST = EES / "cla_2024_first_release.csv"
REVISED = EES / "cla_2024_revised.csv"
HEREFORDSHIRE = "Herefordshire, County of (884, E06000019)"

Writer = Callable[[str, str], Path]


def run(url: str, *args: object) -> int:
    return main(["--db", url, *(str(a) for a in args)])


def configure(url: str, code: str = "E06000019") -> None:
    assert run(url, "config", "--la", code) == 0


def benchmarks(engine: sa.Engine, *, current: bool = True) -> dict[tuple[str, str, str], sa.Row]:
    t = schema.benchmarks
    query = sa.select(t)
    if current:
        query = query.where(t.c.is_current == sa.true())
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("benchmarks"):
            return {}
        return {(r.kpi, r.period, r.comparator): r for r in conn.execute(query)}


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: the database 'exactly as it was'."""
    with engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        return {
            name: sorted(tuple(str(v) for v in row) for row in conn.execute(sa.select(table)))
            for name, table in schema.metadata.tables.items()
            if name in present
        }


def rewrite(path: Path, edit: Callable[[list[list[str]]], list[list[str]]], write_file: Writer) -> Path:
    """A copy of a fixture with its rows (header first) changed by ``edit``."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(edit(rows))
    return write_file(path.name, out.getvalue())


def errors_of(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


# --------------------------------------------------------------------------------------------
# python -m data config
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["E06000019", "884", " e06000019 "])
def test_config_accepts_new_and_old_codes(db_url, engine, capsys, code):
    assert run(db_url, "config", "--la", code) == 0
    out = capsys.readouterr().out
    assert out.startswith("authority: Herefordshire, County of (884, E06000019)\nregion: West Midlands\n")
    assert "  1. Westmorland and Furness (943), Very close\n" in out
    with engine.connect() as conn:
        assert get_setting(conn, "la_code") == "884"
        assert get_setting(conn, "la_new_code") == "E06000019"
        assert get_setting(conn, "la_region") == "West Midlands"
        assert get_setting(conn, "la_neighbours").startswith("Westmorland and Furness (943); Staffordshire")
    assert run(db_url, "config") == 0
    assert capsys.readouterr().out.startswith("authority: Herefordshire, County of (884, E06000019)")


def test_config_finds_an_authority_by_an_older_new_code(db_url, capsys):
    assert run(db_url, "config", "--la", "E10000023") == 0  # North Yorkshire before 2023
    assert capsys.readouterr().out.startswith("authority: North Yorkshire (815, E06000065)")


def test_config_without_an_authority_says_how_to_set_one(db_url, capsys):
    assert run(db_url, "config") == 0
    expected = "no authority is configured: run `python -m data config --la CODE` (e.g. E06000019 or 884)\n"
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "E06000999",
            "unknown LA code 'E06000999': E06000999 is not the new code of an English local authority "
            "in the DfE statistics (la_codes.csv): give a code such as E06000019, or the old 3-digit "
            "code (884)",
        ),
        (
            "909",
            "unknown LA code '909': LA code 909 is not in the statistical-neighbour file (2025 model); "
            "authorities abolished before 2025 have no neighbours",
        ),
        (
            "Hereford",
            "unknown LA code 'Hereford': 'Hereford' is not an LA code: give a new code such as "
            "E06000019 or an old 3-digit code such as 884",
        ),
    ],
)
def test_config_rejects_an_unknown_code(db_url, engine, capsys, code, message):
    assert run(db_url, "config", "--la", code) == 2
    assert errors_of(capsys) == [f"python -m data config: {message}"]
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("settings") or get_setting(conn, "la_code") == ""


# --------------------------------------------------------------------------------------------
# Loading the fixtures
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "rows", "expected"),
    [
        ([CLA], 36, [("LAC_COUNT", "2025-03", "England", 81770), ("LAC_RATE", "2025-03", "England", 67)]),
        ([CLA], 36, [("LAC_COUNT", "2025-03", "Published (DfE)", 344)]),
        (
            [CSWW],
            48,
            [("CASELOAD_AVG", "2025-09", "England", 15.2), ("AGENCY_RATE", "2025-09", "Region", 10.4)],
        ),
        ([CIN, CLA], 12, [("CIN_RATE", "2025-03", "Published (DfE)", 1574 / 34439 * 10_000)]),
        (
            [D5, CLA],
            36,
            [("CP_PLANS", "2025-03", "England", 49420), ("CP_PLANS", "2025-03", "Published (DfE)", 139)],
        ),
    ],
)
def test_each_fixture_loads_through_the_command_line(db_url, engine, capsys, files, rows, expected):
    configure(db_url)
    capsys.readouterr()
    assert run(db_url, "load", *files) == 0
    out = capsys.readouterr().out
    first = files[0]
    assert f"{first}: benchmarks: {rows} added, 0 revised, 0 unchanged" in out
    assert f"{first}: note: release: {first.name}, time_period " in out
    assert f"{first}: note: authority: {HEREFORDSHIRE}" in out
    stored = benchmarks(engine)
    for kpi, period, comparator, value in expected:
        assert stored[(kpi, period, comparator)].value == pytest.approx(value)
    with engine.connect() as conn:
        loads = conn.execute(sa.select(schema.loads).order_by(schema.loads.c.id)).all()
    assert (loads[0].file_name, loads[0].kind) == (first.name, "benchmarks")
    assert len(loads[0].sha256) == 64 and loads[0].note.startswith(f"release: {first.name}, time_period ")
    assert run(db_url, "load", *files) == 0  # loading again changes nothing
    assert (
        f"{first}: benchmarks: 0 added, 0 revised, {rows} unchanged (nothing changed)"
        in capsys.readouterr().out
    )


def test_the_statistical_neighbours_are_averaged(db_url, engine):
    configure(db_url, "884")
    assert run(db_url, "load", CSWW) == 0
    neighbours = benchmarks(engine)[("CASELOAD_AVG", "2025-09", "Statistical neighbours")]
    assert neighbours.note.startswith("sum of numerators over sum of denominators of ")
    assert neighbours.note.endswith("statistical neighbours (2025 model)")
    assert 10 < neighbours.value < 25


def test_symbols_load_as_absent_values_with_the_reason(db_url, engine):
    configure(db_url)
    assert run(db_url, "load", D5, CLA) == 0
    suppressed = benchmarks(engine)[("CP_2YEARS_PLUS", "2024-03", "Published (DfE)")]
    assert suppressed.value is None and suppressed.symbol == "c"
    assert suppressed.note == "c: suppressed to protect confidentiality"
    with engine.connect() as conn:
        values = conn.execute(sa.select(schema.benchmarks.c.value, schema.benchmarks.c.symbol)).all()
    assert all(value is None for value, symbol in values if symbol)
    assert all(symbol is None for value, symbol in values if value is not None)


def test_a_newer_release_revises_an_older_figure(db_url, engine, capsys):
    configure(db_url)
    capsys.readouterr()
    assert run(db_url, "load", FIRST) == 0
    assert benchmarks(engine)[("LAC_COUNT", "2024-03", "England")].value == 83630
    assert run(db_url, "load", REVISED) == 0
    assert f"{REVISED}: benchmarks: 0 added, 1 revised, 5 unchanged" in capsys.readouterr().out
    t, loads = schema.benchmarks, schema.loads
    with engine.connect() as conn:
        history = conn.execute(
            sa.select(
                t.c.value, t.c.is_current, t.c.superseded_by, loads.c.id, loads.c.file_name, loads.c.sha256
            )
            .join(loads, loads.c.id == t.c.load_id)
            .where(t.c.kpi == "LAC_COUNT", t.c.period == "2024-03", t.c.comparator == "England")
            .order_by(t.c.id)
        ).all()
    assert [(h.value, h.is_current, h.file_name) for h in history] == [
        (83630, False, "cla_2024_first_release.csv"),
        (83530, True, "cla_2024_revised.csv"),
    ]
    assert history[0].superseded_by == history[1].id
    assert history[0].sha256 != history[1].sha256


def test_rates_need_the_population_from_the_same_command(db_url, engine, capsys):
    configure(db_url)
    capsys.readouterr()
    assert run(db_url, "load", CIN) == 1
    assert errors_of(capsys) == [
        f"{CIN}:1:-: CIN_RATE needs the 0–17 population estimate from the looked-after children file "
        "(cla_number_and_rate_per_10k_children.csv) for 2022–2025 (given: no year): load that file in "
        "the same command",
        "1 problem(s) found: nothing was written",
    ]
    assert benchmarks(engine) == {}


def test_export_gains_the_comparator_columns(db_url, engine, write_file, capsys):
    configure(db_url)
    orgs = write_file("orgs.csv", "code,name,parent,type\nLA,Example Council,,authority\n")
    figures = write_file(
        "figures.csv",
        "period,kpi,org,numerator,denominator,value\n2025-02,LAC_COUNT,LA,,,340\n2025-03,LAC_COUNT,LA,,,344\n",
    )
    assert run(db_url, "load", orgs, figures, CLA) == 0
    capsys.readouterr()
    assert run(db_url, "export", "--kpi", "LAC_COUNT") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    march = next(r for r in rows if r["period"] == "2025-03")
    february = next(r for r in rows if r["period"] == "2025-02")
    assert (march["england"], march["published"]) == ("81770", "344")
    assert march["region"] == "11560" and float(march["neighbours"]) > 0
    assert [february[c] for c in ("england", "region", "neighbours", "published")] == ["", "", "", ""]


# --------------------------------------------------------------------------------------------
# Bad files: FILE:ROW:COLUMN, exit 1, nothing written
# --------------------------------------------------------------------------------------------


def _drop_herefordshire(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if "884" not in r]


def _drop_new_la_code(rows: list[list[str]]) -> list[list[str]]:
    at = rows[0].index("new_la_code")
    return [r[:at] + r[at + 1 :] for r in rows]


def _duplicate_england(rows: list[list[str]]) -> list[list[str]]:
    return [*rows, rows[1]]


def _name_on_england(rows: list[list[str]]) -> list[list[str]]:
    at = rows[0].index("la_name")
    rows[1][at] = "Herefordshire"
    return rows


def _unknown_layout(rows: list[list[str]]) -> list[list[str]]:
    keep = [rows[0].index(c) for c in rows[0][:10]] + [rows[0].index("inpost_fte")]
    return [[r[i] for i in keep] for r in rows]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            _unknown_layout,
            [
                "1:-: unknown EES file: no entry in ees_mapping.toml recognises its columns; "
                "add an [[entry]] for it (see docs/benchmarks.md)"
            ],
        ),
        (
            _drop_herefordshire,
            [f"1:-: {HEREFORDSHIRE} is not in this file: no Local authority row has old_la_code 884"],
        ),
        (
            _drop_new_la_code,
            ["1:new_la_code: missing column new_la_code: needed to find England, regions and authorities"],
        ),
        (_duplicate_england, ["43:-: duplicate row: same time_period and geography as row 2"]),
        (
            _name_on_england,
            ["2:la_name: a National row has la_name 'Herefordshire': national rows leave it empty"],
        ),
    ],
)
def test_bad_ees_files_are_rejected_with_exact_messages(db_url, engine, write_file, capsys, edit, expected):
    configure(db_url)
    assert run(db_url, "load", CLA) == 0
    before = snapshot(engine)
    capsys.readouterr()
    bad = rewrite(CSWW, edit, write_file)
    assert run(db_url, "load", CSWW, bad) == 1  # the good file in the same command is not loaded either
    assert errors_of(capsys) == [
        *(f"{bad}:{e}" for e in expected),
        f"{len(expected)} problem(s) found: nothing was written",
    ]
    assert snapshot(engine) == before


def test_ees_files_are_read_by_the_one_reader(db_url, engine, write_file, tmp_path, capsys):
    """Semicolons, a blank row and a workbook are read as for every other file, rows keep their
    numbers, and the population of a workbook feeds the rates of a CSV loaded with it."""
    configure(db_url)
    rows = list(csv.reader(io.StringIO(CLA.read_text(encoding="utf-8-sig"))))
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    cla = tmp_path / "cla.xlsx"
    workbook.save(cla)
    cin = rewrite(CIN, lambda rows: [rows[0], [], *rows[1:], rows[1]], write_file)
    cin.write_text(cin.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    capsys.readouterr()
    assert run(db_url, "load", cin, cla) == 1
    duplicate = len(rows_of(cin))  # the header is row 1 and the blank row keeps its number
    assert errors_of(capsys) == [
        f"{cin}:{duplicate}:-: duplicate row: same time_period and geography as row 3",
        "1 problem(s) found: nothing was written",
    ]
    cin.write_text("\n".join(cin.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    assert run(db_url, "load", cin, cla) == 0
    out = capsys.readouterr().out
    assert f"{cin}: note: read as semicolon-separated" in out
    rate = benchmarks(engine)[("CIN_RATE", "2025-03", "Published (DfE)")]
    assert rate.value == pytest.approx(1574 / 34439 * 10_000)


def rows_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_an_ees_file_needs_a_configured_authority(db_url, engine, capsys):
    assert run(db_url, "load", CSWW) == 1
    assert errors_of(capsys) == [
        f"{CSWW}:1:-: no authority is configured: run `python -m data config --la CODE` (e.g. E06000019 "
        "or 884): EES files give benchmarks for the configured authority",
        "1 problem(s) found: nothing was written",
    ]
    assert benchmarks(engine) == {}


def test_validate_writes_nothing(db_url, engine, capsys):
    configure(db_url)
    assert run(db_url, "validate", CLA) == 0
    assert "1 file(s) valid: nothing was written" in capsys.readouterr().out
    assert benchmarks(engine) == {}


# --------------------------------------------------------------------------------------------
# The statistical-neighbour model
# --------------------------------------------------------------------------------------------


def _model_text(replace_first_neighbour_of_884_with: str) -> str:
    lines = (Path(__file__).resolve().parents[2] / "data" / "reference" / "sn_model_2025_wide.csv").read_text(
        encoding="utf-8-sig"
    )
    out = []
    for line in lines.splitlines():
        if line.startswith("884,"):
            line = line.replace(",943,", f",{replace_first_neighbour_of_884_with},", 1)
        out.append(line)
    return "\n".join(out) + "\n"


def test_a_loaded_neighbour_model_replaces_the_bundled_one(db_url, engine, write_file, capsys):
    configure(db_url)
    model = write_file("sn_model_2026.csv", _model_text("894"))  # Telford and Wrekin first
    capsys.readouterr()
    assert run(db_url, "load", CSWW, model) == 0  # the model applies to the whole command
    out = capsys.readouterr().out
    assert f"{model}: neighbours: 0 added, 1 revised, 152 unchanged" in out
    note = benchmarks(engine)[("CASELOAD_AVG", "2025-09", "Statistical neighbours")].note
    assert "(model from sn_model_2026.csv)" in note and "Telford and Wrekin" in note  # not in the sample
    assert run(db_url, "config") == 0
    out = capsys.readouterr().out
    assert "statistical neighbours (sn_model_2026.csv):\n  1. Telford and Wrekin (894), Very close\n" in out
    with engine.connect() as conn:
        assert get_setting(conn, "la_neighbours").startswith("Telford and Wrekin (894); Staffordshire")
        assert conn.execute(
            sa.select(schema.loads.c.kind).where(schema.loads.c.file_name == model.name)
        ).scalar()


def test_a_bad_neighbour_model_is_rejected(db_url, engine, write_file, capsys):
    configure(db_url)
    text = _model_text("94")
    text += text.splitlines()[1] + "\n"
    model = write_file("sn_bad.csv", text)
    before = snapshot(engine)
    capsys.readouterr()
    assert run(db_url, "load", model) == 1
    assert errors_of(capsys) == [
        f"{model}:56:SN_1: '94' is not an old 3-digit LA code such as 884",
        f"{model}:155:-: duplicate row: 301 is also on row 2",
        "2 problem(s) found: nothing was written",
    ]
    assert snapshot(engine) == before


# --------------------------------------------------------------------------------------------
# Every real DfE file
# --------------------------------------------------------------------------------------------


REAL = [
    ("LAC_COUNT", "2025-03", "England", 81770),
    ("LAC_RATE", "2025-03", "England", 67),
    ("CASELOAD_AVG", "2025-09", "England", 15.2),
    ("LAC_COUNT", "2025-03", "Published (DfE)", 344),
    ("LAC_RATE", "2025-03", "Published (DfE)", 100),
    ("CP_PLANS", "2025-03", "Published (DfE)", 139),
    ("CASELOAD_AVG", "2025-09", "Published (DfE)", 13.6),
    ("AGENCY_RATE", "2025-09", "Published (DfE)", 18.3),
    ("CASELOAD_AVG", "2025-09", "Region", 15.3),
]


def test_every_real_dfe_file_loads(engine):
    files = sorted(DFE.glob("*.csv"))
    if not files:
        skip_or_fail(f"the real DfE files are not available at {DFE}")
    with engine.begin() as conn:
        from data.authority import configure as set_authority
        from data.migrate import ensure_schema

        ensure_schema(conn)
        set_authority(conn, "E06000019")
    summaries = load_files(engine, files, user="tester")
    assert {s.kind for s in summaries} == {"benchmarks", "neighbours"}
    stored = benchmarks(engine)
    for kpi, period, comparator, value in REAL:
        assert stored[(kpi, period, comparator)].value == value, (kpi, period, comparator)
    assert {k for k, _, _ in stored} == {
        "CP_PLANS", "CP_2YEARS_PLUS", "CP_RATE", "LAC_COUNT", "LAC_RATE", "LAC_STARTED",
        "CIN_RATE", "CASELOAD_AVG", "AGENCY_RATE", "VACANCY_RATE", "TURNOVER_RATE",
    }  # fmt: skip
    assert round(stored[("CIN_RATE", "2025-03", "England")].value, 1) == 330.3
    suppressed = stored[("CP_2YEARS_PLUS", "2024-03", "Published (DfE)")]
    assert (suppressed.value, suppressed.symbol) == (None, "c")
    assert not math.isnan(stored[("LAC_RATE", "2025-03", "Statistical neighbours")].value)
    assert {s.added for s in load_files(engine, files, user="tester")} == {0}  # the same again: no change
    with pytest.raises(InvalidInput):  # children in need alone: no population for CIN_RATE
        load_files(engine, [DFE / "b1_children_in_need_2013_to_2025.csv"], user="tester")
