"""A scaled dataset for the dashboard benchmarks: the demo structure widened, loaded like real files.

The demo's authority and five services, with ``8 x size`` teams in each service (size 1: 40 teams
open in any month; size 8: 320), one team closing in a restructure and a new one taking its work,
as in the demo; every team reports every team-level KPI (the 6 authority-only KPIs stay at the
authority), for 120 months (2016-10 to 2026-09): about 188,000 figures at size 1, 1.5 million at
size 8. The KPIs (45) and months (120) do not change with the size. Each team's series is a demo
series of the same KPI (demo builds with seeds ``seed``, ``seed + 1``, ...), scaled by a per-team
factor so the teams differ, with the demo's targets, benchmarks and process changes, a second file
of late corrections (revisions), and the demo label. Everything is written as CSV input files and
loaded with :func:`data.load.load_files`, so it goes through the ordinary validation and revision
logic. The same seed, size and number of authorities always give the same database (size 1 with
one authority is the database this script built before it had a size).

``--authorities K`` (K > 1) puts K such authorities under one unit of type ``group`` (code
``GROUP``, no parent); unit codes are then prefixed per authority: ``A01``, its services
``A01-S1`` ... ``A01-S5`` and teams ``A01-T001`` ... (numbered across the authority).

    python bench/scaled.py [--size 8] [--authorities 1] [--out PATH] [--seed 42] [--force]

The default path is ``bench/out/scaled.db`` at size 1 (one authority), ``scaled-8x.db`` at size
8, ``scaled-8x-3la.db`` for 3 authorities. :func:`new_month_file` writes the next month's
figures file (2026-10) for the soak test and the month-load benchmark.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402  (after the sys.path line: run as a script from anywhere)
import pandas as pd  # noqa: E402

from data.demo_frames import ORGS, RESTRUCTURE, build_demo  # noqa: E402
from metrics.catalogue import load_catalogue  # noqa: E402
from metrics.periods import add_months, month_range  # noqa: E402

OUT = ROOT / "bench" / "out"
DEFAULT_DB = OUT / "scaled.db"
FIRST_MONTH, LAST_MONTH = "2016-10", "2026-09"
NEW_MONTH = "2026-10"
SERVICES = ("SFS", "CLA", "QA", "FOS", "SEND")
TEAMS_PER_SERVICE = 8  # at size 1
BUILDS = 8  # demo builds to draw team series from
RESTRUCTURE_MONTH = "2021-10"
GROUP = "GROUP"
SCALED_LABEL = "Illustrative scaled benchmark data, not real figures"
VERSION = "scaled-v1"  # bump when the generator changes (the cached database is rebuilt)


def default_db(size: int = 1, authorities: int = 1) -> Path:
    """bench/out/scaled.db at size 1, scaled-8x.db at size 8, scaled-8x-3la.db for 3 authorities."""
    if size == 1 and authorities == 1:
        return DEFAULT_DB
    return OUT / (f"scaled-{size}x" + (f"-{authorities}la" if authorities > 1 else "") + ".db")


@dataclass(frozen=True)
class Layout:
    """The units of a scaled dataset: ``authorities`` authorities of ``8 x size`` teams a service."""

    size: int = 1
    authorities: int = 1

    def __post_init__(self) -> None:
        if self.size < 1 or self.authorities < 1:
            raise ValueError("size and authorities must be at least 1")

    @property
    def teams_per_service(self) -> int:
        return TEAMS_PER_SERVICE * self.size

    @property
    def grouped(self) -> bool:
        return self.authorities > 1

    def authority(self, a: int) -> str:
        return f"A{a + 1:02d}" if self.grouped else "LA"

    def service(self, a: int, s: int) -> str:
        return f"{self.authority(a)}-S{s + 1}" if self.grouped else SERVICES[s]

    def team(self, a: int, s: int, n: int) -> str:
        """Team ``n`` (0-based) of service ``s`` of authority ``a``."""
        if self.grouped:
            return f"{self.authority(a)}-T{s * self.teams_per_service + n + 1:03d}"
        return f"{SERVICES[s]}_T{n + 1:02d}"

    def closing(self, a: int) -> str:
        """The team that closes in the restructure (the second team of the first service)."""
        return self.team(a, 0, 1)

    def successor(self, a: int) -> str:
        """The team that takes over its work (the first service's next number)."""
        if self.grouped:
            return f"{self.authority(a)}-T{len(SERVICES) * self.teams_per_service + 1:03d}"
        return f"{SERVICES[0]}_T{self.teams_per_service + 1:02d}"

    def slots(self) -> list[tuple[int, str]]:
        """(authority, slot) for every team slot (a slot is one team's series; the closing team's
        continues as its successor)."""
        return [
            (a, self.team(a, s, n))
            for a in range(self.authorities)
            for s in range(len(SERVICES))
            for n in range(self.teams_per_service)
        ]

    def org_rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """Org file rows: (the group,) each authority, its five services and their teams."""
        names = {code: name for code, name, *_ in ORGS}
        rows = [(GROUP, "Scaled benchmark group", "", "group", "", "")] if self.grouped else []
        for a in range(self.authorities):
            la = self.authority(a)
            name = names["LA"] + (f" {a + 1}" if self.grouped else "")
            rows.append((la, name, GROUP if self.grouped else "", "authority", "", ""))
            services = enumerate(SERVICES)
            rows += [(self.service(a, s), names[svc], la, "service", "", "") for s, svc in services]
            for s, svc in enumerate(SERVICES):
                for n in range(self.teams_per_service):
                    code = self.team(a, s, n)
                    closed = "2021-09" if code == self.closing(a) else ""
                    rows.append((code, f"{svc} team {n + 1}", self.service(a, s), "team", "", closed))
            rows.append(
                (
                    self.successor(a),
                    f"{SERVICES[0]} team {self.teams_per_service + 1} (took over team 2)",
                    self.service(a, 0),
                    "team",
                    RESTRUCTURE_MONTH,
                    "",
                )
            )
        return rows

    def org_at(self, a: int, slot: str, months: np.ndarray) -> np.ndarray:
        if slot != self.closing(a):
            return np.full(len(months), slot, dtype=object)
        return np.where(months >= RESTRUCTURE_MONTH, self.successor(a), slot).astype(object)


def team_codes(layout: Layout | None = None) -> list[tuple[str, str, str, str, str, str]]:
    """Org file rows (size 1, one authority: the authority, five services, 8 teams each, +1)."""
    return (layout or Layout()).org_rows()


def _units() -> dict[str, str]:
    """KPI code -> unit, in catalogue order (the demo's KPIs)."""
    return {k.code: k.unit for k in load_catalogue()}


def _series_by_owner(figures: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """(kpi, demo team slot) -> that series' rows in month order (restructured teams joined up)."""
    merged = {new: old for old, new in RESTRUCTURE.items()}
    frame = figures.assign(slot=figures["org"].map(lambda o: merged.get(o, o)))
    return {key: rows.sort_values("period") for key, rows in frame.groupby(["kpi", "slot"], sort=True)}


def _scale(cells: pd.Series, factor: float, least: float) -> pd.Series:
    """Multiply numbers written as text by ``factor``, keeping their decimals (0 or 1)."""
    numbers = pd.to_numeric(cells.replace("", np.nan))
    one_dp = cells.str.contains(".", regex=False)
    scaled = np.where(one_dp, np.round(numbers * factor, 1), np.rint(numbers * factor))
    scaled = np.maximum(scaled, least)
    text = [
        "" if np.isnan(v) else (f"{v:.1f}" if dp else f"{v:.0f}")
        for v, dp in zip(scaled, one_dp, strict=True)
    ]
    return pd.Series(text, index=cells.index, dtype=object)


def scaled_frames(seed: int = 42, layout: Layout | None = None) -> dict[str, pd.DataFrame]:
    """The input files as frames (all cells text): orgs, targets, process changes, figures, revisions."""
    layout = layout or Layout()
    builds = [build_demo(seed + b) for b in range(BUILDS)]
    sources = [_series_by_owner(b.figures) for b in builds]
    owners: dict[str, list[str]] = {}
    for kpi, slot in sources[0]:
        owners.setdefault(kpi, []).append(slot)
    months = month_range(FIRST_MONTH, LAST_MONTH)
    demo_months = month_range(builds[0].figures["period"].min(), builds[0].figures["period"].max())
    prepend = len(months) - len(demo_months)  # months before the demo: the demo's first ones again
    take = np.r_[np.arange(prepend), np.arange(len(demo_months))]
    month_array = np.array(months, dtype=object)
    rng = np.random.default_rng(seed)
    slots = layout.slots()
    factors = rng.uniform(0.5, 1.5, len(slots))
    frames = []
    for kpi, unit in _units().items():
        if owners[kpi] == ["LA"]:  # authority-only (rates per population, workforce): as in the demo
            for a in range(layout.authorities):
                rows = sources[a % BUILDS][(kpi, "LA")].iloc[take]
                frames.append(rows.assign(period=months, org=layout.authority(a)).drop(columns="slot"))
            continue
        for t, (a, slot) in enumerate(slots):
            source = sources[t % BUILDS][(kpi, owners[kpi][(t // BUILDS) % len(owners[kpi])])]
            rows = source.iloc[take].reset_index(drop=True)
            out = pd.DataFrame(
                {"period": month_array, "kpi": kpi, "org": layout.org_at(a, slot, month_array)}, dtype=object
            )
            if unit == "count":
                out["numerator"], out["denominator"] = "", ""
                out["value"] = _scale(rows["value"], factors[t], 0)
            else:
                den = _scale(rows["denominator"], factors[t], 1)
                num = _scale(rows["numerator"], factors[t], 0)
                if unit == "percent":
                    over = pd.to_numeric(num) > pd.to_numeric(den)
                    num = num.where(~over, den)
                out["numerator"], out["denominator"], out["value"] = num, den, ""
            out["commentary"] = rows["commentary"].where(np.arange(len(rows)) >= prepend, "")
            frames.append(out)
    figures = pd.concat(frames, ignore_index=True).astype(str)
    return {
        "orgs": pd.DataFrame(layout.org_rows(), columns=["code", "name", "parent", "type", "from", "closed"]),
        "targets": _targets(builds[0].targets, layout),
        "process_changes": _process_changes(layout),
        "figures": figures,
        "revisions": _revisions(figures, rng, 40 * layout.size * layout.authorities),
    }


def _targets(demo: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """The demo's targets for every unit (and each authority's own); team-specific ones dropped."""
    general = demo[demo["org"] == ""]
    own = demo[demo["org"] == "LA"]
    parts = [general] + [own.assign(org=layout.authority(a)) for a in range(layout.authorities)]
    return pd.concat(parts).sort_index(kind="stable").reset_index(drop=True)


def _process_changes(layout: Layout) -> pd.DataFrame:
    rows = []
    for a in range(layout.authorities):
        la, front_door = layout.authority(a), layout.service(a, 0)
        rows += [
            ("*", la, "2019-04", "Improvement plan: weekly performance meetings and 95% visit targets"),
            ("ASSESSMENTS_45WD", la, "2018-10", "Assessment recovery plan: open assessments tracked weekly"),
            ("*", front_door, RESTRUCTURE_MONTH, "Restructure of front door: a new team takes over team 2"),
            ("CP_VISITS_TIMELY", la, "2022-04", "Mobile working: visits recorded on tablets on the day"),
        ]
        mobile = "Mobile working: visits recorded on the day"
        rows += [("CP_VISITS_TIMELY", layout.team(a, 0, n), "2022-04", mobile) for n in range(2, 8)]
    return pd.DataFrame(rows, columns=["kpi", "org", "period", "note"])


def _revisions(figures: pd.DataFrame, rng: np.random.Generator, count: int = 40) -> pd.DataFrame:
    """Late recording: one more visit on time for ``count`` team figures of the last two months."""
    late = figures[
        figures["period"].isin([add_months(LAST_MONTH, -1), LAST_MONTH])
        & figures["kpi"].str.endswith("VISITS_TIMELY")
        & (figures["numerator"] != figures["denominator"])
    ]
    chosen = late.iloc[np.sort(rng.choice(len(late), size=min(count, len(late)), replace=False))].copy()
    chosen["numerator"] = (chosen["numerator"].astype(int) + 1).astype(str)
    chosen["commentary"] = "Late recording of visits."
    return chosen.reset_index(drop=True)


def new_month_file(database: Path, folder: Path, month: str = NEW_MONTH, seed: int = 42) -> Path:
    """A figures file for ``month``: every series of the database's latest month, nudged (valid)."""
    import sqlalchemy as sa

    from data.engine import make_engine

    engine = make_engine(f"sqlite:///{database}", read_only=True)
    try:
        with engine.connect() as conn:
            latest = conn.exec_driver_sql("SELECT max(period) FROM figures").scalar()
            rows = pd.DataFrame(
                conn.execute(
                    sa.text(
                        "SELECT kpi, org, numerator, denominator, value FROM figures "
                        "WHERE is_current AND period = :p"
                    ),
                    {"p": latest},
                ).fetchall(),
                columns=["kpi", "org", "numerator", "denominator", "value"],
            )
    finally:
        engine.dispose()
    rng = np.random.default_rng(seed + 1000)
    nudge = rng.uniform(0.9, 1.1, len(rows))
    units = rows["kpi"].map(_units())
    is_count = units == "count"
    fte_num = rows["kpi"].isin(["AGENCY_RATE", "VACANCY_RATE", "TURNOVER_RATE"])
    value = np.rint(rows["value"].fillna(0) * nudge)
    num = np.where(fte_num, np.round(rows["numerator"] * nudge, 1), np.rint(rows["numerator"] * nudge))
    den = rows["denominator"].to_numpy()
    num = np.where(units == "percent", np.minimum(num, den), num)

    def text(values: np.ndarray, one_dp: np.ndarray) -> list[str]:
        return [
            "" if pd.isna(v) else (f"{v:.1f}" if dp else f"{v:.0f}")
            for v, dp in zip(values, one_dp, strict=True)
        ]

    out = pd.DataFrame(
        {
            "period": month,
            "kpi": rows["kpi"],
            "org": rows["org"],
            "numerator": np.where(is_count, "", text(num, fte_num.to_numpy())),
            "denominator": np.where(is_count, "", text(den, np.nan_to_num(den) % 1 != 0)),
            "value": np.where(is_count, text(value.to_numpy(), np.zeros(len(rows), bool)), ""),
            "commentary": "",
        }
    )
    path = folder / f"figures_{month}.csv"
    out.to_csv(path, index=False)
    return path


def _stamp(seed: int, layout: Layout) -> str:
    source = Path(__file__).read_bytes() + (ROOT / "data" / "demo_frames.py").read_bytes()
    shape = "" if layout == Layout() else f":{layout.size}x{layout.authorities}"
    return f"{VERSION}:{seed}{shape}:{hashlib.sha256(source).hexdigest()[:16]}"


def build_scaled_database(
    path: Path | None = None,
    seed: int = 42,
    *,
    force: bool = False,
    size: int = 1,
    authorities: int = 1,
) -> str:
    """Build (or reuse, when built by this code with this seed and shape) the scaled SQLite database."""
    from data.engine import make_engine
    from data.load import load_files
    from data.settings import DEMO_LABEL_KEY, get_setting, set_setting

    layout = Layout(size, authorities)
    path = path or default_db(size, authorities)
    stamp_key = "bench_scaled_stamp"
    if path.exists() and not force:
        engine = make_engine(f"sqlite:///{path}", read_only=True)
        try:
            with engine.connect() as conn:
                if get_setting(conn, stamp_key) == _stamp(seed, layout):
                    return f"reused {path}"
        except Exception:  # an old or broken file: rebuild it
            pass
        finally:
            engine.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_name(path.name + ".building")
    for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    frames = scaled_frames(seed, layout)
    engine = make_engine(f"sqlite:///{building}")
    try:
        with tempfile.TemporaryDirectory(prefix="scaled-") as folder:
            files = []
            for name in ("orgs", "targets", "process_changes", "figures"):
                files.append(Path(folder) / f"scaled_{name}.csv")
                frames[name].to_csv(files[-1], index=False)
            benchmarks = ROOT / "data" / "reference" / "demo_benchmarks.csv"
            if benchmarks.exists():
                files.append(benchmarks)
            load_files(engine, files, user="bench", month="2026-10")
            revisions = Path(folder) / "scaled_late_recording.csv"
            frames["revisions"].to_csv(revisions, index=False)
            load_files(engine, [revisions], user="bench", month="2026-10")
        with engine.begin() as conn:
            set_setting(conn, DEMO_LABEL_KEY, SCALED_LABEL)
            set_setting(conn, stamp_key, _stamp(seed, layout))
    finally:
        engine.dispose()
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    building.replace(path)
    teams = (frames["orgs"]["type"] == "team").sum()
    return (
        f"built {path}: {len(frames['figures']):,} figures, {teams} team codes, "
        f"{frames['figures']['period'].nunique()} months, {frames['figures']['kpi'].nunique()} KPIs "
        f"in {time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1, help="teams per service x this (8: 320 teams)")
    parser.add_argument("--authorities", type=int, default=1, help="authorities under one group unit")
    parser.add_argument("--out", type=Path, help="default: bench/out/scaled[-Nx][-Kla].db")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--force", action="store_true", help="rebuild even if an identical build exists")
    args = parser.parse_args()
    if args.size < 1 or args.authorities < 1:
        parser.error("--size and --authorities must be at least 1")
    print(
        build_scaled_database(
            args.out, args.seed, force=args.force, size=args.size, authorities=args.authorities
        )
    )


if __name__ == "__main__":
    main()
