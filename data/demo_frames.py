"""Illustrative demo data, built from code with a fixed seed: pure code, no database.

``build_demo(seed)`` returns the demo as pandas DataFrames laid out exactly like the input files
of ``interfaces.md`` (every cell is text as it would appear in the CSV, an empty cell is ``""``),
so the loader can load them like any performance officer's spreadsheet:

- ``orgs``: ``code,name,parent,type,from,closed``: the 2019 structure of the published service,
  with one restructure (``from`` = first month a unit exists, ``closed`` = last month it operated);
- ``targets``: ``kpi,from,target,tolerance,org``: local targets that change over time;
- ``figures``: ``period,kpi,org,numerator,denominator,value,commentary``: every KPI, every month
  from 2018-04 to ``DEMO_LAST_MONTH``, loaded for the teams that own it (authority-only KPIs at
  ``LA``) so that teams add up to authority figures shaped on the published ones;
- ``revisions``: a few figures re-stated later (late recording): loading them after ``figures``
  makes revisions;
- ``process_changes``: ``kpi,org,period,note``: known changes that start a new SPC baseline.

``DemoData.files()`` gives them in load order; ``DemoData.write_csv(directory)`` writes them.

One table, ``SHAPES``, drives one generator: each line gives a KPI's level over time as a
piecewise-linear path of anchor months (``"2018-09:39* 2019-06:90*"``; ``*`` marks a published
figure, reproduced exactly), the teams that own it and their weights, the noise, and where the
denominator comes from; what each KPI is (its unit, whether months add up or the last one counts)
is read from the KPI catalogue, ``metrics/kpis.toml``, not repeated here. The figures are invented:
never present them as real.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from metrics.catalogue import Catalogue, load_catalogue

DEMO_AUTHORITY_NAME = "Demo County Council"
DEMO_FIRST_MONTH = "2018-04"
DEMO_LAST_MONTH = "2026-09"
DEMO_LABEL = "Illustrative demo data, not real figures"

ORG_COLUMNS = ("code", "name", "parent", "type", "from", "closed")
FIGURE_COLUMNS = ("period", "kpi", "org", "numerator", "denominator", "value", "commentary")
TARGET_COLUMNS = ("kpi", "from", "target", "tolerance", "org")
PROCESS_CHANGE_COLUMNS = ("kpi", "org", "period", "note")

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _month_range(first: str, last: str) -> tuple[str, ...]:
    start = int(first[:4]) * 12 + int(first[5:]) - 1
    stop = int(last[:4]) * 12 + int(last[5:]) - 1
    return tuple(f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(start, stop + 1))


MONTHS = _month_range(DEMO_FIRST_MONTH, DEMO_LAST_MONTH)
INDEX = {month: i for i, month in enumerate(MONTHS)}
N_MONTHS = len(MONTHS)

# --- Org units -------------------------------------------------------------------------------
# The 2019 structure of published-figures.md. Restructure: in October 2021 the second assessment
# team closed and its work moved to a new Front Door Assessment Team (RESTRUCTURE maps the closed
# team to the team that takes its work from the next month).
RESTRUCTURE_MONTH = "2021-10"
RESTRUCTURE = {"ASSESS2": "FDAT"}
ORGS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # code, name, parent, type, from, closed
    ("LA", DEMO_AUTHORITY_NAME, "", "authority", "", ""),
    ("SFS", "Safeguarding and Family Support", "LA", "service", "", ""),
    ("CLA", "Children Looked After and Care Leavers", "LA", "service", "", ""),
    ("QA", "Quality Assurance and Review", "LA", "service", "", ""),
    ("FOS", "Fostering", "LA", "service", "", ""),
    ("SEND", "SEND service", "LA", "service", "", ""),
    ("MASH", "Multi-Agency Safeguarding Hub", "SFS", "team", "", ""),
    ("ASSESS1", "Assessment Team 1", "SFS", "team", "", ""),
    ("ASSESS2", "Assessment Team 2", "SFS", "team", "", "2021-09"),
    ("FDAT", "Front Door Assessment Team", "SFS", "team", RESTRUCTURE_MONTH, ""),
    ("CPC1", "Child Protection and Court Team 1", "SFS", "team", "", ""),
    ("CPC2", "Child Protection and Court Team 2", "SFS", "team", "", ""),
    ("CPC3", "Child Protection and Court Team 3", "SFS", "team", "", ""),
    ("LAC1", "Looked-After Children Team 1", "CLA", "team", "", ""),
    ("LAC2", "Looked-After Children Team 2", "CLA", "team", "", ""),
    ("LEAV16", "16+ Team (care leavers)", "CLA", "team", "", ""),
    ("SRT", "Safeguarding and Review Team", "QA", "team", "", ""),
    ("FOST1", "Fostering Team 1", "FOS", "team", "", ""),
    ("FOST2", "Fostering Team 2", "FOS", "team", "", ""),
    ("CWD", "Children with Disabilities Team", "SEND", "team", "", ""),
)

# Children aged 0–17 (about 36,000, published-figures.md), by financial year starting in April.
POPULATION_0_17 = {2018: 35_900, 2019: 36_000, 2020: 36_100, 2021: 36_200, 2022: 36_300, 2023: 36_300,
                   2024: 36_200, 2025: 36_100, 2026: 36_000}  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """How one KPI behaves in one group of teams.

    - ``teams``: the owning units, ``"CODE:weight CODE:weight"`` (weight 1 when omitted): the share
      of a count or of a denominator volume, or the establishment FTE of a team for ``average``.
    - ``level``: the KPI's value over time as ``"YYYY-MM:level"`` anchors joined by straight lines
      (flat beyond the ends); ``*`` marks a published figure, met exactly at authority level (no
      noise that month). For counts the level is the monthly flow or the month-end stock; for
      ``rate`` it is the number of children added to the ``num`` KPIs (empty: none).
    - ``noise``: counts and ``average``/``weeks``: relative standard deviation; percents:
      percentage points; rates: relative noise of ``level``.
    - ``den`` (ratio KPIs): ``"KPI"``, ``"KPI.num"`` or ``"KPI.den"`` with an optional ``*factor``
      (the team's series of another KPI, e.g. visits due = 2 per child on a plan), ``"POPULATION"``,
      or a path of the authority's monthly volume, shared between the teams by weight.
    - ``num`` (rates): the count KPIs whose authority totals make the numerator.
    - ``rising``: ``"YYYY-MM..YYYY-MM"``: a stock rises strictly every month in this window (a trend).
    - ``year``: ``"YYYY-MM:total"``: a flow's published total for the 12 months ending that month,
      met exactly (the months keep their random ups and downs).
    - ``fte``: numerator and denominator are FTE with one decimal (workforce).
    """

    kpi: str
    teams: str
    level: str
    noise: float = 0.0
    den: str = ""
    num: str = ""
    rising: str = ""
    year: str = ""
    fte: bool = False


CP_TEAMS = "CPC1 CPC2 CPC3"
LAC_TEAMS = "LAC1:0.42 LAC2:0.42 LEAV16:0.10 CWD:0.06"
CASE_TEAMS = "ASSESS1 ASSESS2 CPC1 CPC2 CPC3 LAC1 LAC2 LEAV16 CWD"

# In dependency order: a line may only refer (den/num) to KPIs above it.
# fmt: off
SHAPES: tuple[Shape, ...] = (
    # Front door. Published: 1,553 contacts and 381 referrals in the year to Jun 2019; 53% of contacts
    # NFA; 88.1% of referrals managed within timescale; re-referrals 23% (nearly a third in one month
    # of 2018-19). Lockdown dip in April 2020; an isolated spike in Nov 2023 (a police batch).
    Shape("CONTACTS", "MASH", "2018-04:128 2019-06:130 2020-03:134 2020-04:82 2020-05:96 2020-09:142 "
          "2021-06:150 2023-10:158 2023-11:265* 2023-12:158 2026-09:170", 0.05, year="2019-06:1553"),
    Shape("CONTACTS_NFA", "MASH", "2018-04:50 2019-06:53* 2021-09:54 2021-10:47 2026-09:45", 1.5, "CONTACTS"),
    Shape("REFERRALS", "MASH", "2018-04:31 2019-06:32 2020-03:33 2020-04:22 2020-05:25 2020-09:35 "
          "2022-06:38 2026-09:40", 0.05, year="2019-06:381"),
    Shape("REFERRAL_DECISION_1WD", "MASH", "2018-04:80 2019-06:88.1* 2021-09:89 2021-10:95 2026-09:96",
          1.5, "REFERRALS"),
    Shape("REREFERRALS_12M", "MASH", "2018-04:24 2018-10:24 2018-11:31* 2018-12:24 2019-06:23* 2022-06:21 "
          "2026-09:19", 1.0, "REFERRALS"),
    # 1,288 open early help assessments at 30 Jun 2019 (coordinated by the MASH).
    Shape("EARLY_HELP_OPEN", "MASH", "2018-04:1150 2019-06:1288* 2020-06:1350 2022-06:1420 2024-06:1380 "
          "2026-09:1450", 0.015),
    # Assessments: 280 completed in the year to Jun 2019; 39% within 45 working days in Sep 2018,
    # 90-91% in Jun 2019. A dip after the front door restructure of Oct 2021.
    Shape("ASSESSMENTS_COMPLETED", "ASSESS1 ASSESS2", "2018-04:22 2019-06:24 2020-03:24 2020-04:17 "
          "2020-09:26 2022-06:30 2026-09:32", 0.06, year="2019-06:280"),
    Shape("ASSESSMENTS_45WD", "ASSESS1 ASSESS2", "2018-04:46 2018-09:39* 2019-06:90.5* 2020-04:84 "
          "2020-09:88 2021-09:87 2021-10:80 2022-03:88 2026-09:88", 2.0,
          "ASSESSMENTS_COMPLETED"),
    # Children in need: 208 CIN plans at 30 Jun 2019; CIN visits 41% Sep 2018, 74% Jun 2019.
    # CIN_RATE counts every child in need (CIN plans, CP plans, looked after, and others in need).
    Shape("CIN_PLANS", "ASSESS1:0.36 ASSESS2:0.36 CWD:0.28", "2018-04:240 2019-06:208* 2020-06:225 "
          "2022-06:250 2024-06:240 2026-09:235", 0.03),
    Shape("CIN_VISITS_TIMELY", "ASSESS1 ASSESS2 CWD", "2018-04:45 2018-09:41* 2019-06:74* 2020-06:78 "
          "2021-06:82 2024-06:85 2026-09:86", 2.0, "CIN_PLANS*1.05"),
    # Child protection: 135 s47 enquiries and 46 initial conferences in the year to Jun 2019;
    # CP plans 236 at the Jan 2018 peak, 105 in Jun 2019, 1 child on a plan 2+ years (Jun 2019);
    # repeat plans within 2 years 16.51% in Q1 2019/20; CP visits 69% Sep 2018, 74% Jun 2019.
    Shape("S47_ENQUIRIES", "ASSESS1 ASSESS2", "2018-04:13 2019-06:11 2020-04:8 2020-09:12 2022-06:14 "
          "2026-09:15", 0.08, year="2019-06:135"),
    Shape("ICPC_HELD", "SRT", "2018-04:5 2019-06:3.8 2020-04:3 2020-09:4.5 2022-06:5.5 2026-09:6", 0.1,
          year="2019-06:46"),
    Shape("ICPC_15WD", "SRT", "2018-04:70 2019-06:78 2021-06:85 2026-09:88", 3.0, "ICPC_HELD"),
    Shape("CP_PLANS", CP_TEAMS, "2018-04:230* 2019-06:105* 2020-06:118 2021-06:135 2022-06:148 "
          "2024-06:152 2026-09:145", 0.03),
    Shape("CP_REPEAT", "SRT", "2018-04:24 2019-06:22 2022-06:21 2026-09:20", 3.0, "ICPC_HELD*0.85"),
    Shape("CP_REPEAT_2Y", "SRT", "2018-04:18 2019-06:16.5 2022-06:14 2026-09:13", 3.0, "ICPC_HELD*0.85"),
    Shape("CP_2YEARS_PLUS", CP_TEAMS, "2018-04:3 2019-06:1* 2021-06:2 2024-06:2.5 2026-09:2", 0.3,
          "CP_PLANS"),
    # The SHIFT: mobile working from April 2022 lifts CP visits by about 12 points and it holds.
    Shape("CP_VISITS_TIMELY", CP_TEAMS, "2018-04:70 2018-09:69* 2019-06:74* 2020-06:77 2022-03:80 "
          "2022-04:92 2026-09:93", 1.5, "CP_PLANS*2"),
    Shape("CP_REVIEWS_TIMELY", "SRT", "2018-04:88 2019-06:92 2021-06:96 2026-09:97", 2.0, "CP_PLANS*0.3"),
    # Looked after: 334 at 30 Jun 2019 (216 in 2013, 242 in 2014); 22 children with 3+ placements
    # and 97 under 16 in long-term stable placements (Jun 2019); 71% in in-house foster care;
    # 27% placed outside the authority (2014); LAC visits 65% Sep 2018, 83% Jun 2019; 15 adoptions
    # in the year to Jun 2019. The TREND: 12 months of strictly rising numbers from Dec 2022
    # (unaccompanied asylum-seeking children through the National Transfer Scheme).
    Shape("LAC_COUNT", LAC_TEAMS, "2018-04:305 2019-06:334* 2020-06:350 2021-06:362 2022-06:356 "
          "2022-12:352 2023-11:392 2024-06:390 2025-06:378 2026-09:370", 0.01,
          rising="2022-12..2023-11"),
    Shape("LAC_STARTED", "LAC1 LAC2 CWD:0.15", "2018-04:11 2020-04:9 2021-06:11 2023-01:13 2023-11:14 "
          "2024-06:11 2026-09:10", 0.1),
    Shape("LAC_3PLUS_PLACEMENTS", LAC_TEAMS, "2018-04:7 2019-06:6.6* 2021-06:8 2023-06:9.5 2026-09:8.5",
          0.4, "LAC_COUNT"),
    Shape("LAC_LONG_TERM_STABLE", "LAC1 LAC2 CWD", "2018-04:66 2019-06:69* 2022-06:70 2026-09:72", 1.0,
          "LAC_COUNT*0.42"),
    Shape("LAC_VISITS_TIMELY", LAC_TEAMS, "2018-04:68 2018-09:65* 2019-06:83* 2021-06:86 2024-06:89 "
          "2026-09:90", 1.5, "LAC_COUNT*0.6"),
    Shape("LAC_REVIEWS_TIMELY", "SRT", "2018-04:90 2019-06:93 2026-09:96", 1.5, "LAC_COUNT*0.2"),
    Shape("LAC_HEALTH_ASSESSMENTS", LAC_TEAMS, "2018-04:72 2019-06:78 2021-06:85 2026-09:88", 3.0,
          "LAC_COUNT*0.1"),
    Shape("LAC_OUT_OF_AREA", LAC_TEAMS, "2018-04:28 2019-06:29 2022-06:33 2024-06:35 2026-09:33", 0.5,
          "LAC_COUNT"),
    Shape("LAC_IN_HOUSE_FOSTER", LAC_TEAMS, "2018-04:70 2019-06:71* 2022-06:66 2024-06:62 2026-09:64", 0.5,
          "LAC_COUNT"),
    Shape("LAC_MISSING_EPISODES", "LAC1:0.3 LAC2:0.3 LEAV16:0.4", "2018-04:18 2020-04:12 2021-06:20 "
          "2026-09:17", 0.15),
    # Care leavers 19-21: in touch 83% Mar 2019, 73% Q1 2019/20; suitable accommodation 91% (2014);
    # 16-19 NEET 14 of 50 (2014).
    Shape("CL_IN_TOUCH", "LEAV16", "2018-04:85 2019-03:83* 2019-06:73* 2020-06:85 2022-06:90 2026-09:93",
          1.0, "2018-04:58 2019-06:62 2022-06:75 2026-09:88"),
    Shape("CL_SUITABLE_ACCOM", "LEAV16", "2018-04:90 2019-06:88 2022-06:90 2026-09:91", 1.0,
          "CL_IN_TOUCH.den"),
    Shape("CL_EET", "LEAV16", "2018-04:48 2019-06:50 2020-06:44 2022-06:52 2026-09:55", 1.5,
          "CL_IN_TOUCH.den"),
    Shape("CL_PATHWAY_PLANS", "LEAV16", "2018-04:78 2019-06:82 2022-06:90 2026-09:93", 1.5,
          "2018-04:120 2019-06:128 2022-06:150 2025-04:175 2026-09:185"),
    # Permanence: 73% of care proceedings within 26 weeks in 2017/18, average 22.2 weeks; durations
    # grew after the pandemic, as they did nationally.
    Shape("PROCEEDINGS_26WKS", CP_TEAMS, "2018-04:73 2019-06:65 2020-06:45 2021-06:30 2023-06:35 "
          "2026-09:50", 3.0, "2018-04:5 2020-06:4 2022-06:6 2026-09:5"),
    Shape("PROCEEDINGS_WEEKS", CP_TEAMS, "2018-04:22.2 2019-06:26 2020-06:35 2021-06:45 2023-06:42 "
          "2026-09:34", 0.15, "PROCEEDINGS_26WKS.den"),
    Shape("ADOPTIONS", "LAC1 LAC2", "2018-04:1.4 2019-06:1.25 2022-06:1.1 2026-09:1.0", year="2019-06:15"),
    # Rates per 10,000 children (authority only); numerators are the authority's own counts.
    Shape("CIN_RATE", "LA", "2018-04:560 2019-06:550 2022-06:590 2026-09:610", 0.03, "POPULATION",
          "CIN_PLANS CP_PLANS LAC_COUNT"),
    Shape("CP_RATE", "LA", "", 0.0, "POPULATION", "CP_PLANS"),
    Shape("LAC_RATE", "LA", "", 0.0, "POPULATION", "LAC_COUNT"),
    # Caseload (weights = establishment FTE): over 30 in Oct 2013, high 20s to 30s in Jun 2018,
    # 17-25 by mid 2019; then down to the mid teens (England 15.2 in 2025).
    Shape("CASELOAD_AVG", "ASSESS1:6 ASSESS2:6", "2018-04:33 2018-09:33 2019-06:23 2021-06:20 2022-09:22 "
          "2024-06:18 2026-09:17", 0.04),
    Shape("CASELOAD_AVG", "CPC1:5 CPC2:5 CPC3:5", "2018-04:31 2018-09:30 2019-06:20 2021-06:18 2022-09:19 "
          "2024-06:16 2026-09:15.5", 0.04),
    Shape("CASELOAD_AVG", "LAC1:6 LAC2:6", "2018-04:29 2018-09:28 2019-06:19 2022-06:18 2026-09:16", 0.04),
    Shape("CASELOAD_AVG", "LEAV16:5", "2018-04:27 2019-06:24 2022-06:23 2025-03:22 2025-04:26 2026-09:25",
          0.04),
    Shape("CASELOAD_AVG", "CWD:4", "2018-04:22 2019-06:17 2026-09:15", 0.04),
    Shape("CASELOAD_AVG", "FOST1:4 FOST2:4", "2018-04:20 2019-06:17 2026-09:15", 0.04),
    # Case supervision in Jun 2019: CP teams 67%, LAC teams 55%, CIN teams 66%. The new recording
    # system of Oct 2024 costs a few points for two months.
    Shape("SUPERVISION_TIMELY", CP_TEAMS, "2018-04:60 2019-06:67* 2021-06:80 2024-09:88 2024-10:79 "
          "2024-12:87 2026-09:90", 2.0, "CASELOAD_AVG.num"),
    Shape("SUPERVISION_TIMELY", "LAC1 LAC2 LEAV16", "2018-04:50 2019-06:55* 2021-06:75 2024-09:85 "
          "2024-10:76 2024-12:85 2026-09:88", 2.0, "CASELOAD_AVG.num"),
    Shape("SUPERVISION_TIMELY", "ASSESS1 ASSESS2 CWD", "2018-04:58 2019-06:66* 2021-06:78 2024-09:86 "
          "2024-10:77 2024-12:86 2026-09:89", 2.0, "CASELOAD_AVG.num"),
    Shape("SUPERVISION_TIMELY", "FOST1 FOST2", "2018-04:75 2019-06:80 2024-09:90 2024-10:82 2024-12:90 "
          "2026-09:92", 2.0, "CASELOAD_AVG.num"),
    # Workforce (authority only, FTE): agency social workers 50% at the Sep 2013 peak, then falling;
    # a national agency surge in 2022; England 13.0% agency, 14.2% vacancies, 11.8% turnover (2025).
    Shape("AGENCY_RATE", "LA", "2018-04:24 2019-06:20 2021-06:17 2022-09:27 2024-06:18 2026-09:13", 0.8,
          "2018-04:62 2019-06:64 2022-06:66 2026-09:70", fte=True),
    Shape("VACANCY_RATE", "LA", "2018-04:18 2019-06:14 2021-06:11 2022-09:20 2024-06:14 2026-09:10", 0.8,
          "2018-04:66 2022-06:68 2026-09:70", fte=True),
    Shape("TURNOVER_RATE", "LA", "2018-04:22 2019-06:18 2021-06:14 2022-09:21 2024-06:15 2026-09:12", 0.6,
          "2018-04:50 2019-06:52 2022-06:54 2026-09:60", fte=True),
    # Quality assurance: case file audits rated good or better, rising with the improvement plan.
    Shape("AUDITS_GOOD", CASE_TEAMS, "2018-04:35 2019-06:48 2021-06:58 2023-06:66 2026-09:72", 3.0,
          "2018-04:22 2026-09:26"),
)
# fmt: on

# --- Targets: kpi, from, target, tolerance, org (empty = every unit) ---------------------------
TARGETS: tuple[tuple[str, str, float, float, str], ...] = (
    ("REFERRAL_DECISION_1WD", "2018-04", 90, 5, ""),
    ("REFERRAL_DECISION_1WD", "2022-04", 95, 3, ""),
    ("REREFERRALS_12M", "2018-04", 22, 3, ""),
    ("REREFERRALS_12M", "2023-04", 20, 3, ""),
    ("ASSESSMENTS_45WD", "2018-04", 85, 5, ""),
    ("ASSESSMENTS_45WD", "2021-04", 90, 5, ""),
    ("CIN_VISITS_TIMELY", "2018-04", 85, 5, ""),
    ("CIN_VISITS_TIMELY", "2019-04", 95, 5, ""),  # the "aspirational" 95% from 2019/20
    ("ICPC_15WD", "2018-04", 85, 5, ""),
    ("ICPC_15WD", "2021-04", 90, 5, ""),
    ("CP_REPEAT", "2018-04", 22, 3, ""),
    ("CP_REPEAT_2Y", "2018-04", 15, 3, ""),
    ("CP_2YEARS_PLUS", "2018-04", 3, 1, ""),
    ("CP_VISITS_TIMELY", "2018-04", 85, 5, ""),
    ("CP_VISITS_TIMELY", "2019-04", 95, 5, ""),
    ("CP_REVIEWS_TIMELY", "2018-04", 95, 5, ""),
    ("CP_REVIEWS_TIMELY", "2022-04", 98, 3, ""),
    ("LAC_3PLUS_PLACEMENTS", "2018-04", 10, 2, ""),
    ("LAC_3PLUS_PLACEMENTS", "2020-04", 9, 2, ""),
    ("LAC_LONG_TERM_STABLE", "2018-04", 70, 5, ""),
    ("LAC_VISITS_TIMELY", "2018-04", 85, 5, ""),
    ("LAC_VISITS_TIMELY", "2019-04", 95, 5, ""),
    ("LAC_REVIEWS_TIMELY", "2018-04", 95, 5, ""),
    ("LAC_HEALTH_ASSESSMENTS", "2018-04", 90, 5, ""),
    ("LAC_OUT_OF_AREA", "2018-04", 25, 5, ""),
    ("LAC_IN_HOUSE_FOSTER", "2018-04", 70, 5, ""),
    ("LAC_IN_HOUSE_FOSTER", "2021-04", 72, 5, ""),
    ("LAC_MISSING_EPISODES", "2018-04", 20, 5, "LA"),  # a count: a monthly target for the authority only
    ("CL_IN_TOUCH", "2018-04", 90, 5, ""),
    ("CL_SUITABLE_ACCOM", "2018-04", 90, 5, ""),
    ("CL_EET", "2018-04", 50, 5, ""),
    ("CL_EET", "2022-04", 55, 5, ""),
    ("CL_PATHWAY_PLANS", "2018-04", 95, 5, ""),
    ("PROCEEDINGS_26WKS", "2018-04", 70, 10, ""),
    ("PROCEEDINGS_26WKS", "2022-04", 50, 10, ""),
    ("PROCEEDINGS_WEEKS", "2018-04", 26, 4, ""),
    ("PROCEEDINGS_WEEKS", "2022-04", 35, 5, ""),
    ("CASELOAD_AVG", "2018-04", 18, 2, ""),
    ("CASELOAD_AVG", "2023-04", 16, 2, ""),
    ("CASELOAD_AVG", "2018-04", 22, 3, "LEAV16"),  # personal advisers carry more, lighter cases
    ("AGENCY_RATE", "2018-04", 15, 5, ""),
    ("AGENCY_RATE", "2023-04", 10, 5, ""),
    ("VACANCY_RATE", "2018-04", 12, 4, ""),
    ("TURNOVER_RATE", "2018-04", 15, 3, ""),
    ("SUPERVISION_TIMELY", "2018-04", 90, 5, ""),
    ("SUPERVISION_TIMELY", "2019-04", 95, 5, ""),
    ("AUDITS_GOOD", "2018-04", 50, 10, ""),
    ("AUDITS_GOOD", "2020-04", 60, 10, ""),
    ("AUDITS_GOOD", "2023-04", 70, 10, ""),
)

# --- Process changes: kpi ("*" = every KPI of the unit), org, period, note ---------------------
PROCESS_CHANGES: tuple[tuple[str, str, str, str], ...] = (
    ("*", "LA", "2019-04", "Improvement plan: weekly performance meetings and 95% visit targets"),
    ("ASSESSMENTS_45WD", "LA", "2018-10", "Assessment recovery plan: open assessments tracked weekly"),
    ("*", "MASH", RESTRUCTURE_MONTH, "Restructure of front door: new Front Door Assessment Team"),
    ("CP_VISITS_TIMELY", "LA", "2022-04", "Mobile working: visits recorded on tablets on the day"),
    ("CP_VISITS_TIMELY", "CPC1", "2022-04", "Mobile working: visits recorded on tablets on the day"),
    ("CP_VISITS_TIMELY", "CPC2", "2022-04", "Mobile working: visits recorded on tablets on the day"),
    ("CP_VISITS_TIMELY", "CPC3", "2022-04", "Mobile working: visits recorded on tablets on the day"),
)

# --- Commentary: (period, kpi, org) -> text ---------------------------------------------------
COMMENTARY: dict[tuple[str, str, str], str] = {
    ("2018-09", "ASSESSMENTS_45WD", "ASSESS1"): "Two vacancies in assessment team 1.",
    ("2018-10", "ASSESSMENTS_45WD", "ASSESS2"): "Recovery plan: open assessments tracked weekly.",
    ("2018-11", "REREFERRALS_12M", "MASH"): "Nearly a third of referrals were re-referrals this month.",
    ("2019-06", "CP_PLANS", "CPC1"): "Plans reviewed by a panel; many stepped down to child in need.",
    ("2019-06", "LAC_VISITS_TIMELY", "LAC1"): "Overdue visits now reported to managers weekly.",
    ("2020-04", "CONTACTS", "MASH"): "National lockdown: far fewer contacts from schools.",
    ("2020-09", "CONTACTS", "MASH"): "Schools reopened; contacts back above pre-pandemic levels.",
    ("2021-10", "REFERRAL_DECISION_1WD", "MASH"): "Front door restructure: new Front Door Assessment Team.",
    ("2022-04", "CP_VISITS_TIMELY", "CPC1"): "Mobile working went live: visits recorded on the day.",
    ("2022-09", "AGENCY_RATE", "LA"): "Agency use at its highest; retention payments agreed.",
    (
        "2023-06",
        "LAC_COUNT",
        "LAC1",
    ): "More unaccompanied asylum-seeking children (National Transfer Scheme).",
    ("2023-11", "CONTACTS", "MASH"): "Police sent three months of domestic abuse notifications at once.",
    ("2024-10", "SUPERVISION_TIMELY", "CPC2"): "New recording system went live; supervisions recorded late.",
    ("2025-04", "CASELOAD_AVG", "LEAV16"): "Support for care leavers extended to 25; caseloads rose.",
}

# --- Revisions: (period, kpi, org, change of numerator or value, change of denominator, note) --
REVISIONS: tuple[tuple[str, str, str, int, int, str], ...] = (
    ("2026-08", "CP_VISITS_TIMELY", "CPC1", 3, 0, "Late recording: 3 visits entered after the month closed."),
    ("2026-08", "CP_VISITS_TIMELY", "CPC2", 2, 0, "Late recording: 2 visits entered after the month closed."),
    ("2026-08", "CP_VISITS_TIMELY", "CPC3", 4, 0, "Late recording: 4 visits entered after the month closed."),
    ("2026-08", "LAC_VISITS_TIMELY", "LAC1", 2, 0, "Late recording of visits."),
    ("2026-08", "LAC_VISITS_TIMELY", "LAC2", 3, 0, "Late recording of visits."),
    ("2026-08", "CIN_VISITS_TIMELY", "FDAT", 4, 0, "Late recording of visits."),
    ("2026-07", "ASSESSMENTS_COMPLETED", "ASSESS1", 2, 0, "Two assessments authorised late in the system."),
    ("2026-07", "ASSESSMENTS_45WD", "ASSESS1", 1, 2, "Two assessments authorised late in the system."),
    ("2026-08", "CONTACTS", "MASH", 6, 0, "Contacts from the out-of-hours service added."),
    ("2026-08", "CONTACTS_NFA", "MASH", 3, 6, "Contacts from the out-of-hours service added."),
    ("2026-07", "LAC_STARTED", "LAC2", 1, 0, "A placement start recorded late."),
)


@dataclass(frozen=True, eq=False)
class DemoData:
    """The demo as input-file frames (all cells text; ``""`` = empty). Compare with ``equals``."""

    orgs: pd.DataFrame
    targets: pd.DataFrame
    figures: pd.DataFrame
    revisions: pd.DataFrame
    process_changes: pd.DataFrame
    label: str = DEMO_LABEL

    def files(self) -> dict[str, pd.DataFrame]:
        """File name -> frame, in the order to load them (revisions after figures)."""
        return {
            "orgs.csv": self.orgs,
            "targets.csv": self.targets,
            "figures.csv": self.figures,
            "process_changes.csv": self.process_changes,
            "revisions.csv": self.revisions,
        }

    def equals(self, other: DemoData) -> bool:
        mine, theirs = self.files(), other.files()
        return self.label == other.label and all(mine[name].equals(theirs[name]) for name in mine)

    def write_csv(self, directory: Path) -> list[Path]:
        """Write the files (UTF-8 CSV) into ``directory``; return their paths in load order."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in self.files().items():
            path = directory / name
            frame.to_csv(path, index=False, lineterminator="\n")
            paths.append(path)
        return paths


# --- The generator --------------------------------------------------------------------------
Series = dict[str, FloatArray]  # slot (team code as first created) -> monthly values


def _path(spec: str) -> tuple[FloatArray, BoolArray]:
    """Interpolate ``"YYYY-MM:level[*] ..."`` over the demo months; also the pinned months."""
    xs: list[int] = []
    ys: list[float] = []
    pinned = np.zeros(N_MONTHS, dtype=bool)
    for token in spec.split():
        month, _, level = token.partition(":")
        if month not in INDEX or (xs and INDEX[month] <= xs[-1]):
            raise ValueError(f"bad anchor {token!r} in {spec!r}")
        xs.append(INDEX[month])
        ys.append(float(level.rstrip("*")))
        pinned[INDEX[month]] = level.endswith("*")
    values = np.interp(np.arange(N_MONTHS), xs, ys) if xs else np.zeros(N_MONTHS)
    return values.astype(np.float64), pinned


def _teams(spec: str) -> tuple[list[str], FloatArray]:
    slots, weights = [], []
    for token in spec.split():
        code, _, weight = token.partition(":")
        slots.append(code)
        weights.append(float(weight) if weight else 1.0)
    return slots, np.asarray(weights, dtype=np.float64)


def _ar(
    rng: np.random.Generator, sd: float, size: tuple[int, ...] = (N_MONTHS,), phi: float = 0.8
) -> FloatArray:
    """Smooth noise (AR(1) along the last axis) with stationary standard deviation ``sd``."""
    shocks = rng.standard_normal(size) * sd * np.sqrt(1 - phi**2)
    out = np.empty(size)
    out[..., 0] = shocks[..., 0] / np.sqrt(1 - phi**2)
    for t in range(1, size[-1]):
        out[..., t] = phi * out[..., t - 1] + shocks[..., t]
    return out


def _split_exact(total: FloatArray, weights: FloatArray) -> FloatArray:
    """Share whole totals (per month) between slots by weights (slots x months), largest remainder."""
    quotas = total[None, :] * weights / weights.sum(axis=0)
    out = np.floor(quotas)
    short = (total - out.sum(axis=0)).astype(int)
    order = np.argsort(-(quotas - out), axis=0, kind="stable")
    for t in np.nonzero(short)[0]:
        out[order[: short[t], t], t] += 1
    return out


def _split_random(
    rng: np.random.Generator, total: FloatArray, weights: FloatArray, floor: int = 0
) -> FloatArray:
    """Share flows between slots at random (multinomial); each slot gets at least ``floor``."""
    p = weights / weights.sum()
    extra = np.array([rng.multinomial(int(n) - floor * len(p), p) for n in total]).T
    return (extra + floor).astype(np.float64)


def _rising(rng: np.random.Generator, total: FloatArray, window: str) -> FloatArray:
    """Make ``total`` rise strictly every month from the first to the last month of ``window``."""
    first, _, last = window.partition("..")
    a, b = INDEX[first], INDEX[last]
    steps = b - a
    gain = max(int(total[b] - total[a]), steps)
    increments = 1 + rng.multinomial(gain - steps, rng.dirichlet(np.full(steps, 4.0)))
    out = total.copy()
    out[a + 1 : b + 1] = total[a] + np.cumsum(increments)
    return out


def _year_total(rng: np.random.Generator, total: FloatArray, spec: str, least: int) -> FloatArray:
    """Adjust the 12 months ending ``spec``'s month so that they add up to its total."""
    month, _, target = spec.partition(":")
    window = slice(INDEX[month] - 11, INDEX[month] + 1)
    counts = total[window].astype(np.int64)
    gap = int(target) - int(counts.sum())
    if gap > 0:  # add the missing events where events already are (or evenly, if there are none)
        weights = counts + 0.5
        counts = counts + rng.multinomial(gap, weights / weights.sum())
    elif gap < 0:  # take events away at random, never below ``least`` in a month
        counts = counts - rng.multivariate_hypergeometric(counts - least, -gap)
    out = total.copy()
    out[window] = counts
    return out


class _Builder:
    def __init__(self, seed: int, catalogue: Catalogue) -> None:
        self.seed = seed
        self.catalogue = catalogue
        self.store: dict[str, dict[str, Series]] = {}
        self.frames: list[pd.DataFrame] = []
        self.floors = {s.den.split("*")[0].split(".")[0] for s in SHAPES if s.den and ":" not in s.den}

    def rng(self, shape: Shape) -> np.random.Generator:
        # One stream per line: editing one shape leaves every other line's figures unchanged.
        return np.random.default_rng([self.seed, zlib.crc32(f"{shape.kpi}|{shape.teams}".encode())])

    def keep(self, kpi: str, part: str, slots: list[str], values: FloatArray) -> None:
        series = self.store.setdefault(kpi, {}).setdefault(part, {})
        series.update(zip(slots, values, strict=True))

    def base(self, ref: str, slots: list[str]) -> FloatArray:
        """Slots x months of another KPI's series: ``KPI[.num|.den][*factor]``, at least 1."""
        name, _, factor = ref.partition("*")
        kpi, _, part = name.partition(".")
        series = self.store[kpi][part or "value"]
        if all(slot in series for slot in slots):
            values = np.stack([series[slot] for slot in slots])
        elif len(slots) == 1:
            values = np.sum(list(series.values()), axis=0)[None, :]
        else:
            raise ValueError(f"{ref} has no series for {slots}")
        return np.maximum(1.0, np.rint(values * float(factor or 1)))

    def total(self, kpi: str) -> FloatArray:
        return np.sum(list(self.store[kpi]["value"].values()), axis=0)

    def add(self, shape: Shape) -> None:
        kpi = self.catalogue[shape.kpi]  # unit and over_time as the dashboard reads them
        unit, rule = kpi.unit, kpi.over_time
        slots, weights = _teams(shape.teams)
        rng = self.rng(shape)
        if unit == "count":
            values = self.count(shape, rule, rng, slots, weights)
            self.keep(shape.kpi, "value", slots, values)
            self.emit(shape.kpi, slots, value=values)
            return
        if unit == "percent":
            num, den = self.percent(shape, rule, rng, slots, weights)
        elif unit == "rate":
            num, den = self.rate(shape, rng)
        elif unit == "average":
            num, den = self.average(shape, rng, weights)
        else:  # days, weeks: average duration, numerator = total duration
            den = self.base(shape.den, slots)
            level, _ = _path(shape.level)
            spread = np.exp(shape.noise * rng.standard_normal(den.shape) - shape.noise**2 / 2)
            num = np.rint(den * level * spread)
        self.keep(shape.kpi, "num", slots, num)
        self.keep(shape.kpi, "den", slots, den)
        fte = shape.fte or unit == "average"  # FTE denominators (and FTE numerators of workforce percents)
        self.emit(shape.kpi, slots, num=num, den=den, num_dp=int(shape.fte), den_dp=int(fte))

    def count(
        self, shape: Shape, rule: str, rng: np.random.Generator, slots: list[str], weights: FloatArray
    ) -> FloatArray:
        level, pinned = _path(shape.level)
        if rule == "sum":  # a flow: Poisson counts around a level that itself wobbles a little
            mean = level * np.exp(shape.noise * rng.standard_normal(N_MONTHS) - shape.noise**2 / 2)
            total = rng.poisson(mean).astype(np.float64)
        else:  # a stock: smooth month to month
            total = np.rint(level * (1 + _ar(rng, shape.noise)))
        total[pinned] = np.rint(level[pinned])
        if shape.rising:
            total = _rising(rng, total, shape.rising)
        floor = 1 if shape.kpi in self.floors else 0  # a denominator elsewhere: never 0 in a team
        total = np.maximum(total, floor * len(slots))
        if shape.year:
            total = _year_total(rng, total, shape.year, floor * len(slots))
        if rule == "sum":
            return _split_random(rng, total, weights, floor)
        drift = weights[:, None] * np.exp(_ar(rng, 0.04, (len(slots), N_MONTHS)))
        return _split_exact(total, drift)

    def volume(
        self, shape: Shape, rule: str, rng: np.random.Generator, slots: list[str], weights: FloatArray
    ) -> FloatArray:
        """Denominators from a path of the authority's volume, shared between the slots."""
        level, _ = _path(shape.den)
        if shape.fte:
            return np.round(level * (1 + _ar(rng, 0.01)), 1)[None, :]
        if rule == "last":
            total = np.maximum(np.rint(level * (1 + _ar(rng, 0.02))), len(slots))
            return _split_exact(total, np.repeat(weights[:, None], N_MONTHS, axis=1))
        total = np.maximum(rng.poisson(level).astype(np.float64), len(slots))
        return _split_random(rng, total, weights, floor=1)

    def percent(
        self, shape: Shape, rule: str, rng: np.random.Generator, slots: list[str], weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        if ":" in shape.den:
            den = self.volume(shape, rule, rng, slots, weights)
        else:
            den = self.base(shape.den, slots)
        total = den.sum(axis=0)
        level, pinned = _path(shape.level)
        if rule == "sum":  # each month a fresh draw
            share = np.clip(level + shape.noise * rng.standard_normal(N_MONTHS), 0, 100) / 100
        else:  # a proportion of a stock moves smoothly
            share = np.clip(level + _ar(rng, shape.noise), 0, 100) / 100
        if shape.fte:
            num = np.round(share * total, 1)
        elif rule == "sum":
            num = rng.binomial(total.astype(np.int64), share).astype(np.float64)
        else:
            num = np.rint(share * total)
        num[pinned] = np.rint(level[pinned] / 100 * total[pinned])
        num = np.minimum(num, total)
        if len(slots) == 1:
            return num[None, :], den
        # Share the authority's numerator between teams without replacement: never above a team's own
        # denominator, and the teams add up exactly.
        counts = den.astype(np.int64)
        split = [rng.multivariate_hypergeometric(counts[:, t], int(num[t])) for t in range(N_MONTHS)]
        return np.array(split, dtype=np.float64).T, den

    def rate(self, shape: Shape, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        level, _ = _path(shape.level)
        num = np.rint(level * (1 + _ar(rng, shape.noise)))
        for kpi in shape.num.split():
            num = num + self.total(kpi)
        years = [int(m[:4]) - (int(m[5:]) < 4) for m in MONTHS]
        den = np.array([POPULATION_0_17[year] for year in years], dtype=np.float64)
        return num[None, :], den[None, :]

    def average(
        self, shape: Shape, rng: np.random.Generator, weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Caseload: cases held over FTE in post (establishment less vacancies), team by team."""
        level, _ = _path(shape.level)
        vacant = np.clip(0.08 + _ar(rng, 0.05, (len(weights), N_MONTHS)), 0, 0.25)
        fte = np.maximum(1.0, np.round(weights[:, None] * (1 - vacant), 1))
        cases = np.rint(level * fte * (1 + shape.noise * rng.standard_normal(fte.shape)))
        return np.maximum(cases, 0), fte

    def emit(
        self,
        kpi: str,
        slots: list[str],
        *,
        value: FloatArray | None = None,
        num: FloatArray | None = None,
        den: FloatArray | None = None,
        num_dp: int = 0,
        den_dp: int = 0,
    ) -> None:
        """Add one row per slot and month; numbers as text with ``*_dp`` decimals (FTE: 1)."""

        def text(values: FloatArray | None, decimals: int = 0) -> list[str]:
            if values is None:
                return [""] * N_MONTHS
            return [f"{v + 0.0:.{decimals}f}" for v in values]  # + 0.0 turns -0.0 into 0.0

        for i, slot in enumerate(slots):
            orgs = [_org_at(slot, month) for month in MONTHS]
            frame = pd.DataFrame(
                {
                    "period": MONTHS,
                    "kpi": kpi,
                    "org": orgs,
                    "numerator": text(None if num is None else num[i], num_dp),
                    "denominator": text(None if den is None else den[i], den_dp),
                    "value": text(None if value is None else value[i]),
                    "commentary": "",
                }
            )
            self.frames.append(frame)


def _org_at(slot: str, month: str) -> str:
    """The unit doing a slot's work in a month (a closed team's work moves to its successor)."""
    return RESTRUCTURE[slot] if slot in RESTRUCTURE and month >= RESTRUCTURE_MONTH else slot


def _figures(seed: int, catalogue: Catalogue) -> pd.DataFrame:
    builder = _Builder(seed, catalogue)
    for shape in SHAPES:
        builder.add(shape)
    figures = pd.concat(builder.frames, ignore_index=True)
    kpi_order = {kpi.code: i for i, kpi in enumerate(catalogue)}
    org_order = {org[0]: i for i, org in enumerate(ORGS)}
    keys = pd.DataFrame({"k": figures["kpi"].map(kpi_order), "o": figures["org"].map(org_order)})
    order = np.lexsort((figures["period"].to_numpy(), keys["o"].to_numpy(), keys["k"].to_numpy()))
    figures = figures.iloc[order].reset_index(drop=True)
    keys_in_order = zip(figures["period"], figures["kpi"], figures["org"], strict=True)
    index = {key: i for i, key in enumerate(keys_in_order)}
    commentary = figures["commentary"].to_numpy(dtype=object)
    for key, note in COMMENTARY.items():
        if key not in index:
            raise ValueError(f"commentary for a figure that does not exist: {key}")
        commentary[index[key]] = note
    figures["commentary"] = pd.array(commentary, dtype="str")
    return figures


def _revisions(figures: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    keyed = {(r["period"], r["kpi"], r["org"]): r for r in figures.to_dict("records")}
    rows = []
    for period, kpi, org, change, den_change, note in REVISIONS:
        row = keyed[(period, kpi, org)]
        if not catalogue[kpi].is_ratio:
            value = int(row["value"]) + change
            rows.append((period, kpi, org, "", "", str(value), note))
            continue
        numerator, denominator = int(row["numerator"]), int(row["denominator"]) + den_change
        revised = min(numerator + change, denominator)
        if revised == numerator and den_change == 0:  # already all on time: a correction down instead
            revised = max(0, numerator - change)
        rows.append((period, kpi, org, str(revised), str(denominator), "", note))
    return pd.DataFrame(rows, columns=list(FIGURE_COLUMNS), dtype="str")


def _number(value: float) -> str:
    return f"{value:g}"


def build_demo(seed: int = 42, catalogue: Catalogue | None = None) -> DemoData:
    """Build the illustrative demo data set; the same seed (>= 0) always gives the same frames.

    KPI codes, units and rules (``over_time``, ratio or count) come from the KPI catalogue, so the
    demo cannot disagree with the dashboard about what a KPI is."""
    catalogue = catalogue or load_catalogue()
    figures = _figures(seed, catalogue)
    return DemoData(
        orgs=pd.DataFrame(ORGS, columns=list(ORG_COLUMNS), dtype="str"),
        targets=pd.DataFrame(
            [(kpi, start, _number(target), _number(tol), org) for kpi, start, target, tol, org in TARGETS],
            columns=list(TARGET_COLUMNS),
            dtype="str",
        ),
        figures=figures,
        revisions=_revisions(figures, catalogue),
        process_changes=pd.DataFrame(PROCESS_CHANGES, columns=list(PROCESS_CHANGE_COLUMNS), dtype="str"),
    )
