"""Follow the columns through a pipeline, so a typo is caught before any code is written.

When the source table's columns are known at expansion time (a live ``spark`` session can
see the table), every column a key names is checked; otherwise checks wait for run time.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import SpecError, did_you_mean, short


class Columns:
    """The columns available at one point of the pipeline (``None``: unknown until run time)."""

    def __init__(self, names: Iterable[str] | None) -> None:
        self.names: list[str] | None = list(names) if names is not None else None

    @property
    def known(self) -> bool:
        return self.names is not None

    def require(self, key: str, columns: Iterable[str]) -> None:
        if self.names is None:
            return
        lowered = {n.lower() for n in self.names}
        for column in columns:
            if column.lower() not in lowered:
                hint = did_you_mean(column, self.names)
                raise SpecError(
                    f"{key}: column {short(column)} is not in the table{hint}; "
                    f"columns: {', '.join(self.names)}"
                )

    def select(self, key: str, columns: list[str]) -> None:
        self.require(key, columns)
        if self.names is not None and columns:
            self.names = list(columns)

    def rename(self, key: str, mapping: dict[str, str]) -> None:
        self.require(key, mapping)
        if self.names is not None:
            self.names = [mapping.get(n, n) for n in self.names]

    def add(self, columns: Iterable[str]) -> None:
        if self.names is not None:
            self.names += [c for c in columns if c not in self.names]
