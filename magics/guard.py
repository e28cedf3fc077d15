"""``%%guard`` and ``%guard on|off|status|log|allow``: nothing destructive runs unconfirmed.

The static check runs before a cell (an AST transformer while ``%guard on`` holds, or the
``%%guard`` cell magic); the runtime layer stops single calls the static check could not read.
A confirmed cell runs with its targets' Delta versions recorded first, and prints the
``RESTORE TABLE`` line that undoes it.
"""

from __future__ import annotations

import ast
from typing import Any

from IPython.core.error import InputRejected, UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..guard.core import Guard, Verdict, block_message, mismatch, parse_confirm
from ..guard.runtime import RuntimeLayer

USAGE = "%guard on | off | status | log | allow [PATTERN] | disallow PATTERN"


class GuardTransformer(ast.NodeTransformer):
    """Judges every cell while ``%guard on`` holds; a blocked cell does not run at all."""

    def __init__(self, magics: GuardMagics) -> None:
        self.magics = magics

    def visit(self, node: ast.AST) -> ast.AST:
        if not isinstance(node, ast.Module):
            return node
        try:
            self.magics.runtime.install()
            verdict = self.magics.guard.judge(node, self.magics.shell.user_ns)
        except Exception as err:  # never let IPython unregister us: block instead
            raise InputRejected(
                f"%guard: the guard failed ({type(err).__name__}: {err}), so nothing ran; "
                "%guard off turns it off"
            ) from err
        if verdict.blocked:
            self.magics.offer(ast.unparse(node), verdict)
            raise InputRejected(
                "%guard: " + block_message(verdict, "make this the cell's first line")
            )
        return node


@magics_class
class GuardMagics(Magics):
    """The guard of one shell: its state, runtime wrappers and the AST transformer."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.guard = Guard()
        self.runtime = RuntimeLayer(self.guard, shell.user_ns)
        self.transformer = GuardTransformer(self)
        self.last_result: Any = None  # the ExecutionResult of the last confirmed cell
        self.last_offer: Any = None  # the Confirm button of the last blocked cell

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
        words = line.split()
        command = words[0] if words else "status"
        if command == "on":
            self.turn_on()
            print("%guard on: every cell is checked before it runs (%guard off to stop)")
        elif command == "off":
            self.turn_off()
            print("%guard off: cells run unchecked")
        elif command == "status":
            allow = ", ".join(self.guard.allow) or "nothing"
            print(
                f"%guard is {'on' if self.guard.on else 'off'}; allowed without confirmation: "
                f"{allow}; {len(self.guard.receipts)} rollback receipt(s) (%guard log)"
            )
        elif command == "log":
            if not self.guard.receipts:
                print("No confirmed changes yet.")
            for r in self.guard.receipts:
                print(f"{r.taken_at:%Y-%m-%d %H:%M:%S}  {r.kind} {r.target}  ->  {r.rollback}")
        elif command == "allow":
            for pattern in words[1:]:
                if pattern.lower() not in self.guard.allow:
                    self.guard.allow.append(pattern.lower())
            print(f"allowed without confirmation: {', '.join(self.guard.allow) or 'nothing'}")
        elif command == "disallow":
            for pattern in words[1:]:
                if pattern.lower() not in self.guard.allow:
                    raise UsageError(f"%guard disallow: {pattern} is not allowed now")
                self.guard.allow.remove(pattern.lower())
            print(f"allowed without confirmation: {', '.join(self.guard.allow) or 'nothing'}")
        else:
            raise UsageError(f"%guard: unknown command {command!r}; use {USAGE}")

    def turn_on(self) -> None:
        self.guard.on = True
        self.runtime.install()
        if self.transformer not in self.shell.ast_transformers:
            self.shell.ast_transformers.append(self.transformer)

    def turn_off(self) -> None:
        self.guard.on = False
        if self.transformer in self.shell.ast_transformers:
            self.shell.ast_transformers.remove(self.transformer)
        self.runtime.uninstall()

    # --- %%guard ---------------------------------------------------------------------
    def _cell(self, line: str, cell: str) -> None:
        confirm, dry_run = self._options(line)
        source = self.shell.transform_cell(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            self.shell.run_cell(cell, store_history=False)  # Python reports its own error
            return
        self.runtime.install()
        verdict = self.guard.judge(tree, self.shell.user_ns)
        if dry_run:
            self._plan(verdict)
            return
        if verdict.analysis.problems:
            raise UsageError("%%guard: " + block_message(verdict, "change the first line to"))
        if confirm is None:
            if verdict.blocked:
                self.offer(cell, verdict)
                raise UsageError("%%guard: " + block_message(verdict, "change the first line to"))
            self.run_confirmed(cell, verdict, [])
            return
        problem = mismatch(confirm, verdict.targets)
        if problem:
            raise UsageError(f"%%guard: {problem}")
        self.run_confirmed(cell, verdict, confirm)

    def _options(self, line: str) -> tuple[list[str] | None, bool]:
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
        for op in analysis.undecided:
            print(f"  - {op.describe()}: checked when it runs")
        for problem in analysis.problems:
            print(f"  - cannot check {problem}")
        if verdict.targets:
            print(f"Confirm with: %%guard --confirm {','.join(verdict.targets)}")

    def run_confirmed(self, cell: str, verdict: Verdict, confirm: list[str]) -> Any:
        """Record receipts, run *cell* with *confirm* permitted, then print the rollback lines."""
        from ..guard.receipts import take, vacuum_warnings

        operations = verdict.blocking + verdict.allowed
        spark = self.shell.user_ns.get("spark")
        first_line = cell.strip().splitlines()[0][:80] if cell.strip() else ""
        for warning in vacuum_warnings(self.guard, operations):
            print(f"%%guard warning: {warning}")
        receipts = take(spark, operations, first_line) if operations else []
        with self.guard.confirming(confirm):
            result = self.shell.run_cell(cell, store_history=False)
        self.last_result = result
        if receipts:
            self.guard.receipts += receipts
            for receipt in receipts:
                print(f"To undo the {receipt.kind} of {receipt.target}: {receipt.rollback}")
        return result

    def offer(self, cell: str, verdict: Verdict) -> None:
        """In a front end with widgets, a Confirm button that runs the held cell."""
        self.last_offer = None
        if not verdict.targets or getattr(self.shell, "kernel", None) is None:
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
            with output:
                self.run_confirmed(cell, verdict, verdict.targets)

        button.on_click(confirm)
        self.last_offer = button
        box = widgets.VBox([button, output])
        box.add_class("dbx-guard")
        display(box)
