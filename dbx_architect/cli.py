"""``dbx-architect``: the same expansion as the magics, from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from .errors import DbxArchitectError, one_line
from .expand import GENERATORS, expand
from .settings import TARGETS, DbxArchitect, Settings, find_pyproject, read_pyproject


class _Parser(argparse.ArgumentParser):
    """argparse that says a usage mistake in one line, as every other mistake is said."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("dbx-architect").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"dbx-architect: {where}{message} (see {self.prog} --help)\n")


def _config() -> DbxArchitect:
    """The settings of the nearest pyproject.toml (a bad key is said and skipped)."""
    config = DbxArchitect()
    defaults = read_pyproject(find_pyproject())
    for line in defaults.ignored:
        print(f"dbx-architect: {line}", file=sys.stderr)
    for key, value in defaults.values.items():
        setattr(config, key, value)
    return config


def _settings(target: str | None) -> Settings:
    return Settings.from_config(_config(), target)


def _read_text(name: str, command: str, limit: int | None = None) -> str:
    """The UTF-8 text of file *name* ('-': standard input), or one line saying why not."""
    what = "standard input" if name == "-" else name
    if name == "-":
        data = sys.stdin.buffer.read(-1 if limit is None else limit + 1)
    else:
        path = Path(name)
        if path.is_dir():
            raise DbxArchitectError(f"{command}: {name} is a folder, not a file")
        if not path.exists():
            raise DbxArchitectError(f"{command}: {name}: no such file")
        with path.open("rb") as stream:
            data = stream.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        size = f"more than {limit:,}" if name == "-" else f"{Path(name).stat().st_size:,}"
        raise DbxArchitectError(
            f"{command}: {what} is {size} bytes; at most {limit:,} bytes "
            f"({limit // 1024} KB) are read"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DbxArchitectError(
            f"{command}: {what} is not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}); "
            "save it as UTF-8"
        ) from None


def _check_folder(folder: Path, command: str, create: bool = False) -> None:
    """Refuse, before anything is written, a folder that is missing or cannot hold files."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing != folder.absolute() and not create:
        raise DbxArchitectError(f"{command}: the folder {folder} does not exist")
    if not existing.is_dir():
        raise DbxArchitectError(f"{command}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DbxArchitectError(f"{command}: cannot write in {existing} (permission denied)")


def _expand(args: argparse.Namespace) -> int:
    from .spec.yaml_body import MAX_BODY_BYTES

    body = _read_text(args.spec, "expand", MAX_BODY_BYTES)
    line = f"{args.name} --target {args.target}" if args.target else args.name
    variant = "pipeline" if args.pipeline else None
    if variant:
        line += " --pipeline"
    expansion = expand(args.magic, args.name, line, body, _settings(args.target), variant=variant)
    sys.stdout.write(expansion.cell)
    return 0


def _jars(args: argparse.Namespace) -> int:
    """Put Delta's jars in the cache now (a local session starts without resolving them)."""
    from .runtime import jars
    from .runtime.spark import start_local_spark

    coordinate = jars.delta_coordinate()
    if not jars.cached_jars(coordinate):
        start_local_spark(args.root, master="local[1]").stop()
    print(f"{coordinate}: {len(jars.cached_jars(coordinate) or [])} jars in {jars.cache_dir()}")
    return 0


def _outline(args: argparse.Namespace) -> int:
    """Requirements YAML → a whole notebook (.ipynb, or Databricks source .py)."""
    from .outline import plan_from_text
    from .outline.notebook import write
    from .spec.yaml_body import MAX_BODY_BYTES

    body = _read_text(args.spec, "outline", MAX_BODY_BYTES)
    plan = plan_from_text(body, _settings(args.target))
    _check_folder(Path(args.output).parent, "outline")
    path = write(plan, Path(args.output), expanded=args.expanded, force=args.force)
    print(f"wrote {path} ({len(plan.stages)} stage cells, {len(plan.tables)} tables)")
    return 0


def _new(args: argparse.Namespace) -> int:
    """A starter requirements file to edit."""
    from .outline.starter import STARTER

    path = Path(args.output)
    if path.is_dir():
        raise DbxArchitectError(f"new: {path} is a folder; name a file, e.g. {path}/demand.yaml")
    if path.exists() and not args.force:
        raise DbxArchitectError(f"new: {path} exists; add --force to replace it")
    _check_folder(path.parent, "new")
    path.write_text(STARTER, encoding="utf-8")
    print(f"wrote {path}; edit it, then: dbx-architect outline {path} -o {path.stem}.ipynb")
    return 0


def _snippets(args: argparse.Namespace) -> int:
    """Write the editor snippets where an editor reads them."""
    from . import snippets

    if not (args.vscode or args.jupyterlab or args.all):
        raise DbxArchitectError("snippets: say where: --vscode DIR, --jupyterlab DIR or --all DIR")
    for folder in (args.all, args.vscode, args.jupyterlab):
        if folder:
            _check_folder(Path(folder), "snippets", create=True)
    made = snippets.generate(args.target or "local")
    if args.all:
        written = snippets.write_all(Path(args.all), args.target or "local")
        print(f"wrote {len(written)} files under {args.all}")
    if args.vscode:
        path = Path(args.vscode) / "dbx_architect.code-snippets"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(snippets.vscode(made), encoding="utf-8")
        print(f"wrote {path} ({len(made)} snippets; type dbx- in a Python file or notebook)")
    if args.jupyterlab:
        folder = Path(args.jupyterlab) / "dbx_architect"
        folder.mkdir(parents=True, exist_ok=True)
        for snippet in made:
            (folder / f"{snippet.key}.py").write_text(
                snippets.plain(snippet.body).rstrip("\n") + "\n", encoding="utf-8"
            )
        print(f"wrote {len(made)} snippets to {folder}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    """Rewrite the generated key tables of docs/; with --check, name the stale pages."""
    from . import docs

    folder = Path(args.folder)
    if not args.check:
        _check_folder(folder, "docs", create=True)
        folder.mkdir(parents=True, exist_ok=True)
        changed = docs.update(folder)
        print(f"{changed} of {len(docs.PAGES) + 1} pages rewritten in {folder}")
        return 0
    if not folder.is_dir():
        raise DbxArchitectError(f"docs: {folder} is not a folder")
    found = docs.stale(folder)
    for path, kind in found:
        print(f"{path} is {kind.value}; run: dbx-architect docs {args.folder}")
    if not found:
        print(f"{len(docs.PAGES) + 1} pages in {folder} are up to date")
    return 1 if found else 0


def _check(args: argparse.Namespace) -> int:
    """Name what would break on Spark Connect; exit 1 when something would."""
    from .connect_check import check_path

    for name in args.paths:  # every file is readable before any is checked
        text = _read_text(name, "check")
        if name.endswith(".ipynb"):
            _check_notebook(name, text)
    errors = 0
    for name in args.paths:
        path = Path(name)
        try:
            found = check_path(path)
        except (SyntaxError, ValueError) as err:
            lineno = getattr(err, "lineno", None)  # a SyntaxError's; a ValueError has none
            where = f", line {lineno}" if lineno else ""
            why = one_line(str(getattr(err, "msg", err)), 100)
            raise DbxArchitectError(f"check: {path} is not valid Python ({why}{where})") from None
        except RecursionError:
            raise DbxArchitectError(f"check: {path} nests too deeply to be checked") from None
        for where, finding in found:
            print(
                f"{finding.format(where)}" + (" (warning)" if finding.severity == "warning" else "")
            )
            errors += finding.severity == "error"
    print(f"{errors} Spark Connect problem(s) in {len(args.paths)} file(s)")
    return 1 if errors else 0


def _check_notebook(name: str, text: str) -> None:
    """A notebook is JSON: an object whose cells are objects with text sources."""
    try:
        data = json.loads(text)
    except ValueError as err:  # json.JSONDecodeError, or a number too long to read
        if isinstance(err, json.JSONDecodeError):
            detail = f"{err.msg}, line {err.lineno}"
        else:
            detail = one_line(str(err), 80)
        raise DbxArchitectError(
            f"check: {name} is not a notebook (invalid JSON: {detail})"
        ) from None
    except RecursionError:
        raise DbxArchitectError(f"check: {name} nests too deeply to be a notebook") from None
    cells = data.get("cells", []) if isinstance(data, dict) else None
    if not isinstance(cells, list) or not all(_is_cell(cell) for cell in cells):
        raise DbxArchitectError(
            f"check: {name} is not a notebook (no list of cells with text sources)"
        )


def _is_cell(cell: object) -> bool:
    if not isinstance(cell, dict):
        return False
    source = cell.get("source", "")
    return isinstance(source, str) or (
        isinstance(source, list) and all(isinstance(part, str) for part in source)
    )


def _expand_notebook(args: argparse.Namespace) -> int:
    """Every %%magic cell of a notebook file replaced by its expansion."""
    from .notebook_expand import convert_file, expand_text, output_path

    source = Path(args.notebook)
    target = output_path(source, args.output, args.in_place, "expanded")
    config = _config()
    done = convert_file(
        source,
        target,
        lambda text, kind: expand_text(text, kind, config, args.target),
        "expand-notebook",
        force=args.force,
    )
    print(f"wrote {target} ({done.changed} cells expanded)")
    return 0


def _collapse(args: argparse.Namespace) -> int:
    """Every expanded cell of a notebook file turned back into its %%magic cell."""
    from .notebook_expand import collapse_text, convert_file, output_path

    source = Path(args.notebook)
    target = output_path(source, args.output, args.in_place, "collapsed")
    done = convert_file(source, target, collapse_text, "collapse", force=args.force)
    print(f"wrote {target} ({done.changed} cells collapsed)")
    return 0


Commands = Any  # argparse's private _SubParsersAction


def _expand_command(commands: Commands) -> None:
    cmd = commands.add_parser(
        "expand",
        help="Print the code a magic cell expands to.",
        description=(
            "Print the code a magic cell expands to, e.g. "
            "dbx-architect expand bronze sales spec.yaml --target databricks"
        ),
    )
    cmd.add_argument("magic", choices=sorted(GENERATORS), help="Which magic.")
    cmd.add_argument("name", help="The table (or model) name of the magic line.")
    cmd.add_argument("spec", help="The YAML body, as a file ('-' reads standard input).")
    cmd.add_argument("--target", choices=TARGETS, help="Default: auto-detected.")
    cmd.add_argument(
        "--pipeline",
        action="store_true",
        help="silver only: a Lakeflow declarative pipeline source (with --target databricks).",
    )
    cmd.set_defaults(run=_expand)


def _outline_commands(commands: Commands) -> None:
    cmd = commands.add_parser(
        "outline",
        help="Write a whole notebook from a requirements file.",
        description=(
            "Write a governed notebook (requirements, Unity Catalog layout, Bronze, Silver, Gold, "
            "model zoo, evaluation, registry, operations, checklist) from a requirements file, "
            "e.g. dbx-architect outline demand.yaml -o demand.ipynb"
        ),
    )
    cmd.add_argument("spec", help="The requirements YAML ('-' reads standard input).")
    cmd.add_argument(
        "-o", "--output", required=True, help="NAME.ipynb, or NAME.py for Databricks source."
    )
    cmd.add_argument(
        "--expanded", action="store_true", help="Write the generated code, not %%magic cells."
    )
    cmd.add_argument("--force", action="store_true", help="Replace an existing file.")
    cmd.add_argument("--target", choices=TARGETS, help="Default: auto-detected.")
    cmd.set_defaults(run=_outline)
    new = commands.add_parser("new", help="Write a starter requirements file.")
    new.add_argument("output", nargs="?", default="requirements.yaml", help="Where to write it.")
    new.add_argument("--force", action="store_true", help="Replace an existing file.")
    new.set_defaults(run=_new)


def _notebook_arguments(cmd: argparse.ArgumentParser, what: str) -> None:
    cmd.add_argument("notebook", help="NAME.ipynb, or NAME.py (Databricks notebook source).")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", help=f"Where to write (default: NAME.{what}.ipynb|py).")
    where.add_argument("--in-place", action="store_true", help="Overwrite the notebook itself.")
    cmd.add_argument("--force", action="store_true", help="Replace an existing output file.")


def _notebook_commands(commands: Commands) -> None:
    cmd = commands.add_parser(
        "expand-notebook",
        help="Replace every magic cell of a notebook (.ipynb, .py) by its expansion.",
        description=(
            "Replace every %%bronze ... %%monitor cell of a notebook (.ipynb, or Databricks "
            "source .py) by the code it expands to; other cells stay as they are. Each expanded "
            "cell keeps its spec in its header, so collapse turns it back, e.g. "
            "dbx-architect expand-notebook demand.py --target databricks"
        ),
    )
    _notebook_arguments(cmd, "expanded")
    cmd.add_argument("--target", choices=TARGETS, help="Default: auto-detected; a cell's wins.")
    cmd.set_defaults(run=_expand_notebook)
    collapse = commands.add_parser(
        "collapse",
        help="Turn the expanded cells of a notebook back into magic cells.",
        description=(
            "Turn every expanded cell (one starting with a '# %%bronze NAME' header and its "
            "spec) back into the %%magic cell it came from, e.g. "
            "dbx-architect collapse demand.expanded.py"
        ),
    )
    _notebook_arguments(collapse, "collapsed")
    collapse.set_defaults(run=_collapse)


def _snippets_command(commands: Commands) -> None:
    cmd = commands.add_parser(
        "snippets",
        help="Install editor snippets (VS Code, JupyterLab) made from the same templates.",
        description=(
            "Install editor snippets: --vscode ~/.config/Code/User/snippets, "
            '--jupyterlab "$(jupyter --data-dir)/snippets", or --all DIR for both layouts.'
        ),
    )
    cmd.add_argument("--vscode", metavar="DIR", help="VS Code's user snippets folder.")
    cmd.add_argument("--jupyterlab", metavar="DIR", help="A JupyterLab snippets folder.")
    cmd.add_argument("--all", metavar="DIR", help="Both layouts under DIR (the repo's).")
    cmd.add_argument("--target", choices=TARGETS, help="Code for this target (local).")
    cmd.set_defaults(run=_snippets)


def _check_command(commands: Commands) -> None:
    cmd = commands.add_parser(
        "check",
        help="Find what breaks on Spark Connect (serverless, Databricks Connect) in files.",
        description=(
            "Find SparkContext, RDD and JVM uses that Spark Connect (serverless compute, "
            "Standard access mode, Databricks Connect) does not have, with the line and the "
            "Connect-safe replacement, e.g. dbx-architect check etl.py model.ipynb"
        ),
    )
    cmd.add_argument("paths", nargs="+", help=".py files or .ipynb notebooks.")
    cmd.set_defaults(run=_check)


def _maintenance_commands(commands: Commands) -> None:
    docs = commands.add_parser(
        "docs",
        help="Write the key tables of the docs/ pages from the spec models.",
        description=(
            "Rewrite the generated key tables (between the keys markers) of every page in DIR "
            "from the spec models; --check changes nothing and exits 1 naming each page that "
            "is missing or out of date, e.g. dbx-architect docs --check docs"
        ),
    )
    docs.add_argument("folder", metavar="DIR", help="The docs folder (the repo's docs).")
    docs.add_argument(
        "--check", action="store_true", help="Change nothing; exit 1 if a page is out of date."
    )
    docs.set_defaults(run=_docs)
    jars = commands.add_parser(
        "jars", help="Fetch and cache Delta Lake's jars for the local runtime."
    )
    jars.add_argument("--root", default=".dbx_architect", help="Local runtime folder.")
    jars.set_defaults(run=_jars)


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="dbx-architect",
        description=(
            "Expand dbx_architect specs into PySpark, Delta and MLflow code, or write a whole "
            "notebook from requirements."
        ),
    )
    commands = top.add_subparsers(dest="command", required=True)
    for add in (
        _expand_command,
        _outline_commands,
        _notebook_commands,
        _snippets_command,
        _check_command,
        _maintenance_commands,
    ):
        add(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except DbxArchitectError as err:
        print(f"dbx-architect: {err}", file=sys.stderr)
    except OSError as err:  # a file that went away or a disk that is full, while writing
        what = f"{err.filename}: {err.strerror}" if err.filename else one_line(str(err))
        print(f"dbx-architect: {args.command}: {what}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
