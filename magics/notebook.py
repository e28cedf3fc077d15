"""``%dbx_expand_notebook PATH``: every ``%%magic`` cell of a notebook file, expanded at once.

In a Databricks notebook cells are not replaced in place, but workspace files are local paths:
this writes the expanded notebook next to the original (or over it with ``--in-place``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import DbxArchitectError, short
from ..runtime.catalog import no_lookup, spark_lookup
from ..settings import TARGETS, DbxArchitect
from .arguments import parse_line

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


@magics_class
class NotebookMagics(Magics):
    """Whole notebook files: their magic cells expanded at once."""

    shell: InteractiveShell  # registered by load_ipython_extension, always on a shell

    def __init__(self, shell: Any, settings: DbxArchitect) -> None:
        super().__init__(shell)
        self.settings = settings

    @magic_arguments()
    @argument("path", help="The notebook: NAME.ipynb or NAME.py (Databricks notebook source).")
    @argument("-o", "--output", help="Where to write (default: NAME.expanded.ipynb|py).")
    @argument("--in-place", action="store_true", help="Overwrite the notebook itself.")
    @argument("--force", action="store_true", help="Replace an existing output file.")
    @argument("--target", choices=TARGETS, help="Render for this target (a cell's own wins).")
    @line_magic
    def dbx_expand_notebook(self, line: str) -> None:
        """Replace every %%bronze ... %%monitor cell of a notebook file by its expansion.

        Other cells stay as they are. Each expanded cell keeps its spec in its header, so
        `dbx-architect collapse` turns it back into the magic cell.
        """
        from ..notebook_expand import convert_file, expand_text, output_path

        args = parse_line(self.dbx_expand_notebook, line, "%dbx_expand_notebook")
        if args.in_place and args.output:
            raise UsageError("%dbx_expand_notebook: give -o or --in-place, not both")
        source = Path(args.path)
        target = output_path(source, args.output, args.in_place, "expanded")
        spark = self.shell.user_ns.get("spark")
        lookup = spark_lookup(spark) if spark is not None else no_lookup
        command = "%dbx_expand_notebook"
        try:
            done = convert_file(
                source,
                target,
                lambda text, kind: expand_text(
                    text, kind, self.settings, args.target, lookup, command
                ),
                command,
                force=args.force,
            )
        except DbxArchitectError as err:
            raise UsageError(str(err)) from None
        except OSError as err:  # a folder that does not exist or may not be written
            where = short(str(err.filename or target))
            raise UsageError(f"{command}: {where}: {err.strerror}") from None
        print(f"Wrote {target}: {done.changed} cell(s) expanded.")
