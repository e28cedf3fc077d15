"""``%%bronze`` (and the layers after it): expand a YAML spec into code, in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import DbxArchitectError
from ..expand import GENERATORS, expand
from ..runtime.catalog import ColumnLookup, no_lookup, spark_lookup
from ..settings import TARGETS, DbxArchitect, Settings
from .arguments import parse_line
from .copy_output import cells_replaceable, show_copy

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

FORMS = tuple(GENERATORS)  # every generator magic has a form
# The magic-line option of each template variant a descriptor names.
VARIANT_OPTIONS = {
    "pipeline": argument(
        "--pipeline",
        action="store_true",
        help="Databricks only: write a Lakeflow declarative pipeline source (@dp.expect rules).",
    ),
}


def generator_arguments(what: str, *extra: Decorator) -> Decorator:
    """The options every generator magic shares, then *extra* ones."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        decorators: list[Decorator] = [
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
            argument(
                "--form",
                action="store_true",
                help="Show a form filled from the live catalog; after Use, run again.",
            ),
        ]
        for add in reversed(decorators):
            func = add(func)
        return func

    return decorate


class GenerateMagics(Magics):
    """Cell magics that turn a short YAML spec into PySpark, Delta and MLflow code."""

    shell: InteractiveShell  # registered by load_ipython_extension, always on a shell

    def __init__(self, shell: Any, settings: DbxArchitect) -> None:
        super().__init__(shell)
        self.settings = settings
        self.pending: dict[str, tuple[str, str]] = {}  # magic -> (name, YAML) chosen in a form
        self.last_form: Any = None

    @line_magic
    def dbx_form(self, line: str) -> None:
        """Show the form of a generator magic: %dbx_form bronze|silver|gold|modelzoo [NAME].

        After "Use", run the cell again: it is replaced by the generated code.
        """
        words = line.split()
        if not words or words[0] not in FORMS:
            raise UsageError(f"%dbx_form: name the magic: %dbx_form {' | '.join(FORMS)} [NAME]")
        self._form(words[0], " ".join(words[1:]), "", None)

    def _form(self, magic: str, name: str, cell: str, target: str | None) -> None:
        """Expand what a form stored, or else show the form (prefilled from *cell*)."""
        settings = Settings.from_config(self.settings, target)
        if magic in self.pending:
            name, body = self.pending.pop(magic)
            try:
                expansion = expand(magic, name, name, body, settings, self._lookup())
            except DbxArchitectError as err:
                raise UsageError(str(err)) from None
            self._insert(expansion.cell, run_now=False)
            return
        from IPython.display import display

        from ..runtime.catalog import CatalogBrowser, SparkCatalog
        from ..spec.yaml_body import load_body
        from ..widgets.form import SpecForm

        spark = self.shell.user_ns.get("spark")
        catalog = SparkCatalog(spark) if spark is not None else CatalogBrowser()
        try:
            initial = load_body(cell) if cell.strip() else {}
        except DbxArchitectError as err:
            raise UsageError(f"%%{magic}: {err}") from None

        def store(chosen: str, body: str) -> str:
            self.pending[magic] = (chosen, body)
            return f"Stored %%{magic} {chosen}: run this cell again to expand it in place."

        self.last_form = SpecForm(magic, catalog, settings, store, name=name, initial=initial)
        display(self.last_form.widget)

    def _check_connect(self, magic: str, code: str, settings: Any) -> None:
        """On Spark Connect or serverless, the expansion must pass ``dbx-architect check``."""
        from ..runtime.spark import is_connect

        serverless = settings.compute == "serverless"
        if not serverless and not is_connect(self.shell.user_ns.get("spark")):
            return
        from ..connect_check import check_source

        found = [f for f in check_source(code) if f.severity == "error" or serverless]
        if found:
            where = "serverless compute" if serverless else "Spark Connect"
            raise UsageError(
                f"%%{magic}: the expansion would not run on {where} (line {found[0].line}: "
                f"{found[0].what}); please report it"
            )

    def _check_guard(self, magic: str, code: str) -> None:
        """With %guard on, generated code passes the same check as any cell before it runs."""
        from ..guard.core import block_message

        guard = self.shell.magics_manager.registry.get("GuardMagics")
        if guard is None or not guard.in_use or not guard.state.on:
            return
        verdict = guard.state.judge(code, self.shell.user_ns)
        if verdict.blocked:
            raise UsageError(
                f"%%{magic}: expanded in place, not run: "
                + block_message(verdict, "run the expanded cell with this first line")
            )

    def _insert(self, cell: str, run_now: bool) -> None:
        """Replace the cell; where the front end cannot (Databricks, Colab), show a copy block."""
        self.shell.set_next_input(cell, replace=True)
        if not cells_replaceable():
            show_copy(self.shell.user_ns, cell, run=run_now)

    def _lookup(self) -> ColumnLookup:
        spark = self.shell.user_ns.get("spark")
        return spark_lookup(spark) if spark is not None else no_lookup

    def _expand(self, magic: str, line: str, cell: str | None) -> None:
        args = parse_line(getattr(self, magic), line, f"%%{magic}")
        if args.form:  # %bronze --form (one line) or %%bronze NAME --form + a body to start from
            self._form(magic, " ".join(args.name), cell or "", args.target)
            return
        if cell is None:
            raise UsageError(
                f"%{magic}: the spec goes in a cell (%%{magic} NAME, then YAML lines), "
                f"or use %{magic} --form"
            )
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
        self._check_connect(magic, expansion.code, settings)
        if args.show:
            from IPython.display import Code, display

            display(Code(expansion.cell, language="python"))
            return
        self._insert(expansion.cell, run_now)
        if run_now:
            self._check_guard(magic, expansion.code)
            filename = f"<%%{magic} {' '.join(args.name)}>"
            exec(compile(expansion.code, filename, "exec"), self.shell.user_ns)  # noqa: S102


def _generator_magic(magic: str) -> Callable[..., Any]:
    """The ``%%magic`` method of one descriptor: its help, its options, the shared expansion."""
    generator = GENERATORS[magic]

    def method(self: GenerateMagics, line: str, cell: str | None = None) -> None:
        self._expand(magic, line, cell)

    method.__name__ = method.__qualname__ = magic
    method.__doc__ = generator.help(magic)
    extra = [VARIANT_OPTIONS[name] for name, _ in generator.variants]
    return generator_arguments(generator.name_help, *extra)(line_cell_magic(method))


for _magic in GENERATORS:
    setattr(GenerateMagics, _magic, _generator_magic(_magic))
magics_class(GenerateMagics)  # collects the magics above; it returns the same class
