"""The one exception the data pipeline raises for bad input files."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """A dataset file is missing or malformed. The message names the file, the place and the fix."""

    def __init__(
        self,
        path: str | Path,
        problem: str,
        fix: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = str(path)
        if row is not None:
            where += f", line {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}. Fix: {fix}")
        self.path = Path(path)
        self.row = row
        self.column = column
