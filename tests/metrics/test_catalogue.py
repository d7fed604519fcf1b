"""The KPI catalogue: the shipped kpis.toml against the spec, the loader's checks, and docs drift."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from metrics.catalogue import (
    FIELDS,
    UNIT_FACTORS,
    UNITS,
    Catalogue,
    CatalogueError,
    Kpi,
    catalogue_markdown,
    load_catalogue,
    parse_catalogue,
)
from tests.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
DOCS_FILE = REPO / "docs" / "kpis.md"
SPEC_FILE = REPO.parent / "shared" / "spec" / "kpi-catalogue.md"
NO_SPEC = f"the reference spec {SPEC_FILE} is not available"

# The codes of the table in ../shared/spec/kpi-catalogue.md, in its order, so that the catalogue is
# checked against the spec even where ../shared is not checked out.
SPEC_CODES = (
    "CONTACTS",
    "CONTACTS_NFA",
    "REFERRALS",
    "REFERRAL_DECISION_1WD",
    "REREFERRALS_12M",
    "EARLY_HELP_OPEN",
    "ASSESSMENTS_COMPLETED",
    "ASSESSMENTS_45WD",
    "CIN_PLANS",
    "CIN_RATE",
    "CIN_VISITS_TIMELY",
    "S47_ENQUIRIES",
    "ICPC_HELD",
    "ICPC_15WD",
    "CP_PLANS",
    "CP_RATE",
    "CP_REPEAT",
    "CP_REPEAT_2Y",
    "CP_2YEARS_PLUS",
    "CP_VISITS_TIMELY",
    "CP_REVIEWS_TIMELY",
    "LAC_COUNT",
    "LAC_RATE",
    "LAC_STARTED",
    "LAC_3PLUS_PLACEMENTS",
    "LAC_LONG_TERM_STABLE",
    "LAC_VISITS_TIMELY",
    "LAC_REVIEWS_TIMELY",
    "LAC_HEALTH_ASSESSMENTS",
    "LAC_OUT_OF_AREA",
    "LAC_IN_HOUSE_FOSTER",
    "LAC_MISSING_EPISODES",
    "CL_IN_TOUCH",
    "CL_SUITABLE_ACCOM",
    "CL_EET",
    "CL_PATHWAY_PLANS",
    "PROCEEDINGS_26WKS",
    "PROCEEDINGS_WEEKS",
    "ADOPTIONS",
    "CASELOAD_AVG",
    "AGENCY_RATE",
    "VACANCY_RATE",
    "TURNOVER_RATE",
    "SUPERVISION_TIMELY",
    "AUDITS_GOOD",
)
SPEC_COLUMNS = (
    "code",
    "name",
    "stage",
    "unit",
    "polarity",
    "over_time",
    "numerator / denominator",
    "England",
)


def spec_table() -> dict[str, dict[str, str]]:
    """The spec's (only) Markdown table as {code: {column: cell}}, in table order."""
    table = [line for line in SPEC_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header, _rule, *body = ([cell.strip() for cell in line.strip().strip("|").split("|")] for line in table)
    return {cells[0]: dict(zip(header, cells, strict=True)) for cells in body}


def spec_fraction(cell: str) -> tuple[str, str]:
    """(numerator, denominator) from a spec cell such as "agency FTE / (agency + employed FTE)"."""
    if not cell:
        return ("", "")
    numerator, denominator = (part.strip() for part in cell.split(" / ", 1))
    if denominator.startswith("(") and denominator.endswith(")"):
        denominator = denominator[1:-1]
    return (numerator, denominator)


@pytest.fixture(scope="module")
def spec() -> dict[str, dict[str, str]]:
    if not SPEC_FILE.exists():
        skip_or_fail(NO_SPEC)
    return spec_table()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# -- the shipped catalogue -------------------------------------------------------------------------


@pytest.mark.parametrize("code", SPEC_CODES)
def test_spec_code_is_in_catalogue(catalogue: Catalogue, code: str) -> None:
    assert code in catalogue


def test_spec_codes_come_in_table_order(catalogue: Catalogue) -> None:
    assert tuple(k.code for k in catalogue if k.code in SPEC_CODES) == SPEC_CODES


def test_hard_coded_codes_match_spec_table(spec: dict[str, dict[str, str]]) -> None:
    assert tuple(spec) == SPEC_CODES


def test_spec_table_has_expected_columns(spec: dict[str, dict[str, str]]) -> None:
    assert all(tuple(row) == SPEC_COLUMNS for row in spec.values())


@pytest.mark.parametrize("code", SPEC_CODES)
def test_kpi_matches_spec_row(catalogue: Catalogue, spec: dict[str, dict[str, str]], code: str) -> None:
    row, kpi = spec[code], catalogue[code]
    expected = (row["name"], row["stage"], row["unit"], row["polarity"], row["over_time"], row["England"])
    assert (kpi.name, kpi.stage, kpi.unit, kpi.polarity, kpi.over_time, kpi.england) == expected
    assert (kpi.numerator, kpi.denominator) == spec_fraction(row["numerator / denominator"])


def test_codes_are_unique() -> None:
    entries = tomllib.loads((REPO / "metrics" / "kpis.toml").read_text(encoding="utf-8"))["kpi"]
    codes = [entry["code"] for entry in entries]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("kpi", load_catalogue(), ids=lambda kpi: kpi.code)
def test_ratio_kpi_has_numerator_and_denominator(kpi: Kpi) -> None:
    if kpi.is_ratio:
        assert kpi.numerator and kpi.denominator
    else:
        assert not kpi.numerator and not kpi.denominator


@pytest.mark.parametrize("kpi", load_catalogue(), ids=lambda kpi: kpi.code)
def test_kpi_has_definition_and_source(kpi: Kpi) -> None:
    assert len(kpi.definition) > 100
    assert kpi.source


# -- parse_catalogue's checks ----------------------------------------------------------------------

GOOD = {
    "code": "X_PCT",
    "name": "Something on time",
    "stage": "assessment",
    "definition": "Of the things due in the month, the share done on time.",
    "unit": "percent",
    "polarity": "up",
    "over_time": "sum",
    "numerator": "done on time",
    "denominator": "due",
    "source": "Local case management system",
}


def toml_text(*entries: dict[str, str]) -> str:
    """TOML for [[kpi]] entries given as dicts of string fields."""
    return "".join(
        "[[kpi]]\n" + "".join(f'{key} = "{value}"\n' for key, value in entry.items()) + "\n"
        for entry in entries
    )


def test_good_entry_parses() -> None:
    catalogue = parse_catalogue(toml_text(GOOD), source="test.toml")
    assert catalogue["X_PCT"] == Kpi(**GOOD)
    assert catalogue.stages == ("assessment",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            toml_text(GOOD, {**GOOD, "name": "Again"}),
            "test.toml: KPI entry 2 (X_PCT): duplicate code X_PCT",
            id="duplicate-code",
        ),
        pytest.param(
            toml_text({**GOOD, "unit": "ratio"}),
            "test.toml: KPI entry 1 (X_PCT): unit 'ratio' is not one of "
            "count, percent, rate, average, days, weeks",
            id="unknown-unit",
        ),
        pytest.param(
            toml_text({**GOOD, "polarity": "higher"}),
            "test.toml: KPI entry 1 (X_PCT): polarity 'higher' is not one of up, down, none",
            id="unknown-polarity",
        ),
        pytest.param(
            toml_text({**GOOD, "over_time": "mean"}),
            "test.toml: KPI entry 1 (X_PCT): over_time 'mean' is not one of sum, last",
            id="unknown-over-time",
        ),
        pytest.param(
            toml_text({k: v for k, v in GOOD.items() if k != "source"}),
            "test.toml: KPI entry 1 (X_PCT): missing source",
            id="missing-field",
        ),
        pytest.param(
            toml_text({**GOOD, "definition": "   "}),
            "test.toml: KPI entry 1 (X_PCT): missing definition",
            id="blank-field",
        ),
        pytest.param(
            toml_text({**GOOD, "colour": "red"}),
            "test.toml: KPI entry 1 (X_PCT): unknown field(s) colour",
            id="unknown-field",
        ),
        pytest.param(
            toml_text({k: v for k, v in GOOD.items() if k != "denominator"}),
            "test.toml: KPI entry 1 (X_PCT): a percent KPI needs numerator and denominator",
            id="ratio-without-denominator",
        ),
        pytest.param(
            toml_text({**GOOD, "unit": "rate", "denominator": " "}),
            "test.toml: KPI entry 1 (X_PCT): a rate KPI needs numerator and denominator",
            id="ratio-with-blank-denominator",
        ),
        pytest.param(
            "[[kpi]]\ncode = \n",
            "test.toml: not valid TOML: Invalid value (at line 2, column 8)",
            id="invalid-toml",
        ),
        pytest.param("title = 'KPIs'\n", "test.toml: no [[kpi]] entries", id="no-entries"),
        pytest.param("kpi = [1]\n", "test.toml: KPI entry 1 is not a table", id="entry-not-a-table"),
    ],
)
def test_parse_catalogue_rejects(text: str, message: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, source="test.toml")
    assert str(caught.value) == message


