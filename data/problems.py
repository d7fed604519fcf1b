"""Problems found in input files, reported together as ``FILE:ROW:COLUMN: message``."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.errors import UserError

WHOLE_FILE = "-"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one cell (row as a spreadsheet shows it: the header is row 1)."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        """One line, whatever the file held: control characters are shown escaped."""
        text = f"{self.file}:{self.row}:{self.column}: {self.message}"
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InvalidInput(UserError):
    """Input that cannot be loaded; carries every problem found, in file and row order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.row))
        super().__init__("\n".join(str(p) for p in self.problems))
