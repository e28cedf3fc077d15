"""Whole notebooks: every ``%%magic`` cell replaced by its expansion, and back again.

Where cells cannot be replaced in place (Databricks notebooks), a notebook file is expanded at
once: ``dbx-architect expand-notebook`` and ``%dbx_expand_notebook``. Each expanded cell starts
with the provenance header :func:`~dbx_architect.expand.provenance` writes (``# %%bronze sales``,
then the spec as ``# `` lines), so ``dbx-architect collapse`` turns it back into the magic cell.

Both Jupyter notebooks (``.ipynb``, through nbformat) and Databricks notebook source (``.py``:
``# Databricks notebook source``, cells between ``# COMMAND ----------`` lines, magic cells as
``# MAGIC`` lines) are read; only the cells that change are rewritten, the rest stay as they are
(outputs and metadata included).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DbxArchitectError, SpecError, one_line
from .expand import GENERATORS, expand
from .runtime.catalog import ColumnLookup, no_lookup
from .settings import DbxArchitect, Settings

__all__ = ["Rewritten", "collapse_cell", "collapse_text", "expand_cell", "expand_text", "rewrite"]

HEADER = "# Databricks notebook source"
SEPARATOR = "\n# COMMAND ----------\n"
MAGIC_PREFIX = "# MAGIC"
TITLE_PREFIX = "# DBTITLE"
KINDS = (".ipynb", ".py")

CellChange = Callable[[str], str | None]  # a cell's source → its new source, or None: unchanged


@dataclass(frozen=True)
class Rewritten:
    """A notebook's new text and how many of its cells changed."""

    text: str
    changed: int


def _magic_of(first_line: str, prefix: str) -> tuple[str, str] | None:
    """(magic, rest of the line) when *first_line* is ``PREFIX%%magic ...`` of a generator."""
    if not first_line.startswith(prefix + "%%"):
        return None
    magic, _, line = first_line[len(prefix) + 2 :].partition(" ")
    return (magic, line) if magic in GENERATORS else None


def expand_cell(
    source: str,
    config: DbxArchitect,
    target: str | None = None,
    lookup: ColumnLookup = no_lookup,
) -> str | None:
    """The expansion of a ``%%bronze``-style cell (None for any other cell).

    The magic line's own ``--target`` wins over *target*; ``--pipeline`` picks that variant;
    ``--run``, ``--show`` and ``--form`` only matter in a notebook and are kept in the header.
    """
    first, _, body = source.partition("\n")
    found = _magic_of(first, "")
    if found is None:
        return None
    magic, line = found
    args = _magic_line(magic, line)
    settings = Settings.from_config(config, args.target or target)
    variant = "pipeline" if getattr(args, "pipeline", False) else None
    expansion = expand(magic, " ".join(args.name), line, body, settings, lookup, variant)
    return expansion.cell.rstrip("\n")


def _magic_line(magic: str, line: str) -> Any:
    """The magic line parsed by the magic's own options, its mistakes as one SpecError."""
    from IPython.core.error import UsageError

    from .magics.arguments import parse_line
    from .magics.generate import GenerateMagics

    try:
        return parse_line(getattr(GenerateMagics, magic), line, f"%%{magic}")
    except UsageError as err:
        raise SpecError(str(err)) from None


def collapse_cell(source: str) -> str | None:
    """The ``%%magic`` cell an expanded cell came from (None for any other cell).

    Its provenance header is read back: ``# %%magic LINE``, then ``# `` spec lines up to the
    first empty line. The spec comes back without trailing spaces on its lines.
    """
    lines = source.splitlines()
    found = _magic_of(lines[0], "# ") if lines else None
    if found is None:
        return None
    magic, line = found
    spec = []
    for text in lines[1:]:
        if text == "" or not (text == "#" or text.startswith("# ")):
            break
        spec.append(text[2:])
    return "\n".join([f"%%{magic} {line}".rstrip(), *spec])


def rewrite(text: str, kind: str, change: CellChange, command: str) -> Rewritten:
    """Apply *change* to every cell of notebook *text* (*kind*: ``.ipynb`` or ``.py``).

    A :class:`DbxArchitectError` of one cell stops everything with one line naming the cell
    (numbered from 1, markdown cells included, as a notebook shows them).
    """
    if kind == ".ipynb":
        return _rewrite_ipynb(text, change, command)
    return _rewrite_source(text, change, command)


def _changed(change: CellChange, number: int, source: str, command: str) -> str | None:
    try:
        return change(source)
    except DbxArchitectError as err:
        raise DbxArchitectError(f"{command}: cell {number}: {err}") from None


def _rewrite_ipynb(text: str, change: CellChange, command: str) -> Rewritten:
    import nbformat

    try:
        json.loads(text)
    except ValueError as err:  # json.JSONDecodeError, or a number too long to read
        detail = f"{err.msg}, line {err.lineno}" if isinstance(err, json.JSONDecodeError) else err
        raise DbxArchitectError(f"{command}: not a notebook (invalid JSON: {detail})") from None
    except RecursionError:
        raise DbxArchitectError(f"{command}: nests too deeply to be a notebook") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
        cells = list(notebook.cells)
    except (ValueError, KeyError, TypeError, AttributeError) as err:  # NotJSONError: ValueError
        raise DbxArchitectError(f"{command}: not a notebook ({one_line(str(err), 100)})") from None
    changed = 0
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        new = _changed(change, number, cell.source, command)
        if new is not None and new != cell.source:
            cell.source, changed = new, changed + 1
    return Rewritten(nbformat.writes(notebook) + "\n", changed)


