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


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="dbx-architect",
        description="Expand dbx_architect specs into PySpark, Delta and MLflow code.",
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
