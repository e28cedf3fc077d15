"""``%%outline NAME``: requirements in the cell, a whole notebook written next to this one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import DbxArchitectError, short
from ..runtime.catalog import ColumnLookup, no_lookup, spark_lookup
from ..settings import TARGETS, DbxArchitect, Settings
from .arguments import parse_line


@magics_class
class OutlineMagics(Magics):
    def __init__(self, shell: Any, settings: DbxArchitect) -> None:
        super().__init__(shell)
        self.settings = settings

    @magic_arguments()
    @argument("name", help="The notebook to write: NAME.ipynb (or NAME.py with --py).")
    @argument("--py", action="store_true", help="Databricks notebook source (.py) instead.")
    @argument("--expanded", action="store_true", help="The generated code, not %%magic cells.")
    @argument("--force", action="store_true", help="Replace an existing file.")
    @argument("--target", choices=TARGETS, help="Render for this target only.")
    @cell_magic
    def outline(self, line: str, cell: str) -> None:
        """Write a governed notebook from requirements: layout, stages, checklist, features.

        Keys: use_case, name, catalog, sources (name, path or table, format, schema, keys, load,
        role, relates, time_col), target, task, time_col, grain, group_by, entity, windows,
        labels, sla, latency, compliance (pii, retention_days), owners (data, ml, readers).
        See docs/outline.md.
        """
        from ..outline import plan_from_text
        from ..outline.notebook import write

        args = parse_line(self.outline, line, "%%outline")
        path = _notebook_path(args.name, args.py)
        try:
            settings = Settings.from_config(self.settings, args.target)
            plan = plan_from_text(cell, settings, self._lookup())
            written = write(plan, path, expanded=args.expanded, force=args.force)
        except DbxArchitectError as err:
            raise UsageError(f"%%outline: {str(err).removeprefix('outline: ')}") from None
        except OSError as err:  # a folder that does not exist or may not be written
            raise UsageError(
                f"%%outline: cannot write {short(str(path))}: {err.strerror}"
            ) from None
        from IPython.display import FileLink, display

        print(
            f"Wrote {written}: {len(plan.stages)} stage cells, {len(plan.tables)} tables, "
            f"{sum(not ok for _, ok, _ in plan.checklist)} checklist gap(s)."
        )
        display(FileLink(str(written)))

    def _lookup(self) -> ColumnLookup:
        """The session's view of tables and files: columns of files given without schema."""
        spark = self.shell.user_ns.get("spark") if self.shell is not None else None
        return spark_lookup(spark) if spark is not None else no_lookup


def _notebook_path(name: str, py: bool) -> Path:
    """NAME → NAME.ipynb (or .py); a name that no file can have is one line."""
    if any(ord(c) < 32 for c in name) or not name.strip():
        raise UsageError(f"%%outline: {short(name)} cannot name a file")
    path = Path(name)
    return path if path.suffix else path.with_suffix(".py" if py else ".ipynb")
