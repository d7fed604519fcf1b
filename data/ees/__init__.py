"""Benchmarks from Explore Education Statistics (EES) open-data files.

The Department for Education publishes annual figures for England, the regions and every local
authority as CSV files in the EES open-data layout (``time_period``, ``time_identifier``,
``geographic_level``, ``country_code``, ``region_code``, ``old_la_code``, ``new_la_code``,
``la_name`` and one column per indicator). This package turns such a file into benchmark rows
for one authority: England, its region, the average of its ten statistical neighbours and its
own published figure. Which file and column feeds which KPI is data, in ``ees_mapping.toml``.

- :mod:`data.ees.mapping`: the mapping file, checked whole (every problem reported at once);
- :mod:`data.ees.parsing`: recognising a file, checking its rows, the 0-17 population;
- :mod:`data.ees.authorities`: authorities and their statistical neighbours;
- :mod:`data.ees.benchmarks`: the benchmark rows.

Pure pandas: no database and no Dash. Problems with a file are returned as :class:`EesProblem`
records; the loader adds the file name and rejects the file. Problems with the configuration (a
bad mapping file, an unknown authority) raise :class:`MappingError` or :class:`UnknownAuthority`.
Names starting with ``_`` are private to this package (its modules share them).
"""

from data.ees.authorities import (
    NEIGHBOUR_COLUMNS,
    NEIGHBOUR_COUNT,
    NEIGHBOUR_MODEL,
    NEIGHBOURS_FILE,
    LocalAuthority,
    Neighbour,
    UnknownAuthority,
    is_neighbour_model,
    load_neighbours,
    resolve_la,
)
from data.ees.benchmarks import (
    BENCHMARK_COLUMNS,
    COMPARATORS,
    ENGLAND,
    NEIGHBOURS,
    PUBLISHED,
    REGION,
    ees_benchmarks,
)
from data.ees.mapping import (
    ENTRY_FIELDS,
    MAPPING_FILE,
    POPULATION_FIELDS,
    SPANS,
    EesEntry,
    EesMapping,
    MappingError,
    MappingProblem,
    PopulationSource,
    load_mapping,
    mapping_markdown,
    parse_mapping,
)
from data.ees.parsing import (
    EES_COLUMNS,
    GEOGRAPHY_COLUMNS,
    LEVELS,
    LOCAL_AUTHORITY,
    NATIONAL,
    OLD_CODE,
    POPULATION_COLUMNS,
    REGIONAL,
    SYMBOLS,
    WHOLE,
    EesProblem,
    columns_by_name,
    ees_entries,
    ees_frame,
    ees_population,
    ees_population_sources,
    is_ees,
    read_ees_csv,
)

__all__ = [
    "BENCHMARK_COLUMNS",
    "COMPARATORS",
    "EES_COLUMNS",
    "ENGLAND",
    "ENTRY_FIELDS",
    "GEOGRAPHY_COLUMNS",
    "LEVELS",
    "LOCAL_AUTHORITY",
    "MAPPING_FILE",
    "NATIONAL",
    "NEIGHBOURS",
    "NEIGHBOURS_FILE",
    "NEIGHBOUR_COLUMNS",
    "NEIGHBOUR_COUNT",
    "NEIGHBOUR_MODEL",
    "OLD_CODE",
    "POPULATION_COLUMNS",
    "POPULATION_FIELDS",
    "PUBLISHED",
    "REGION",
    "REGIONAL",
    "SPANS",
    "SYMBOLS",
    "WHOLE",
    "EesEntry",
    "EesMapping",
    "EesProblem",
    "LocalAuthority",
    "MappingError",
    "MappingProblem",
    "Neighbour",
    "PopulationSource",
    "UnknownAuthority",
    "columns_by_name",
    "ees_benchmarks",
    "ees_entries",
    "ees_frame",
    "ees_population",
    "ees_population_sources",
    "is_ees",
    "is_neighbour_model",
    "load_mapping",
    "load_neighbours",
    "mapping_markdown",
    "parse_mapping",
    "read_ees_csv",
    "resolve_la",
]
