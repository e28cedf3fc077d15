"""``%%guard`` and ``%guard on|off|status|log|allow``: nothing destructive runs unconfirmed.

The static check runs before a cell (an AST transformer while ``%guard on`` holds, or the
``%%guard`` cell magic); the runtime layer stops single calls the static check could not read.
A confirmed cell runs with its targets' Delta versions recorded first, and prints the
``RESTORE TABLE`` line that undoes it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

from IPython.core.error import InputRejected, UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

if TYPE_CHECKING:  # the guard itself is imported on first use, not at %load_ext
    from IPython.core.interactiveshell import InteractiveShell

    from ..guard.core import Guard, Verdict
    from ..guard.detect import Operation
    from ..guard.runtime import RuntimeLayer

USAGE = "%guard on | off | status | log | allow [PATTERN] | disallow PATTERN"
NO_ARGUMENTS = ("on", "off", "status", "log")
CAPTURED = "(shown here because the cell's output was captured or the error was caught)"


class BlockedCell(InputRejected):
    """A cell the guard stopped; IPython shows its message, not our frames."""

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


class GuardTransformer(ast.NodeTransformer):
    """Judges every cell while ``%guard on`` holds; a blocked cell does not run at all."""

    def __init__(self, magics: GuardMagics) -> None:
        self.magics = magics

    def visit(self, node: ast.AST) -> ast.AST:
        if not isinstance(node, ast.Module):
            return node
        from ..guard.core import block_message

        try:
            self.magics.runtime.install()
            verdict = self.magics.state.judge(node, self.magics.shell.user_ns)
        except Exception as err:  # never let IPython unregister us: block instead
            raise InputRejected(
                f"%guard: the guard failed ({type(err).__name__}: {err}), so nothing ran; "
                "%guard off turns it off"
            ) from err
        if verdict.blocked:
            self.magics.offer(ast.unparse(node), verdict)
            error = BlockedCell(
                "%guard: " + block_message(verdict, "make this the cell's first line")
            )
            self.magics.notes.append(error)
            raise error
        return node


@magics_class
class GuardMagics(Magics):
    """The guard of one shell: its state, runtime wrappers and the AST transformer."""

    shell: InteractiveShell  # registered by load_ipython_extension, always on a shell

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.last_result: Any = None  # the ExecutionResult of the last confirmed cell
        self.last_offer: Any = None  # the Confirm button of the last blocked cell
        self.notes: list[BaseException] = []  # what the guard held during this cell
        self.depth = 0  # cells running now (%%capture and %%guard run one inside another)
        shell.events.register("pre_run_cell", self._cell_started)
        shell.events.register("post_run_cell", self._cell_finished)

    # --- the guard's parts, made on first use ---------------------------------------------
    @cached_property
    def state(self) -> Guard:
        """What the guard knows: on or off, the allow list, the receipts."""
        from ..guard.core import Guard

        return Guard()

    @cached_property
    def runtime(self) -> RuntimeLayer:
        from ..guard.runtime import RuntimeLayer

        return RuntimeLayer(self.state, self.shell.user_ns, self.shell)

    @cached_property
    def transformer(self) -> GuardTransformer:
        return GuardTransformer(self)

    @property
    def in_use(self) -> bool:
        """Has anything in this shell used the guard yet? (Nothing to do after a cell if not.)"""
        return "runtime" in self.__dict__

    # --- %guard ----------------------------------------------------------------------
    @line_cell_magic
    def guard(self, line: str, cell: str | None = None) -> None:
        """Check a cell for destructive operations before it runs; confirm them by name.

        %%guard [--confirm NAME[,NAME...]] [--dry-run]
        %guard on | off | status | log | allow [PATTERN] | disallow PATTERN
        """
        if cell is None:
            self._line(line)
        else:
            self._cell(line, cell)

    def _line(self, line: str) -> None:
        from ..guard.core import allow_pattern

        words = line.split()
        command = words[0] if words else "status"
        if command in NO_ARGUMENTS and len(words) > 1:
            raise UsageError(f"%guard {command}: unexpected {' '.join(words[1:])!r}; use {USAGE}")
        if command == "disallow" and len(words) == 1:
            raise UsageError(f"%guard disallow: name the pattern to remove; use {USAGE}")
        if command == "on":
            self.turn_on()
            print("%guard on: every cell is checked before it runs (%guard off to stop)")
        elif command == "off":
            self.turn_off()
            print("%guard off: cells run unchecked")
        elif command == "status":
            allow = ", ".join(self.state.allow) or "nothing"
            print(
                f"%guard is {'on' if self.state.on else 'off'}; allowed without confirmation: "
                f"{allow}; {len(self.state.receipts)} rollback receipt(s) (%guard log)"
            )
        elif command == "log":
            if not self.state.receipts:
                print("No confirmed changes yet.")
            for r in self.state.receipts:
                print(f"{r.taken_at:%Y-%m-%d %H:%M:%S}  {r.kind} {r.target}  ->  {r.rollback}")
        elif command == "allow":
            for pattern in map(allow_pattern, words[1:]):
                if pattern not in self.state.allow:
                    self.state.allow.append(pattern)
            print(f"allowed without confirmation: {', '.join(self.state.allow) or 'nothing'}")
        elif command == "disallow":
            for word in words[1:]:
                if allow_pattern(word) not in self.state.allow:
                    raise UsageError(f"%guard disallow: {word} is not allowed now")
                self.state.allow.remove(allow_pattern(word))
            print(f"allowed without confirmation: {', '.join(self.state.allow) or 'nothing'}")
        else:
            raise UsageError(f"%guard: unknown command {command!r}; use {USAGE}")

    def turn_on(self) -> None:
        self.state.on = True
        self.runtime.install()
        if self.transformer not in self.shell.ast_transformers:
            self.shell.ast_transformers.append(self.transformer)

    def turn_off(self) -> None:
        if not self.in_use:
            return  # never on: nothing to take off
        self.state.on = False
        if self.transformer in self.shell.ast_transformers:
            self.shell.ast_transformers.remove(self.transformer)
        self.runtime.uninstall()

    @contextmanager
    def runtime_layer(self) -> Iterator[None]:
        """The runtime wrappers for one %%guard cell (they stay while %guard on holds)."""
        self.runtime.install()
        try:
            yield
        finally:
            if not self.state.on:
                self.runtime.uninstall()

    # --- what a captured cell would hide ------------------------------------------------
    def _stale(self) -> bool:
        """True (and unsubscribed) for the guard of an extension loaded before this one."""
        if self.shell.magics_manager.registry.get("GuardMagics") is self:
            return False
        for event, handler in (
            ("pre_run_cell", self._cell_started),
            ("post_run_cell", self._cell_finished),
        ):
            if handler in self.shell.events.callbacks[event]:
                self.shell.events.unregister(event, handler)
        return True

    def _cell_started(self, info: Any = None) -> None:
        if self._stale():
            return
        self.depth += 1
        if self.depth == 1:
            self.notes.clear()
            if self.in_use:
                self.runtime.stops.clear()

    def _cell_finished(self, result: Any = None) -> None:
        """After the outermost cell: show what the guard held if the user could not see it
        (``%%capture`` swallows the inner cell's error; ``try/except`` swallows a stop)."""
        if self._stale():
            return
        self.depth = max(0, self.depth - 1)
        if self.depth:
            return
        shown = {id(getattr(result, "error_before_exec", None))}
        shown.add(id(getattr(result, "error_in_exec", None)))
        stops = self.runtime.stops if self.in_use else []
        held = [e for e in dict.fromkeys([*self.notes, *stops]) if id(e) not in shown]
        self.notes.clear()
        stops.clear()
        for error in held:
            print(f"{error}\n{CAPTURED}", file=sys.stderr)

    def _hold(self, message: str) -> UsageError:
        error = UsageError(message)
        self.notes.append(error)
        return error

    # --- %%guard ---------------------------------------------------------------------
    def _cell(self, line: str, cell: str) -> None:
        from ..guard.core import block_message, mismatch

        confirm, dry_run = self._options(line)
        source = self.shell.transform_cell(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            self.shell.run_cell(cell, store_history=False)  # Python reports its own error
            return
        with self.runtime_layer():
            verdict = self.state.judge(tree, self.shell.user_ns)
            if dry_run:
                self._plan(verdict)
                return
            if verdict.analysis.problems or (confirm is None and verdict.blocked):
                if not verdict.analysis.problems:
                    self.offer(cell, verdict)
                raise self._hold("%%guard: " + block_message(verdict, "change the first line to"))
            # Names the check cannot compare (unknown targets, calls decided at run time) are
            # accepted; while the cell runs, the runtime layer lets exactly the names through.
            unseen = bool(verdict.unknown or verdict.analysis.undecided)
            problem = mismatch(confirm or [], verdict.targets, open_ended=unseen)
            if problem:
                raise self._hold(f"%%guard: {problem}")
            self.run_confirmed(cell, verdict, confirm or [])

    def _options(self, line: str) -> tuple[list[str] | None, bool]:
        from ..guard.core import parse_confirm

        words = line.split()
        confirm: list[str] | None = None
        dry_run = False
        index = 0
        while index < len(words):
            word = words[index]
            if word == "--dry-run":
                dry_run = True
            elif word == "--confirm" or word.startswith("--confirm="):
                value = word.partition("=")[2]
                if not value:
                    index += 1
                    if index >= len(words):
                        raise UsageError("%%guard: --confirm needs the names it confirms")
                    value = words[index]
                confirm = (confirm or []) + parse_confirm(value)
            else:
                raise UsageError(
                    f"%%guard: unknown option {word!r}; use %%guard [--confirm NAME[,NAME...]] "
                    "[--dry-run]"
                )
            index += 1
        return confirm, dry_run

    def _plan(self, verdict: Verdict) -> None:
        analysis = verdict.analysis
        if not analysis.operations and not analysis.problems:
            print("%%guard --dry-run: nothing destructive; the cell would run as it is")
            return
        print("%%guard --dry-run: nothing ran. The cell would:")
        for op in verdict.blocking:
            print(f"  - {op.describe()}: needs confirmation")
        for op in verdict.allowed:
            print(f"  - {op.describe()}: allowed (%guard allow)")
        for op in verdict.unknown:
            print(f"  - {op.describe()}: needs confirmation by name, checked when it runs")
        for op in analysis.undecided:
            print(f"  - {op.describe()}: checked when it runs")
        for problem in analysis.problems:
            print(f"  - cannot check {problem}")
        if verdict.targets or verdict.unknown:
            names = [*verdict.targets, *(["NAME[,NAME...]"] if verdict.unknown else [])]
            print(f"Confirm with: %%guard --confirm {','.join(names)}")

    def run_confirmed(self, cell: str, verdict: Verdict, confirm: list[str]) -> Any:
        """Record receipts, run *cell* with *confirm* permitted, then print the rollback lines."""
        from ..guard.receipts import take, vacuum_warnings

        operations = verdict.blocking + verdict.allowed + _named(verdict, confirm)
        spark = self.shell.user_ns.get("spark")
        first_line = cell.strip().splitlines()[0][:80] if cell.strip() else ""
        for warning in vacuum_warnings(self.state, operations):
            print(f"%%guard warning: {warning}")
        receipts = take(spark, operations, first_line) if operations else []
        with self.state.confirming(confirm):
            result = self.shell.run_cell(cell, store_history=False)
        self.last_result = result
        shown = {id(result.error_before_exec), id(result.error_in_exec)}
        self.runtime.stops[:] = [e for e in self.runtime.stops if id(e) not in shown]
        self.notes[:] = [e for e in self.notes if id(e) not in shown]
        if receipts:
            self.state.receipts += receipts
            for receipt in receipts:
                print(f"To undo the {receipt.kind} of {receipt.target}: {receipt.rollback}")
        return result

    def offer(self, cell: str, verdict: Verdict) -> None:
        """In a front end with widgets, a Confirm button that runs the held cell."""
        self.last_offer = None
        if not verdict.targets or verdict.unknown or getattr(self.shell, "kernel", None) is None:
            return
        try:
            import ipywidgets as widgets
            from IPython.display import display
        except ImportError:
            return
        button = widgets.Button(
            description=f"Confirm: {', '.join(verdict.targets)}"[:60],
            button_style="danger",
            tooltip="Run the held cell, changing exactly these targets",
            icon="exclamation-triangle",
        )
        button.add_class("dbx-guard-confirm")
        output = widgets.Output()

        def confirm(_: Any) -> None:
            button.disabled = True
            with output, self.runtime_layer():
                self.run_confirmed(cell, verdict, verdict.targets)

        button.on_click(confirm)
        self.last_offer = button
        box = widgets.VBox([button, output])
        box.add_class("dbx-guard")
        display(box)


def _named(verdict: Verdict, confirm: list[str]) -> list[Operation]:
    """The confirmed names the check could not see (targets of unknown operations)."""
    from ..guard.detect import Operation
    from ..guard.paths import target_key

    if not verdict.unknown and not verdict.deferred:
        return []
    first = (verdict.unknown or verdict.deferred)[0]
    known = {target_key(t) for t in verdict.targets}
    return [
        Operation(first.kind, name, first.line, first.via)
        for name in confirm
        if target_key(name) not in known
    ]
