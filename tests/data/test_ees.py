"""EES open-data files -> benchmarks: recognition, the mapping, symbols, errors and neighbours.

Fixtures in tests/data/ees/ are rows copied unchanged from the DfE files in ../shared/data/dfe/
(England, West Midlands, Herefordshire and its ten statistical neighbours for three years, plus
a few rows chosen for their symbols). The last tests run on the real files when they are there.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.ees import (
    BENCHMARK_COLUMNS,
    COMPARATORS,
    SYMBOLS,
    WHOLE,
    EesProblem,
    LocalAuthority,
    MappingError,
    UnknownAuthority,
    ees_benchmarks,
    ees_entries,
    ees_population,
    ees_population_sources,
    is_ees,
    is_neighbour_model,
    load_mapping,
    load_neighbours,
    mapping_markdown,
    parse_mapping,
    read_ees_csv,
    resolve_la,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "ees"
DFE = REPO.parent / "shared" / "data" / "dfe"
NO_DFE = f"the real DfE files are not available at {DFE}"

CIN = "b1_children_in_need_sample.csv"
CLA = "cla_number_and_rate_sample.csv"
CSWW = "csww_indicators_sample.csv"
D5 = "d5_cpps_by_duration_sample.csv"

HEREFORDSHIRE_NEIGHBOURS = ("943", "860", "925", "893", "933", "888", "935", "811", "815", "830")


def fixture(name: str) -> pd.DataFrame:
    return read_ees_csv(FIXTURES / name)


def fixture_population() -> pd.DataFrame:
    return ees_population(fixture(CLA))


def benchmarks(name: str, la: str = "E06000019", frame: pd.DataFrame | None = None) -> pd.DataFrame:
    result, problems = ees_benchmarks(
        fixture(name) if frame is None else frame, name, la, load_neighbours(), fixture_population()
    )
    assert problems == []
    return result


def row(result: pd.DataFrame, kpi: str, period: str, comparator: str) -> pd.Series:
    found = result[(result.kpi == kpi) & (result.period == period) & (result.comparator == comparator)]
    assert len(found) == 1, f"{kpi} {period} {comparator}: {len(found)} rows"
    return found.iloc[0]


WITH_POPULATION = object()


def problems_of(
    frame: pd.DataFrame, la: str = "884", population: object = WITH_POPULATION
) -> list[EesProblem]:
    given = fixture_population() if population is WITH_POPULATION else population
    assert given is None or isinstance(given, pd.DataFrame)
    result, problems = ees_benchmarks(frame, "bad.csv", la, load_neighbours(), given)
    assert result.empty == bool(problems)
    return problems


# --------------------------------------------------------------------------------------------
# Recognition
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [CIN, CLA, CSWW, D5])
def test_fixture_files_are_ees(name: str) -> None:
    assert is_ees(fixture(name).columns)
    assert not is_neighbour_model(fixture(name).columns)


def test_ees_header_is_matched_ignoring_bom_case_spaces_and_order() -> None:
    assert is_ees(["geographic_level", " TIME_IDENTIFIER ", "\ufefftime_period", "anything"])
    assert not is_ees(["time_period", "geographic_level"])
    assert not is_ees(["period", "kpi", "org", "numerator", "denominator", "value"])


def test_neighbour_model_is_recognised_and_is_not_ees() -> None:
    columns = load_neighbours().columns
    assert is_neighbour_model(columns)
    assert not is_ees(columns)
    assert ees_entries(columns) == []


@pytest.mark.parametrize(
    ("name", "kpis"),
    [
        (D5, ["CP_PLANS", "CP_2YEARS_PLUS", "CP_RATE"]),
        (CLA, ["LAC_COUNT", "LAC_RATE", "LAC_STARTED"]),
        (CIN, ["CIN_RATE"]),
        (CSWW, ["CASELOAD_AVG", "AGENCY_RATE", "VACANCY_RATE", "TURNOVER_RATE"]),
    ],
)
def test_entries_matching_each_file(name: str, kpis: list[str]) -> None:
    assert [e.kpi for e in ees_entries(fixture(name).columns)] == kpis


def test_only_the_looked_after_file_provides_the_population() -> None:
    assert [p.id for p in ees_population_sources(fixture(CLA).columns)] == ["population_0_17"]
    assert all(ees_population_sources(fixture(n).columns) == [] for n in (CIN, CSWW, D5))


# --------------------------------------------------------------------------------------------
# The mapping file
# --------------------------------------------------------------------------------------------


def test_mapping_covers_the_required_kpis() -> None:
    kpis = {e.kpi for e in load_mapping().entries}
    required = {
        "CP_PLANS",
        "CP_2YEARS_PLUS",
        "LAC_COUNT",
        "LAC_RATE",
        "LAC_STARTED",
        "CIN_RATE",
        "CASELOAD_AVG",
        "AGENCY_RATE",
        "VACANCY_RATE",
        "TURNOVER_RATE",
    }
    assert required <= kpis


def test_mapping_kpis_and_factors_agree_with_the_catalogue() -> None:
    catalogue = pytest.importorskip("metrics.catalogue").load_catalogue()
    for entry in load_mapping().entries:
        kpi = catalogue[entry.kpi]
        if entry.numerator:
            assert kpi.is_ratio, entry.id
            assert entry.factor == kpi.factor, entry.id
        else:
            assert kpi.unit == "count" or entry.value, entry.id
        assert entry.month in (3, 9)


def test_docs_table_is_generated_from_the_mapping() -> None:
    docs = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert mapping_markdown() in docs, "docs/benchmarks.md is out of date: paste mapping_markdown()"


BASE_ENTRY = 'id = "e"\nkpi = "CP_PLANS"\ncolumns = ["CPP_At31"]\nmonth = 3\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = [", "m.toml: not valid TOML"),
        ("", "m.toml: no [[entry]] tables"),
        (
            f"[[entry]]\n{BASE_ENTRY}",
            "m.toml: entry 1 (e): give `value`, or `numerator` with `denominator` or `population`",
        ),
        (f'[[entry]]\n{BASE_ENTRY}value = "v"\ncolour = 1\n', "m.toml: entry 1 (e): unknown field(s) colour"),
        (
            f'[[entry]]\n{BASE_ENTRY}numerator = "n"\nfactor = 100\n',
            "m.toml: entry 1 (e): `numerator` needs exactly one of `denominator` or `population`",
        ),
        (
            f'[[entry]]\n{BASE_ENTRY}numerator = "n"\ndenominator = "d"\n',
            "m.toml: entry 1 (e): `factor` is required with `numerator` (100, 10000 or 1)",
        ),
        (
            f'[[entry]]\n{BASE_ENTRY}numerator = "n"\npopulation = "p"\nfactor = 1\n',
            "m.toml: entry 1 (e): `population` 'p' is not a [[population]] id",
        ),
        (
            '[[entry]]\nid = "e"\nkpi = "K"\ncolumns = ["c"]\nmonth = 13\nvalue = "v"\n',
            "m.toml: entry 1 (e): `month` must be a month number 1-12 (3 for 31 March)",
        ),
        (
            f'[[entry]]\n{BASE_ENTRY}value = "v"\n[[entry]]\n{BASE_ENTRY}value = "v"\n',
            "m.toml: entry 2: id 'e' is used twice",
        ),
    ],
)
def test_bad_mapping_is_rejected_with_a_message(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.toml")
    assert str(caught.value).startswith(message)


def test_every_mapping_problem_is_reported_together_with_a_reason_code() -> None:
    text = (
        '[[population]]\nid = "pop"\nname = "population"\ncolour = "red"\nvalue = "v"\ncolumns = "c"\n'
        '[[population]]\nid = "pop"\nname = ""\nvalue = "v"\ncolumns = []\n'
        '[[entry]]\nid = "a"\nkpi = "CP_PLANS"\ncolumns = ["CPP_At31"]\nmonth = 13\nspan = "always"\n'
        'numerator = "n"\ndenominator = ""\npopulation = "nowhere"\n'
        '[[entry]]\nid = "a"\nkpi = ""\ncolumns = "x"\nmonth = 3\nvalue = 5\nfilter = { t = [] }\n'
    )
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.toml")
    assert str(caught.value).splitlines() == [
        "m.toml: population 1 (pop): unknown field(s) colour",
        "m.toml: population 2 (pop): `name` is required",
        "m.toml: population 2 (pop): `columns` must be a column name or a list of column names",
        "m.toml: population 2: id 'pop' is used twice",
        "m.toml: entry 1 (a): `month` must be a month number 1-12 (3 for 31 March)",
        "m.toml: entry 1 (a): `span` must be one of point, year",
        "m.toml: entry 1 (a): `denominator` must be a column name or a list of column names",
        "m.toml: entry 1 (a): `numerator` needs exactly one of `denominator` or `population`",
        "m.toml: entry 1 (a): `population` 'nowhere' is not a [[population]] id",
        "m.toml: entry 1 (a): `factor` is required with `numerator` (100, 10000 or 1)",
        "m.toml: entry 2 (a): `kpi` is required",
        "m.toml: entry 2 (a): `value` and `numerator` must be column names",
        "m.toml: entry 2 (a): `filter.t` must be a column name or a list of column names",
        "m.toml: entry 2: id 'a' is used twice",
    ]
    assert [p.reason for p in caught.value.problems] == [
        "unknown_field",
        "required",
        "not_columns",
        "duplicate_id",
        "bad_month",
        "bad_span",
        "not_columns",
        "one_denominator",
        "unknown_population",
        "no_factor",
        "required",
        "not_column",
        "not_columns",
        "duplicate_id",
    ]
    assert caught.value.problems[0].where == "m.toml: population 1 (pop)"


def test_entries_mapping_one_kpi_are_all_reported() -> None:
    entry = '[[entry]]\nid = "{}"\nkpi = "CP_PLANS"\ncolumns = ["CPP_At31"]\nvalue = "CPP_At31"\nmonth = 3\n'
    mapping = parse_mapping("".join(entry.format(n) for n in ("one", "two", "three")), "m.toml")
    with pytest.raises(MappingError) as caught:
        ees_benchmarks(fixture(D5), D5, "884", load_neighbours(), mapping=mapping)
    assert str(caught.value).splitlines() == [
        f"m.toml: entries one and {n} both map CP_PLANS from this file: give one of them a column the "
        "other's file lacks"
        for n in ("two", "three")
    ]
    assert {p.reason for p in caught.value.problems} == {"same_kpi"}


def test_two_entries_mapping_one_kpi_from_one_file_is_a_mapping_error() -> None:
    entry = '[[entry]]\nid = "{}"\nkpi = "CP_PLANS"\ncolumns = ["CPP_At31"]\nvalue = "CPP_At31"\nmonth = 3\n'
    mapping = parse_mapping(entry.format("one") + entry.format("two"))
    with pytest.raises(MappingError, match="entries one and two both map CP_PLANS from this file"):
        ees_benchmarks(fixture(D5), D5, "884", load_neighbours(), mapping=mapping)


def test_one_entry_maps_a_new_file() -> None:
    mapping = parse_mapping(
        '[[entry]]\nid = "cin_count"\nkpi = "CIN_COUNT"\ncolumns = ["At31_episodes"]\n'
        'value = "At31_episodes"\nmonth = 3\n'
    )
    result, problems = ees_benchmarks(fixture(CIN), CIN, "884", load_neighbours(), mapping=mapping)
    assert problems == []
    assert row(result, "CIN_COUNT", "2025-03", "Published (DfE)").value == 1574


# --------------------------------------------------------------------------------------------
# Each KPI: England, region, neighbours and the authority's own published figure
# --------------------------------------------------------------------------------------------

# The ten neighbours' published figures, in the order of the neighbour model:
# Westmorland and Furness, Staffordshire, Lincolnshire, Shropshire, Somerset, Lancashire,
# Suffolk, East Riding of Yorkshire, North Yorkshire, Derbyshire.
POPULATION_2025 = (39153, 174804, 147954, 60153, 113024, 261392, 152255, 63023, 115721, 156155)
CP_PLANS_2025 = (197, 524, 456, 173, 313, 895, 424, 334, 633, 729)
LAC_2025 = (261, 1306, 805, 717, 624, 1699, 916, 363, 561, 1024)
CIN_2025 = (1141, 5302, 4184, 2209, 3412, 8327, 4070, 2221, 3643, 5431)
# on a plan 2 years or more: c for Westmorland and Furness, Lincolnshire, East Riding of Yorkshire
CP_2Y_2025 = (9, 8, 6, 26, 17, 9, 14)
CP_2Y_PLANS_2025 = (524, 173, 313, 895, 424, 633, 729)
AGENCY_2025 = (34, 42.4, 22.2, 34.4, 31.6, 27.3, 24, 24, 5, 40.6)
INPOST_2025 = (97.7, 439.2, 361.7, 160, 279.3, 736.6, 405.9, 192.5, 322.9, 431.9)
# 2018: no Westmorland and Furness yet; Suffolk's caseload is x
CASES_2018 = (5353, 2881, 957, 1973, 4927, 1613, 2416, 5110)
CASE_HOLDERS_2018 = (281.8, 188.2, 54.7, 129, 279.1, 93.1, 137.8, 267.5)

SN = "Statistical neighbours"
PUB = "Published (DfE)"

# (file, kpi, period, comparator, expected value) with every expected value read from the fixture
# rows (which are the published rows) and written out here.
EXPECTED = [
    (D5, "CP_PLANS", "2025-03", "England", 49420),
    (D5, "CP_PLANS", "2025-03", "Region", 5450),
    (D5, "CP_PLANS", "2025-03", PUB, 139),
    (D5, "CP_PLANS", "2025-03", SN, sum(CP_PLANS_2025) / 10),
    (D5, "CP_PLANS", "2022-03", PUB, 286),
    (D5, "CP_2YEARS_PLUS", "2025-03", "England", 2.3),
    (D5, "CP_2YEARS_PLUS", "2025-03", PUB, 0.0),
    (D5, "CP_2YEARS_PLUS", "2025-03", SN, 100 * sum(CP_2Y_2025) / sum(CP_2Y_PLANS_2025)),
    (D5, "CP_RATE", "2025-03", "England", 10_000 * 49420 / 12183016),
    (D5, "CP_RATE", "2025-03", "Region", 10_000 * 5450 / 1351245),
    (D5, "CP_RATE", "2025-03", PUB, 10_000 * 139 / 34439),
    (D5, "CP_RATE", "2025-03", SN, 10_000 * sum(CP_PLANS_2025) / sum(POPULATION_2025)),
    (CLA, "LAC_COUNT", "2025-03", "England", 81770),
    (CLA, "LAC_COUNT", "2025-03", "Region", 11560),
    (CLA, "LAC_COUNT", "2025-03", PUB, 344),
    (CLA, "LAC_COUNT", "2025-03", SN, sum(LAC_2025) / 10),
    (CLA, "LAC_COUNT", "2024-03", PUB, 387),
    (CLA, "LAC_RATE", "2025-03", "England", 67),
    (CLA, "LAC_RATE", "2025-03", "Region", 86),
    (CLA, "LAC_RATE", "2025-03", PUB, 100),
    (CLA, "LAC_RATE", "2025-03", SN, 10_000 * sum(LAC_2025) / sum(POPULATION_2025)),
    (CLA, "LAC_STARTED", "2025-03", "England", 32270),
    (CLA, "LAC_STARTED", "2025-03", PUB, 68),
    (CIN, "CIN_RATE", "2025-03", "England", 10_000 * 402400 / 12183016),
    (CIN, "CIN_RATE", "2025-03", "Region", 10_000 * 46660 / 1351245),
    (CIN, "CIN_RATE", "2025-03", PUB, 10_000 * 1574 / 34439),
    (CIN, "CIN_RATE", "2025-03", SN, 10_000 * sum(CIN_2025) / sum(POPULATION_2025)),
    (CSWW, "CASELOAD_AVG", "2025-09", "England", 15.2),
    (CSWW, "CASELOAD_AVG", "2025-09", "Region", 15.3),
    (CSWW, "CASELOAD_AVG", "2025-09", PUB, 13.6),
    (CSWW, "CASELOAD_AVG", "2018-09", SN, sum(CASES_2018) / sum(CASE_HOLDERS_2018)),
    (CSWW, "AGENCY_RATE", "2025-09", "England", 13.0),
    (CSWW, "AGENCY_RATE", "2025-09", PUB, 18.3),
    (CSWW, "AGENCY_RATE", "2025-09", SN, 100 * sum(AGENCY_2025) / (sum(AGENCY_2025) + sum(INPOST_2025))),
    (CSWW, "VACANCY_RATE", "2025-09", "England", 14.2),
    (CSWW, "VACANCY_RATE", "2025-09", PUB, 32.4),
    (CSWW, "TURNOVER_RATE", "2025-09", "England", 11.8),
    (CSWW, "TURNOVER_RATE", "2025-09", PUB, 10.8),
]


@pytest.mark.parametrize(("name", "kpi", "period", "comparator", "expected"), EXPECTED)
def test_each_kpi_mapping(name: str, kpi: str, period: str, comparator: str, expected: float) -> None:
    found = row(benchmarks(name), kpi, period, comparator)
    assert found.value == pytest.approx(expected, rel=1e-12)
    assert found.symbol == ""


@pytest.mark.parametrize(
    ("name", "periods"),
    [
        (D5, {"2022-03", "2024-03", "2025-03"}),
        (CLA, {"2022-03", "2024-03", "2025-03"}),
        (CIN, {"2022-03", "2024-03", "2025-03"}),
        (CSWW, {"2018-09", "2024-09", "2025-09"}),
    ],
)
def test_annual_figures_are_march_and_workforce_september(name: str, periods: set[str]) -> None:
    result = benchmarks(name)
    assert set(result.period) == periods
    assert list(result.columns) == list(BENCHMARK_COLUMNS)
    assert set(result.comparator) == set(COMPARATORS)
    assert set(result.source) == {name}
    assert not result.duplicated(["kpi", "period", "comparator"]).any()


def test_region_note_names_the_region() -> None:
    result = benchmarks(CSWW)
    assert set(result[result.comparator == "Region"].note) == {"West Midlands"}


def test_neighbour_note_says_how_and_how_many() -> None:
    result = benchmarks(D5)
    assert row(result, "CP_PLANS", "2025-03", "Statistical neighbours").note == (
        "mean of the published figures of 10 of 10 statistical neighbours (2025 model)"
    )
    assert row(result, "CP_2YEARS_PLUS", "2025-03", "Statistical neighbours").note == (
        "sum of numerators over sum of denominators of 7 of 10 statistical neighbours (2025 model); "
        "no figure for Westmorland and Furness, Lincolnshire, East Riding of Yorkshire "
        "(c: suppressed to protect confidentiality)"
    )


def test_neighbour_missing_before_a_reorganisation_is_named() -> None:
    # Westmorland and Furness (943) exists from 2023; Suffolk's 2018 caseload is "x".
    found = row(benchmarks(CSWW), "CASELOAD_AVG", "2018-09", "Statistical neighbours")
    assert found.note == (
        "sum of numerators over sum of denominators of 8 of 10 statistical neighbours (2025 model); "
        "no figure for Westmorland and Furness (not in the file for this year); Suffolk (x: not available)"
    )


def test_new_and_old_codes_give_the_same_benchmarks() -> None:
    by_new = benchmarks(CSWW, "E06000019")
    by_old = benchmarks(CSWW, "884")
    pd.testing.assert_frame_equal(by_new, by_old)


def test_bom_column_order_and_pandas_defaults_do_not_matter() -> None:
    expected = benchmarks(CLA)
    raw = (FIXTURES / CLA).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    # the csv module reading it as plain UTF-8 keeps the byte-order mark in the first name
    header, *rows = csv.reader(io.StringIO(raw.decode("utf-8")))
    assert header[0] == "\ufefftime_period"
    with_bom = pd.DataFrame(rows, columns=header)
    pd.testing.assert_frame_equal(benchmarks(CLA, frame=with_bom), expected)
    # pandas' own guesses (numbers as int/float, empty cells as NaN) and another column order
    guessed = pd.read_csv(io.BytesIO(raw))
    shuffled = guessed[list(reversed(guessed.columns))]
    pd.testing.assert_frame_equal(benchmarks(CLA, frame=shuffled), expected)


def test_authority_reported_jointly_is_published_with_a_note() -> None:
    found = row(benchmarks(CSWW, "940"), "AGENCY_RATE", "2025-09", "Published (DfE)")
    assert found.value == 19.5
    assert found.note == "published jointly for North Northamptonshire / West Northamptonshire"


def test_authority_absent_in_early_years_gets_no_published_row_then() -> None:
    result = benchmarks(CSWW, "943")  # Westmorland and Furness, created 2023
    assert set(result[result.comparator == "Published (DfE)"].period) == {"2024-09", "2025-09"}
    assert row(result, "AGENCY_RATE", "2018-09", "England").value == 15.4


# --------------------------------------------------------------------------------------------
# Symbols are never numbers
# --------------------------------------------------------------------------------------------


def test_suppressed_figure_is_absent_with_its_reason() -> None:
    found = row(benchmarks(D5), "CP_2YEARS_PLUS", "2024-03", "Published (DfE)")
    assert math.isnan(found.value)
    assert found.symbol == "c"
    assert found.note == "c: suppressed to protect confidentiality"


@pytest.mark.parametrize(
    ("name", "la", "kpi", "period", "symbol", "note"),
    [
        (CSWW, "394", "AGENCY_RATE", "2025-09", "low", "low: rounds to zero, but is not zero"),
        (CSWW, "330", "AGENCY_RATE", "2024-09", "u", "u: low reliability"),
        (CLA, "943", "LAC_COUNT", "2022-03", "z", "z: not applicable"),
        (CIN, "935", "CIN_RATE", "2025-03", "", ""),
    ],
)
def test_each_symbol_gives_no_value_and_says_why(
    name: str, la: str, kpi: str, period: str, symbol: str, note: str
) -> None:
    found = row(benchmarks(name, la), kpi, period, "Published (DfE)")
    if not symbol:  # a control: a row with a number
        assert found.value == 4070 / 152255 * 10_000
        return
    assert math.isnan(found.value)
    assert (found.symbol, found.note) == (symbol, note)


def test_population_symbol_makes_the_rate_absent() -> None:
    frame = fixture(CIN)
    # 943 has no 2022 CIN row; give it one so its population (x in 2022) is needed.
    copy = frame[(frame.time_period == "2025") & (frame.old_la_code == "943")].copy()
    copy["time_period"] = "2022"
    found = row(
        benchmarks(CIN, "943", pd.concat([frame, copy], ignore_index=True)),
        "CIN_RATE",
        "2022-03",
        "Published (DfE)",
    )
    assert math.isnan(found.value)
    assert (found.symbol, found.note) == ("x", "x in the population estimate: not available")


@pytest.mark.parametrize("name", [CIN, CLA, CSWW, D5])
def test_no_symbol_is_ever_a_number(name: str) -> None:
    for la in ("884", *HEREFORDSHIRE_NEIGHBOURS):
        result = benchmarks(name, la)
        with_symbol = result[result.symbol != ""]
        assert with_symbol.value.isna().all()
        assert set(with_symbol.symbol) <= set(SYMBOLS)
        assert (result[result.value.isna()].note != "").all()


CSWW_READS = {
    "CASELOAD_AVG": "caseload_fte",
    "AGENCY_RATE": "agency_rate_fte",
    "VACANCY_RATE": "vacancy_rate_fte",
    "TURNOVER_RATE": "turnover_rate_fte",
}


@settings(max_examples=25, deadline=None)
@given(
    symbol=st.sampled_from(sorted(SYMBOLS)),
    kpi=st.sampled_from(sorted(CSWW_READS)),
    spelling=st.sampled_from([str.lower, str.upper, lambda s: f" {s} "]),
)
def test_any_symbol_in_a_published_cell_is_never_read_as_a_number(
    symbol: str, kpi: str, spelling: Callable[[str], str]
) -> None:
    frame = fixture(CSWW)
    at = (frame.time_period == "2025") & (frame.old_la_code == "884")
    frame.loc[at, CSWW_READS[kpi]] = spelling(symbol)
    found = row(benchmarks(CSWW, frame=frame), kpi, "2025-09", "Published (DfE)")
    assert math.isnan(found.value)
    assert found.symbol == symbol
    assert found.note == f"{symbol}: {SYMBOLS[symbol]}"


@pytest.mark.parametrize("symbol", sorted(SYMBOLS))
def test_symbol_in_a_neighbour_count_leaves_that_neighbour_out(symbol: str) -> None:
    frame = fixture(CSWW)
    frame.loc[(frame.time_period == "2025") & (frame.old_la_code == "888"), "agency_fte"] = symbol
    found = row(benchmarks(CSWW, frame=frame), "AGENCY_RATE", "2025-09", "Statistical neighbours")
    lancashire = 5  # its place in the model's order
    agency = sum(AGENCY_2025) - AGENCY_2025[lancashire]
    inpost = sum(INPOST_2025) - INPOST_2025[lancashire]
    assert found.value == pytest.approx(100 * agency / (agency + inpost), rel=1e-12)
    assert found.note.endswith(
        f"of 9 of 10 statistical neighbours (2025 model); "
        f"no figure for Lancashire ({symbol} in agency_fte: {SYMBOLS[symbol]})"
    )


# --------------------------------------------------------------------------------------------
# Errors, with exact messages
# --------------------------------------------------------------------------------------------


def test_whole_file_problems_use_the_loaders_column_marker() -> None:
    problems = pytest.importorskip("data.problems")
    assert problems.WHOLE_FILE == WHOLE


def test_not_an_ees_file() -> None:
    frame = pd.DataFrame({"period": ["2025-03"], "kpi": ["LAC_COUNT"], "org": ["LA"], "value": ["1"]})
    assert problems_of(frame) == [
        EesProblem(
            1,
            WHOLE,
            "not an EES open-data file: the header has no time_period, time_identifier, geographic_level",
        )
    ]


def test_unknown_ees_layout() -> None:
    frame = fixture(D5).drop(columns=["CPP_At31"])
    assert problems_of(frame) == [
        EesProblem(
            1,
            WHOLE,
            "unknown EES file: no entry in ees_mapping.toml recognises its columns; "
            "add an [[entry]] for it (see docs/benchmarks.md)",
        )
    ]


@pytest.mark.parametrize("column", ["new_la_code", "region_code", "old_la_code"])
def test_missing_geography_column(column: str) -> None:
    assert problems_of(fixture(D5).drop(columns=[column])) == [
        EesProblem(1, column, f"missing column {column}: needed to find England, regions and authorities")
    ]


def test_missing_column_that_an_entry_reads() -> None:
    assert problems_of(fixture(CSWW).drop(columns=["caseload_fte"])) == [
        EesProblem(
            1, "caseload_fte", "missing column caseload_fte: CASELOAD_AVG is read from it (csww_caseload)"
        )
    ]


def test_configured_authority_missing_from_the_file() -> None:
    assert problems_of(fixture(D5), "394") == [
        EesProblem(
            1, WHOLE, "Sunderland (394) is not in this file: no Local authority row has old_la_code 394"
        )
    ]
    assert problems_of(fixture(D5), "E08000024") == [
        EesProblem(
            1,
            WHOLE,
            "authority E08000024 is not in this file: no Local authority row has new_la_code E08000024",
        )
    ]


def test_wrong_geography_in_rows() -> None:
    frame = fixture(D5)
    national = frame.index[frame.geographic_level == "National"][0]
    regional = frame.index[frame.geographic_level == "Regional"][0]
    la = frame.index[frame.old_la_code == "888"][0]
    other = frame.index[frame.old_la_code == "860"][0]
    frame.loc[national, "la_name"] = "Herefordshire"
    frame.loc[regional, "region_code"] = ""
    frame.loc[la, "old_la_code"] = ""
    frame.loc[other, "new_la_code"] = "860"
    frame.loc[other, "time_period"] = "2025/26"
    assert problems_of(frame) == [
        EesProblem(
            national + 2,
            "la_name",
            "a National row has la_name 'Herefordshire': national rows leave it empty",
        ),
        EesProblem(regional + 2, "region_code", "a Regional row needs region_code"),
        EesProblem(la + 2, "old_la_code", "a Local authority row needs old_la_code"),
        EesProblem(other + 2, "time_period", "time_period '2025/26' is not a year such as 2025 or 202425"),
    ]
    assert [national + 2, regional + 2, la + 2] == [2, 3, 4]  # header = row 1


def test_bad_code_formats() -> None:
    frame = fixture(D5)
    la = frame.index[frame.old_la_code == "888"][0]
    frame.loc[la, "old_la_code"] = "88"
    frame.loc[la, "new_la_code"] = "Lancashire"
    assert problems_of(frame) == [
        EesProblem(la + 2, "old_la_code", "'88' is not an old 3-digit LA code such as 884"),
        EesProblem(la + 2, "new_la_code", "'Lancashire' is not a new LA code such as E06000019"),
    ]


def test_duplicated_rows() -> None:
    frame = fixture(D5)
    twice = pd.concat([frame, frame.iloc[[8]]], ignore_index=True)
    assert problems_of(twice) == [
        EesProblem(len(frame) + 2, WHOLE, "duplicate row: same time_period and geography as row 10")
    ]
    cla = fixture(CLA)
    twice = pd.concat([cla, cla.iloc[[1]]], ignore_index=True)
    assert problems_of(twice) == [
        EesProblem(
            len(cla) + 2, WHOLE, "duplicate row: same time_period, geography and population_type as row 3"
        )
    ]


def test_same_geography_with_another_filter_value_is_not_a_duplicate() -> None:
    cla = fixture(CLA)
    assert cla.duplicated(["time_period", "old_la_code", "region_code"]).any()
    assert problems_of(cla) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n/a", "'n/a' is not a number or an EES symbol (c, u, x, z, low)"),
        ("-5", "negative figure -5: EES figures are never negative"),
        (":", "':' is not a number or an EES symbol (c, u, x, z, low)"),
    ],
)
def test_bad_indicator_cells(text: str, message: str) -> None:
    frame = fixture(D5)
    frame.loc[5, "2_years_or_more"] = text
    assert problems_of(frame) == [EesProblem(7, "2_years_or_more", message)]


def test_rate_needing_the_population_without_it() -> None:
    assert problems_of(fixture(CIN), population=None) == [
        EesProblem(
            1,
            WHOLE,
            "CIN_RATE needs the 0–17 population estimate from the looked-after children file "
            "(cla_number_and_rate_per_10k_children.csv) for 2022–2025 (given: no year): "
            "load that file in the same command",
        )
    ]


def test_years_without_a_population_get_no_rate() -> None:
    pop = fixture_population()
    result, problems = ees_benchmarks(fixture(D5), D5, "884", load_neighbours(), pop[pop.year == 2025])
    assert problems == []
    assert set(result[result.kpi == "CP_RATE"].period) == {"2025-03"}
    assert set(result[result.kpi == "CP_PLANS"].period) == {"2022-03", "2024-03", "2025-03"}


# --------------------------------------------------------------------------------------------
# Authorities and neighbours
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["E06000019", "e06000019 ", "884"])
def test_herefordshire_and_its_neighbours(code: str) -> None:
    la = resolve_la(code, load_neighbours(), [fixture(D5)])
    assert la == LocalAuthority(
        old_code="884",
        name="Herefordshire, County of",
        region="West Midlands",
        neighbours=la.neighbours,
        new_codes=("E06000019",),
    )
    assert tuple(n.old_code for n in la.neighbours) == HEREFORDSHIRE_NEIGHBOURS
    assert la.neighbours[0].name == "Westmorland and Furness"
    assert la.neighbours[-1].name == "Derbyshire"
    assert {n.closeness for n in la.neighbours} == {"Very close"}


def test_old_code_needs_no_ees_file() -> None:
    la = resolve_la("884")
    assert (la.old_code, la.new_codes, len(la.neighbours)) == ("884", (), 10)


def test_new_code_that_changed_is_still_the_same_authority() -> None:
    # North Yorkshire was E10000023 until 2022 and E06000065 from 2023 (old code 815 throughout).
    for code in ("E10000023", "E06000065"):
        la = resolve_la(code, load_neighbours(), [fixture(D5)])
        assert (la.old_code, la.new_codes) == ("815", ("E06000065", "E10000023"))


@pytest.mark.parametrize(
    ("code", "frames", "message"),
    [
        (
            "E06000019",
            [],
            "E06000019 is not in the EES files given, so its old 3-digit LA code is unknown: "
            "give the old code (for example 884 for Herefordshire) or load an EES file with it",
        ),
        (
            "Hereford",
            [],
            "'Hereford' is not an LA code: "
            "give a new code such as E06000019 or an old 3-digit code such as 884",
        ),
        (
            "909",
            [],
            "LA code 909 is not in the statistical-neighbour file (2025 model); "
            "authorities abolished before 2025 have no neighbours",
        ),
    ],
)
def test_unknown_authority(code: str, frames: list[pd.DataFrame], message: str) -> None:
    with pytest.raises(UnknownAuthority) as caught:
        resolve_la(code, load_neighbours(), frames)
    assert str(caught.value) == message


def test_bundled_neighbour_file_is_the_published_one() -> None:
    bundled = REPO / "data" / "reference" / "sn_model_2025_wide.csv"
    assert bundled.read_bytes().startswith(b"\xef\xbb\xbf")
    if DFE.exists():
        assert bundled.read_bytes() == (DFE / "sn_model_2025_wide.csv").read_bytes()
    assert len(load_neighbours()) == 153


# --------------------------------------------------------------------------------------------
# The real DfE files
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    if not DFE.exists():
        pytest.skip(NO_DFE)
    return {path.name: read_ees_csv(path) for path in sorted(DFE.glob("*.csv"))}


@pytest.fixture(scope="module")
def real_population(real: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.concat([ees_population(frame) for frame in real.values()], ignore_index=True)


@pytest.fixture(scope="module")
def real_herefordshire(real: dict[str, pd.DataFrame], real_population: pd.DataFrame) -> pd.DataFrame:
    results = []
    for name, frame in real.items():
        if is_neighbour_model(frame.columns):
            continue
        result, problems = ees_benchmarks(
            frame, name, "E06000019", real["sn_model_2025_wide.csv"], real_population
        )
        assert problems == [], name
        results.append(result)
    return pd.concat(results, ignore_index=True)


def test_every_real_file_is_recognised(real: dict[str, pd.DataFrame]) -> None:
    assert len(real) == 5
    for name, frame in real.items():
        assert is_neighbour_model(frame.columns) or ees_entries(frame.columns), name


REAL_EXPECTED = [
    ("LAC_COUNT", "2025-03", "England", 81770),
    ("LAC_RATE", "2025-03", "England", 67),
    ("LAC_COUNT", "2024-03", "England", 83530),  # first published as 83,630; revised in this file
    ("CASELOAD_AVG", "2025-09", "England", 15.2),
    ("AGENCY_RATE", "2025-09", "England", 13.0),
    ("VACANCY_RATE", "2025-09", "England", 14.2),
    ("TURNOVER_RATE", "2025-09", "England", 11.8),
    ("CP_PLANS", "2025-03", "England", 49420),
    ("CP_2YEARS_PLUS", "2025-03", "England", 2.3),
    # Herefordshire's own published figures, as in the files
    ("LAC_COUNT", "2025-03", "Published (DfE)", 344),
    ("LAC_RATE", "2025-03", "Published (DfE)", 100),
    ("LAC_STARTED", "2025-03", "Published (DfE)", 68),
    ("LAC_COUNT", "2021-03", "Published (DfE)", 312),
    ("CP_PLANS", "2025-03", "Published (DfE)", 139),
    ("CP_PLANS", "2013-03", "Published (DfE)", 197),
    ("CP_2YEARS_PLUS", "2013-03", "Published (DfE)", 3),
    ("CASELOAD_AVG", "2025-09", "Published (DfE)", 13.6),
    ("AGENCY_RATE", "2025-09", "Published (DfE)", 18.3),
    ("VACANCY_RATE", "2025-09", "Published (DfE)", 32.4),
    ("TURNOVER_RATE", "2025-09", "Published (DfE)", 10.8),
    ("AGENCY_RATE", "2017-09", "Published (DfE)", 11.4),
    ("CASELOAD_AVG", "2025-09", "Region", 15.3),
]


@pytest.mark.parametrize(("kpi", "period", "comparator", "expected"), REAL_EXPECTED)
def test_known_published_values(
    real_herefordshire: pd.DataFrame, kpi: str, period: str, comparator: str, expected: float
) -> None:
    assert row(real_herefordshire, kpi, period, comparator).value == expected


def test_real_rates_computed_from_counts(real_herefordshire: pd.DataFrame) -> None:
    assert round(row(real_herefordshire, "CIN_RATE", "2025-03", "England").value, 1) == 330.3
    assert round(row(real_herefordshire, "CP_RATE", "2025-03", "England").value, 1) == 40.6
    assert row(real_herefordshire, "CIN_RATE", "2025-03", "Published (DfE)").value == 1574 / 34439 * 10_000
    # the population file starts in 2021: earlier years get no rate, the counts still load
    assert min(real_herefordshire[real_herefordshire.kpi == "CIN_RATE"].period) == "2021-03"
    assert min(real_herefordshire[real_herefordshire.kpi == "CP_PLANS"].period) == "2013-03"


def test_real_suppressed_and_neighbour_figures(real_herefordshire: pd.DataFrame) -> None:
    suppressed = row(real_herefordshire, "CP_2YEARS_PLUS", "2024-03", "Published (DfE)")
    assert math.isnan(suppressed.value) and suppressed.symbol == "c"
    neighbours = real_herefordshire[real_herefordshire.comparator == "Statistical neighbours"]
    assert neighbours.note.str.contains("of 10 statistical neighbours").all()
    assert row(real_herefordshire, "AGENCY_RATE", "2022-09", "Statistical neighbours").note.startswith(
        "sum of numerators over sum of denominators of 9 of 10"
    )


# Rounding of the published figure (whole numbers for rates per 10,000, one decimal otherwise);
# the workforce file publishes FTEs rounded to one decimal, so its rates computed from them may
# differ from the published rate by a little more.
TOLERANCE = {"LAC_RATE": 0.5, "CP_2YEARS_PLUS": 0.05}
WORKFORCE_TOLERANCE = 0.15


def test_formulas_reproduce_published_rates(real: dict[str, pd.DataFrame]) -> None:
    checked = 0
    for name, frame in real.items():
        if is_neighbour_model(frame.columns):
            continue
        names = {c.strip().lower(): c for c in frame.columns}
        for entry in ees_entries(frame.columns):
            if not (entry.value and entry.numerator and entry.denominator):
                continue
            rows = frame[frame[names["geographic_level"]] == "Local authority"]
            rows = rows[rows[names["la_name"]] != "Isles of Scilly"]  # caseload of a handful of cases
            for column, values in entry.filter:
                rows = rows[rows[names[column.lower()]].isin(values)]
            cells = [entry.value, entry.numerator, *entry.denominator]
            numbers = rows[[names[c.lower()] for c in cells]].apply(pd.to_numeric, errors="coerce").dropna()
            published = numbers.iloc[:, 0]
            computed = numbers.iloc[:, 1] / numbers.iloc[:, 2:].sum(axis=1) * entry.factor
            tolerance = TOLERANCE.get(entry.kpi, WORKFORCE_TOLERANCE)
            worst = (published - computed).abs().max()
            assert worst <= tolerance + 1e-9, f"{name} {entry.kpi}: off by {worst}"
            checked += len(numbers)
    assert checked > 5000


@pytest.mark.parametrize("code", ["884", "314", "318", "940", "941", "942", "943", "815", "201", "420"])
def test_real_files_load_for_awkward_authorities(
    real: dict[str, pd.DataFrame], real_population: pd.DataFrame, code: str
) -> None:
    neighbours = real["sn_model_2025_wide.csv"]
    for name, frame in real.items():
        if not is_neighbour_model(frame.columns):
            result, problems = ees_benchmarks(frame, name, code, neighbours, real_population)
            assert problems == [], (name, code)
            assert not result.empty


@pytest.mark.slow
def test_real_files_load_for_every_authority(
    real: dict[str, pd.DataFrame], real_population: pd.DataFrame
) -> None:
    neighbours = real["sn_model_2025_wide.csv"]
    for code in neighbours["old_la_code"]:
        la = resolve_la(code, neighbours)
        assert len(la.neighbours) == 10
        for name, frame in real.items():
            if not is_neighbour_model(frame.columns):
                assert ees_benchmarks(frame, name, la, neighbours, real_population)[1] == [], (name, code)
