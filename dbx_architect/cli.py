"""``dbx-architect``: the same expansion as the magics, from a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DbxArchitectError
from .expand import GENERATORS, expand
from .settings import TARGETS, DbxArchitect, Settings, find_pyproject, pyproject_defaults


def _settings(target: str | None) -> Settings:
    config = DbxArchitect()
    for key, value in pyproject_defaults(find_pyproject()).items():
        setattr(config, key, value)
    return Settings.from_config(config, target)


def _expand(args: argparse.Namespace) -> int:
    body = sys.stdin.read() if args.spec == "-" else Path(args.spec).read_text(encoding="utf-8")
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

    body = sys.stdin.read() if args.spec == "-" else Path(args.spec).read_text(encoding="utf-8")
    plan = plan_from_text(body, _settings(args.target))
    path = write(plan, Path(args.output), expanded=args.expanded, force=args.force)
    print(f"wrote {path} ({len(plan.stages)} stage cells, {len(plan.tables)} tables)")
    return 0


def _new(args: argparse.Namespace) -> int:
    """A starter requirements file to edit."""
    from .outline.starter import STARTER

    path = Path(args.output)
    if path.exists() and not args.force:
        raise DbxArchitectError(f"new: {path} exists; add --force to replace it")
    path.write_text(STARTER, encoding="utf-8")
    print(f"wrote {path}; edit it, then: dbx-architect outline {path} -o {path.stem}.ipynb")
    return 0


def _snippets(args: argparse.Namespace) -> int:
    """Write the editor snippets where an editor reads them."""
    from . import snippets

    if not (args.vscode or args.jupyterlab or args.all):
        raise DbxArchitectError("snippets: say where: --vscode DIR, --jupyterlab DIR or --all DIR")
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


def _check(args: argparse.Namespace) -> int:
    """Name what would break on Spark Connect; exit 1 when something would."""
    from .connect_check import check_path

    errors = 0
    for name in args.paths:
        path = Path(name)
        try:
            found = check_path(path)
        except SyntaxError as err:
            raise DbxArchitectError(
                f"check: {path} is not valid Python ({err.msg}, line {err.lineno})"
            ) from None
        for where, finding in found:
            print(
                f"{finding.format(where)}" + (" (warning)" if finding.severity == "warning" else "")
            )
            errors += finding.severity == "error"
    print(f"{errors} Spark Connect problem(s) in {len(args.paths)} file(s)")
    return 1 if errors else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="dbx-architect",
        description=(
            "Expand dbx_architect specs into PySpark, Delta and MLflow code, or write a whole "
            "notebook from requirements."
        ),
    )
    commands = top.add_subparsers(dest="command", required=True)
    expand_cmd = commands.add_parser(
        "expand",
        help="Print the code a magic cell expands to.",
        description=(
            "Print the code a magic cell expands to, e.g. "
            "dbx-architect expand bronze sales spec.yaml --target databricks"
        ),
    )
    expand_cmd.add_argument("magic", choices=sorted(GENERATORS), help="Which magic.")
    expand_cmd.add_argument("name", help="The table (or model) name of the magic line.")
    expand_cmd.add_argument("spec", help="The YAML body, as a file ('-' reads standard input).")
    expand_cmd.add_argument("--target", choices=TARGETS, help="Default: auto-detected.")
    expand_cmd.add_argument(
        "--pipeline",
        action="store_true",
        help="silver only: a Lakeflow declarative pipeline source (with --target databricks).",
    )
    expand_cmd.set_defaults(run=_expand)
    outline_cmd = commands.add_parser(
        "outline",
        help="Write a whole notebook from a requirements file.",
        description=(
            "Write a governed notebook (requirements, Unity Catalog layout, Bronze, Silver, Gold, "
            "model zoo, evaluation, registry, operations, checklist) from a requirements file, "
            "e.g. dbx-architect outline demand.yaml -o demand.ipynb"
        ),
    )
    outline_cmd.add_argument("spec", help="The requirements YAML ('-' reads standard input).")
    outline_cmd.add_argument(
        "-o", "--output", required=True, help="NAME.ipynb, or NAME.py for Databricks source."
    )
    outline_cmd.add_argument(
        "--expanded", action="store_true", help="Write the generated code, not %%magic cells."
    )
    outline_cmd.add_argument("--force", action="store_true", help="Replace an existing file.")
    outline_cmd.add_argument("--target", choices=TARGETS, help="Default: auto-detected.")
    outline_cmd.set_defaults(run=_outline)
    new_cmd = commands.add_parser("new", help="Write a starter requirements file.")
    new_cmd.add_argument(
        "output", nargs="?", default="requirements.yaml", help="Where to write it."
    )
    new_cmd.add_argument("--force", action="store_true", help="Replace an existing file.")
    new_cmd.set_defaults(run=_new)
    snippets_cmd = commands.add_parser(
        "snippets",
        help="Install editor snippets (VS Code, JupyterLab) made from the same templates.",
        description=(
            "Install editor snippets: --vscode ~/.config/Code/User/snippets, "
            '--jupyterlab "$(jupyter --data-dir)/snippets", or --all DIR for both layouts.'
        ),
    )
    snippets_cmd.add_argument("--vscode", metavar="DIR", help="VS Code's user snippets folder.")
    snippets_cmd.add_argument("--jupyterlab", metavar="DIR", help="A JupyterLab snippets folder.")
    snippets_cmd.add_argument("--all", metavar="DIR", help="Both layouts under DIR (the repo's).")
    snippets_cmd.add_argument("--target", choices=TARGETS, help="Code for this target (local).")
    snippets_cmd.set_defaults(run=_snippets)
    check_cmd = commands.add_parser(
        "check",
        help="Find what breaks on Spark Connect (serverless, Databricks Connect) in files.",
        description=(
            "Find SparkContext, RDD and JVM uses that Spark Connect (serverless compute, "
            "Standard access mode, Databricks Connect) does not have, with the line and the "
            "Connect-safe replacement, e.g. dbx-architect check etl.py model.ipynb"
        ),
    )
    check_cmd.add_argument("paths", nargs="+", help=".py files or .ipynb notebooks.")
    check_cmd.set_defaults(run=_check)
    jars_cmd = commands.add_parser(
        "jars", help="Fetch and cache Delta Lake's jars for the local runtime."
    )
    jars_cmd.add_argument("--root", default=".dbx_architect", help="Local runtime folder.")
    jars_cmd.set_defaults(run=_jars)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (DbxArchitectError, OSError) as err:
        print(f"dbx-architect: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