# -- units -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "factor"),
    [("percent", 100.0), ("rate", 10_000.0), ("average", 1.0), ("days", 1.0), ("weeks", 1.0)],
)
def test_factor(unit: str, factor: float) -> None:
    assert Kpi(**{**GOOD, "unit": unit}).factor == factor


def test_every_ratio_unit_has_a_factor() -> None:
    assert {unit for unit in UNITS if Kpi(**{**GOOD, "unit": unit}).is_ratio} == set(UNIT_FACTORS)


# -- generated documentation -----------------------------------------------------------------------


def test_docs_match_catalogue(catalogue: Catalogue) -> None:
    expected = catalogue_markdown(catalogue)
    actual = DOCS_FILE.read_text(encoding="utf-8") if DOCS_FILE.exists() else ""
    assert actual == expected, (
        "docs/kpis.md is out of date with metrics/kpis.toml: run `make docs` "
        "(python -m metrics.catalogue_docs) and commit the result"
    )


def test_markdown_lists_every_kpi_and_field(catalogue: Catalogue) -> None:
    text = catalogue_markdown(catalogue)
    assert "Generated from `metrics/kpis.toml` by `make docs`" in text
    assert "Do not edit this file by hand" in text
    for kpi in catalogue:
        assert f"### {kpi.name} (`{kpi.code}`)" in text
    for field in FIELDS:
        assert text.count(f"| `{field}` |") == len(catalogue)
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == [
        stage[:1].upper() + stage[1:] for stage in catalogue.stages
    ]


def test_markdown_escapes_pipes_and_newlines() -> None:
    kpi = Kpi(**{**GOOD, "definition": "a | b\nc"})
    text = catalogue_markdown(Catalogue((kpi,)))
    assert "| `definition` | a \\| b c |" in text


def test_definitions_shown_to_people_name_no_catalogue_codes(catalogue):
    """A definition reads as words: no KPI or unit code (such as LAC_COUNT or MASH) inside it."""
    codes = {k.code for k in catalogue} | {"MASH", "ASSESS1", "SFS", "CLA", "LA"}
    for kpi in catalogue:
        words = set(re.findall(r"[A-Za-z0-9_]+", kpi.definition))
        assert not (words & codes), (kpi.code, words & codes)
