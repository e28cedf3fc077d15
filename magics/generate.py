"""``%%bronze`` (and the layers after it): expand a YAML spec into code, in place."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..errors import DbxArchitectError
from ..expand import expand
from ..runtime.catalog import ColumnLookup, no_lookup, spark_lookup
from ..settings import TARGETS, DbxArchitect, Settings

PIPELINE = argument(
    "--pipeline",
    action="store_true",
    help="Databricks only: write a Lakeflow declarative pipeline source (@dp.expect rules).",
)


def generator_arguments(
    what: str, *extra: Callable[..., Any]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options every generator magic shares (SPEC section 3), then *extra* ones."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for add in reversed(
            [
                magic_arguments(),
                *extra,
                argument("name", nargs="*", help=what),
                argument("--run", action="store_true", help="Also run the generated code now."),
                argument(
                    "--show",
                    action="store_true",
                    help="Show the generated code without replacing the cell.",
                ),
                argument("--target", choices=TARGETS, help="Render for this target only."),
            ]
        ):
            func = add(func)
        return func

    return decorate


@magics_class
class GenerateMagics(Magics):
    """Cell magics that turn a short YAML spec into PySpark, Delta and MLflow code."""

    def __init__(self, shell: Any, settings: DbxArchitect) -> None:
        super().__init__(shell)
        self.settings = settings

    @generator_arguments("The Bronze table: sales, bronze.sales or main.bronze.sales.")
    @cell_magic
    def bronze(self, line: str, cell: str) -> None:
        """Land files or a table as-is in a governed Bronze Delta table.

        Keys: source, format, options, schema, load, keys, partition_by, cluster_by,
        comment, owner, tags, properties. See SPEC section 4.
        """
        self._expand("bronze", self.bronze, line, cell)

    @generator_arguments("The Silver table: sales, silver.sales or main.silver.sales.", PIPELINE)
    @cell_magic
    def silver(self, line: str, cell: str) -> None:
        """Clean, check, deduplicate and add features to a Bronze table, MERGEd into Silver.

        Keys: from, load, keys, order_by, select, rename, casts, clean, expect, features,
        partition_by, cluster_by, comment, owner, tags, properties. See SPEC section 5.
        """
        self._expand("silver", self.silver, line, cell)

    @generator_arguments(
        "The Gold table: weekly_sales, gold.weekly_sales or main.gold.weekly_sales."
    )
    @cell_magic
    def gold(self, line: str, cell: str) -> None:
        """Join Silver tables, aggregate on a time grain, add features, MERGE into Gold.

        Keys: from, join, group_by, grain, time_col, aggregates, features, keys, kind,
        partition_by, cluster_by, comment, owner, tags, properties. See SPEC section 6.
        """
        self._expand("gold", self.gold, line, cell)

    @generator_arguments("The model's name (registered as it, or as register: says).")
    @cell_magic
    def modelzoo(self, line: str, cell: str) -> None:
        """Compare a baseline and candidate models on one shared split; log, register, promote.

        Keys: table, target, task, features, exclude, time_col, split, cv, models, params,
        metric, engine, sample_rows, experiment, register, alias, promote_if,
        leaderboard_table. See SPEC section 7.
        """
        self._expand("modelzoo", self.modelzoo, line, cell)

    def _check_guard(self, magic: str, code: str) -> None:
        """With %guard on, generated code passes the same check as any cell before it runs."""
        from ..guard.core import block_message

        guard = self.shell.magics_manager.registry.get("GuardMagics")
        if guard is None or not guard.guard.on:
            return
        verdict = guard.guard.judge(code, self.shell.user_ns)
        if verdict.blocked:
            raise UsageError(
                f"%%{magic}: expanded in place, not run: "
                + block_message(verdict, "run the expanded cell with this first line")
            )

    def _lookup(self) -> ColumnLookup:
        spark = self.shell.user_ns.get("spark")
        return spark_lookup(spark) if spark is not None else no_lookup

    def _expand(self, magic: str, method: Callable[..., Any], line: str, cell: str) -> None:
        args = parse_argstring(method, line)
        settings = Settings.from_config(self.settings, args.target)
        try:
            variant = "pipeline" if getattr(args, "pipeline", False) else None
            expansion = expand(
                magic, " ".join(args.name), line, cell, settings, self._lookup(), variant
            )
        except DbxArchitectError as err:
            raise UsageError(str(err)) from None
        run_now = (args.run or settings.run_after_expand) and not getattr(args, "pipeline", False)
        if args.run and getattr(args, "pipeline", False):
            raise UsageError(
                "--run: a Lakeflow pipeline source runs in a pipeline, not in the notebook; "
                "drop --run (or --pipeline)"
            )
        if run_now and not args.show and "spark" not in self.shell.user_ns:
            raise UsageError(
                "--run needs a SparkSession named spark: run %dbx_spark first "
                "(on Databricks, spark is already there)"
            )
        if args.show:
            from IPython.display import Code, display

            display(Code(expansion.cell, language="python"))
            return
        self.shell.set_next_input(expansion.cell, replace=True)
        if os.environ.get("DATABRICKS_RUNTIME_VERSION"):
            print(expansion.cell)  # Databricks notebooks do not apply set_next_input
        if run_now:
            self._check_guard(magic, expansion.code)
            filename = f"<%%{magic} {' '.join(args.name)}>"
            exec(compile(expansion.code, filename, "exec"), self.shell.user_ns)  # noqa: S102