def _rewrite_source(text: str, change: CellChange, command: str) -> Rewritten:
    if not text.startswith(HEADER):
        raise DbxArchitectError(
            f"{command}: not Databricks notebook source (its first line is not '{HEADER}')"
        )
    chunks = text[len(HEADER) :].split(SEPARATOR)
    changed = 0
    for number, chunk in enumerate(chunks, 1):
        lead, core, trail = _parts(chunk)
        source = _unmagic(core)
        new = _changed(change, number, source, command)
        if new is not None and new != source:
            chunks[number - 1] = lead + _remagic(new) + trail
            changed += 1
    return Rewritten(HEADER + SEPARATOR.join(chunks), changed)


def _parts(chunk: str) -> tuple[str, str, str]:
    """A cell's text between separators as (blank lines and title, source, blank lines)."""
    core = chunk.strip("\n")
    start = chunk.index(core) if core else len(chunk)
    lead, trail = chunk[:start], chunk[start + len(core) :]
    lines = core.split("\n")
    titles = 0
    while titles < len(lines) - 1 and lines[titles].startswith(TITLE_PREFIX):
        titles += 1
    if titles:
        lead += "\n".join(lines[:titles]) + "\n"
        core = "\n".join(lines[titles:])
    return lead, core, trail


def _unmagic(core: str) -> str:
    """The cell as a notebook shows it: ``# MAGIC`` lines lose their prefix."""
    lines = core.split("\n")
    if not core or not all(line.startswith(MAGIC_PREFIX) for line in lines):
        return core
    return "\n".join(line.removeprefix(MAGIC_PREFIX).removeprefix(" ") for line in lines)


def _remagic(source: str) -> str:
    """A cell that starts with ``%`` is written as ``# MAGIC`` lines, as Databricks does."""
    if not source.startswith("%"):
        return source
    return "\n".join(f"{MAGIC_PREFIX} {line}".rstrip() for line in source.split("\n"))


def notebook_kind(path: Path, command: str) -> str:
    """``.ipynb`` or ``.py``, or one line saying which files can be read."""
    if path.suffix not in KINDS:
        raise DbxArchitectError(
            f"{command}: {path.name} is not a notebook; give a .ipynb or a .py "
            "(Databricks notebook source)"
        )
    return path.suffix


def expand_text(
    text: str,
    kind: str,
    config: DbxArchitect,
    target: str | None = None,
    lookup: ColumnLookup = no_lookup,
    command: str = "expand-notebook",
) -> Rewritten:
    """Every ``%%magic`` cell of notebook *text* replaced by its expansion."""
    done = rewrite(text, kind, lambda source: expand_cell(source, config, target, lookup), command)
    if not done.changed:
        raise DbxArchitectError(
            f"{command}: no %%magic cell to expand (cells starting with "
            f"{' / '.join('%%' + magic for magic in GENERATORS)})"
        )
    return done


def collapse_text(text: str, kind: str, command: str = "collapse") -> Rewritten:
    """Every expanded cell of notebook *text* turned back into its ``%%magic`` cell."""
    done = rewrite(text, kind, collapse_cell, command)
    if not done.changed:
        raise DbxArchitectError(
            f"{command}: no expanded cell to collapse (cells starting with a "
            "'# %%bronze NAME' style header)"
        )
    return done


def output_path(source: Path, output: str | None, in_place: bool, suffix: str) -> Path:
    """Where to write: *output*, the source itself, or ``NAME.<suffix>.py|ipynb`` next to it."""
    if in_place:
        return source
    if output:
        return Path(output)
    return source.with_name(f"{source.stem}.{suffix}{source.suffix}")


def convert_file(
    source: Path,
    target: Path,
    convert: Callable[[str, str], Rewritten],
    command: str,
    force: bool = False,
) -> Rewritten:
    """Read *source*, convert it, then write *target*; on any mistake nothing is written."""
    kind = notebook_kind(source, command)
    if target != source:
        if target.suffix != kind:
            raise DbxArchitectError(
                f"{command}: write the same kind of notebook ({kind}), not {target.name}"
            )
        if target.exists() and not force:
            raise DbxArchitectError(f"{command}: {target} exists; add --force to replace it")
    if not source.is_file():
        raise DbxArchitectError(f"{command}: {source}: no such file")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DbxArchitectError(f"{command}: {source} is not UTF-8 text") from None
    try:
        done = convert(text, kind)
    except DbxArchitectError as err:  # name the file: "command: FILE: cell 3: ..."
        said = str(err).removeprefix(f"{command}: ")
        raise DbxArchitectError(f"{command}: {source}: {said}") from None
    target.write_text(done.text, encoding="utf-8")
    return done
