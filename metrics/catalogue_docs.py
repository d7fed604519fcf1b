"""Write docs/kpis.md from metrics/kpis.toml: ``python -m metrics.catalogue_docs`` (``make docs``)."""

from __future__ import annotations

from pathlib import Path

from metrics.catalogue import catalogue_markdown, load_catalogue

DOCS_FILE = Path(__file__).resolve().parents[1] / "docs" / "kpis.md"


def main() -> None:
    """Regenerate docs/kpis.md from the catalogue."""
    DOCS_FILE.parent.mkdir(parents=True, exist_ok=True)
    with DOCS_FILE.open("w", encoding="utf-8", newline="\n") as out:
        out.write(catalogue_markdown(load_catalogue()))
    print(f"wrote {DOCS_FILE}")


if __name__ == "__main__":
    main()
