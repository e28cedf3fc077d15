"""The static layer: the destructive operations a cell would run, found before it runs.

The cell's Python syntax tree is walked in source order. Strings, f-strings and writer chains
assigned earlier in the cell (or held in the user namespace) are followed, so ``mode =
"overwrite"`` or ``sql = f"DROP TABLE {name}"`` are seen where they are used. What cannot be
decided here (``spark.sql(build_query())``) is reported as undecided and left to the runtime
layer, which checks the real call.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .sql import HOLE, SqlParseError, classify, clean_name

WRITER_SINKS = {"save", "saveAsTable", "insertInto", "parquet", "csv", "json", "orc", "text"}
DELTA_ACTIONS = {
    "delete": "delete",
    "vacuum": "vacuum",
    "restoreToVersion": "restore",
    "restoreToTimestamp": "restore",
}
# Paths whose removal loses data; removing a scratch folder is not the guard's business.
DATA_PATH = re.compile(r"^(/Volumes/|/dbfs/|dbfs:/|/mnt/|s3a?://|abfss?://|gs://|wasbs?://)")


@dataclass(frozen=True)
class Operation:
    """One destructive operation: what it does, to which table or path, on which line."""

    kind: str
    target: str | None  # None: only known when the call runs
    line: int
    via: str
    detail: str = ""

    def describe(self) -> str:
        target = self.target or "(decided at run time)"
        extra = f", {self.detail}" if self.detail else ""
        return f"{self.kind} {target} (line {self.line}, {self.via}{extra})"


@dataclass
class Analysis:
    operations: list[Operation] = field(default_factory=list)
    problems: list[str] = field(
        default_factory=list
    )  # SQL that looks destructive but cannot be read

    @property
    def undecided(self) -> list[Operation]:
        return [op for op in self.operations if op.target is None]


@dataclass(frozen=True)
class Link:
    """One step of a call chain: ``.mode("overwrite")`` is Link("mode", <Call>)."""

    name: str
    call: ast.Call | None


def analyze(source: str | ast.Module, namespace: Mapping[str, Any] | None = None) -> Analysis:
    """The destructive operations in *source* (Python, after IPython's magic transforms).

    Raises SyntaxError for code that is not Python: the caller lets Python report it.
    """
    tree = ast.parse(source) if isinstance(source, str) else source
    walker = _Walker(namespace or {})
    walker.block(tree.body)
    return walker.analysis


class _Walker:
    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self.strings: dict[str, str] = {}
        self.chains: dict[str, tuple[str, list[Link]]] = {}  # name -> (root, links)
        self.aliases: dict[str, str] = {}  # local name -> dotted origin ("shutil.rmtree")
        self.analysis = Analysis()
        self.holes = 0

    # --- statements, in source order -------------------------------------------------
    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node)
            return
        bodies = [
            getattr(node, name)
            for name in ("body", "orelse", "finalbody")
            if isinstance(getattr(node, name, None), list)
        ]
        bodies += [h.body for h in getattr(node, "handlers", [])]
        bodies += [c.body for c in getattr(node, "cases", [])]
        # The statement's own expressions (a loop's iterable, an if's test, a call...).
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.excepthandler)):
                continue
            for sub in ast.walk(child):
                if isinstance(sub, ast.Call):
                    self.call(sub)
        for body in bodies:
            self.block(body)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.bind(target, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bind(node.target, node.value)

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if isinstance(node, ast.Import):
                self.aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
            else:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def bind(self, target: ast.expr, value: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            return
        name = target.id
        self.strings.pop(name, None)
        self.chains.pop(name, None)
        self.aliases.pop(name, None)
        text = self.text(value)
        if text is not None:
            self.strings[name] = text
            return
        root, links = self.chain(value)
        if root is not None:
            self.chains[name] = (root, links)

    # --- values ----------------------------------------------------------------------
    def text(self, node: ast.expr | None) -> str | None:
        """The string an expression holds, with unresolved f-string holes as placeholders."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                else:
                    inner = (
                        self.text(value.value) if isinstance(value, ast.FormattedValue) else None
                    )
                    if inner is None:
                        inner = HOLE.format(self.holes)
                        self.holes += 1
                    parts.append(inner)
            return "".join(parts)
        if isinstance(node, ast.Name):
            if node.id in self.strings:
                return self.strings[node.id]
            if node.id in self.chains or node.id in self.aliases:
                return None
            value = self.namespace.get(node.id)
            return value if isinstance(value, str) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.text(node.left), self.text(node.right)
            return left + right if left is not None and right is not None else None
        return None

    def truthy(self, node: ast.expr | None) -> bool | None:
        if isinstance(node, ast.Constant):
            return bool(node.value)
        if isinstance(node, ast.Name) and isinstance(self.namespace.get(node.id), bool):
            return self.namespace[node.id]
        return None

    def chain(self, node: ast.expr) -> tuple[str | None, list[Link]]:
        """``df.write.mode("x").save(p)`` → ("df", [write, mode(...), save(...)])."""
        links: list[Link] = []
        while True:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                links.append(Link(node.func.attr, node))
                node = node.func.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                links.append(Link(node.func.id, node))
                root = node.func.id
                break
            elif isinstance(node, ast.Attribute):
                links.append(Link(node.attr, None))
                node = node.value
            elif isinstance(node, ast.Name):
                links.append(Link(node.id, None))
                root = node.id
                break
            else:
                return None, []
        links.reverse()  # root first
        # Expand names bound earlier in the cell to the chains they hold, and import aliases.
        if root in self.chains:
            expanded_root, expanded = self.chains[root]
        elif root in self.aliases:
            origin = self.aliases[root].split(".")
            expanded_root, expanded = origin[0], [Link(p, None) for p in origin]
        else:
            return root, links
        if links[0].call is not None:  # the name itself is called: rm(path)
            expanded = [*expanded[:-1], Link(expanded[-1].name, links[0].call)]
        return expanded_root, expanded + links[1:]

    # --- calls -----------------------------------------------------------------------
    def call(self, node: ast.Call) -> None:
        root, links = self.chain(node)
        if not links or links[-1].call is not node:
            return
        names = [link.name for link in links]
        sink = names[-1]
        line = node.lineno
        if sink in ("run_line_magic", "run_cell_magic") and node.args:
            magic = self.text(node.args[0])
            if magic == "sql":
                body = node.args[-1] if sink == "run_cell_magic" else node.args[1]
                self.sql(self.text(body), line, "%sql")
            return
        if sink == "sql" and len(names) >= 2 and (node.args or node.keywords):
            query = node.args[0] if node.args else _keyword(node, "sqlQuery")
            self.sql(self.text(query), line, f"{names[-2]}.sql")
            return
        if "writeTo" in names:
            self.writer_v2(links, node, line)
        elif "write" in names and sink in WRITER_SINKS:
            self.writer(links, node, line)
        elif "DeltaTable" in names:
            self.delta(links, node, line)
        elif names[-3:] == ["dbutils", "fs", "rm"] or (
            names[-2:] == ["fs", "rm"] and root == "dbutils"
        ):
            self.remove(node, line, "dbutils.fs.rm", always=True)
        elif names[-2:] == ["shutil", "rmtree"]:
            self.remove(node, line, "shutil.rmtree", always=False)

    def add(self, kind: str, target: str | None, line: int, via: str, detail: str = "") -> None:
        if target is not None:
            target = clean_name(target) if not _is_path(target) else target
        self.analysis.operations.append(Operation(kind, target, line, via, detail))

    def sql(self, text: str | None, line: int, via: str) -> None:
        if text is None:  # built at run time: the runtime layer reads it then
            self.analysis.operations.append(
                Operation("sql", None, line, via, "query built at run time")
            )
            return
        try:
            found = classify(text)
        except SqlParseError as err:
            self.analysis.problems.append(f"line {line}: {err}")
            return
        for op in found:
            self.analysis.operations.append(Operation(op.kind, op.target, line, via, op.detail))

    def writer(self, links: list[Link], node: ast.Call, line: int) -> None:
        sink = links[-1].name
        mode: str | None = "default"
        replace_where = False
        path_option = None
        for link in links:
            if link.call is None:
                continue
            if link.name == "mode" and link.call.args:
                mode = self.text(link.call.args[0])
            elif link.name == "option" and len(link.call.args) >= 2:
                key = (self.text(link.call.args[0]) or "").lower()
                replace_where |= key == "replacewhere"
                if key == "path":
                    path_option = self.text(link.call.args[1])
            elif link.name == "options":
                replace_where |= any(
                    (k.arg or "").lower() == "replacewhere" for k in link.call.keywords
                )
        keyword_mode = _keyword(node, "mode")
        if keyword_mode is not None:
            mode = self.text(keyword_mode)
        if sink == "insertInto":
            flag = _keyword(node, "overwrite")
            if flag is None and len(node.args) >= 2:
                flag = node.args[1]
            # Without overwrite=, insertInto follows the writer's mode.
            by_mode = (mode or "").lower() == "overwrite"
            overwrite = self.truthy(flag) if flag is not None else by_mode
            target_node = node.args[0] if node.args else _keyword(node, "tableName")
            if overwrite or overwrite is None:
                self.add("overwrite", self.text(target_node), line, "DataFrameWriter.insertInto")
            return
        if mode is None:  # a mode the check cannot read: decided when the write runs
            self.add(
                "overwrite", None, line, f"DataFrameWriter.{sink}", "mode only known at run time"
            )
            return
        if mode.lower() != "overwrite":
            return
        if sink == "saveAsTable":
            target_node = node.args[0] if node.args else _keyword(node, "name")
            target = self.text(target_node)
        else:
            target_node = node.args[0] if node.args else _keyword(node, "path")
            target = self.text(target_node) if target_node is not None else path_option
        kind = "backfill" if replace_where else "overwrite"
        self.add(
            kind, target, line, f"DataFrameWriter.{sink}", "replaceWhere" if replace_where else ""
        )

    def writer_v2(self, links: list[Link], node: ast.Call, line: int) -> None:
        sink = links[-1].name
        table_link = next(link for link in links if link.name == "writeTo")
        table = (
            self.text(table_link.call.args[0]) if table_link.call and table_link.call.args else None
        )
        via = f"DataFrameWriterV2.{sink}"
        if sink in ("createOrReplace", "replace"):
            self.add("replace", table, line, via)
        elif sink == "overwritePartitions":
            self.add("overwrite", table, line, via)
        elif sink == "overwrite":
            condition = node.args[0] if node.args else _keyword(node, "condition")
            everything = _is_lit_true(condition)
            self.add(
                "overwrite" if everything else "backfill",
                table,
                line,
                via,
                "" if everything else "rows matching a condition",
            )

    def delta(self, links: list[Link], node: ast.Call, line: int) -> None:
        sink = links[-1].name
        names = [link.name for link in links]
        if sink in DELTA_ACTIONS:
            source = next((link for link in links if link.name in ("forName", "forPath")), None)
            if source is None or source.call is None:
                return
            args = source.call.args
            target_node = (
                args[1]
                if len(args) >= 2
                else _keyword(source.call, "tableOrViewName") or _keyword(source.call, "path")
            )
            detail = ""
            if sink == "delete" and not node.args and not node.keywords:
                detail = "all rows"
            elif sink == "vacuum" and node.args and isinstance(node.args[0], ast.Constant):
                detail = f"retain {node.args[0].value} hours"
            self.add(
                DELTA_ACTIONS[sink], self.text(target_node), line, f"DeltaTable.{sink}", detail
            )
        elif sink == "execute" and ("createOrReplace" in names or "replace" in names):
            named = next((link for link in links if link.name in ("tableName", "location")), None)
            target = (
                self.text(named.call.args[0]) if named and named.call and named.call.args else None
            )
            self.add(
                "replace",
                target,
                line,
                "DeltaTable.createOrReplace"
                if "createOrReplace" in names
                else "DeltaTable.replace",
            )

    def remove(self, node: ast.Call, line: int, via: str, always: bool) -> None:
        target_node = node.args[0] if node.args else _keyword(node, "path") or _keyword(node, "dir")
        path = self.text(target_node)
        if always or (path is not None and DATA_PATH.match(path)):
            self.add("remove files", path, line, via)


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _is_lit_true(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is True
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in ("lit", "expr") and _literal_true(node.args[0])
    return False


def _literal_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and (
        node.value is True or str(node.value).lower() == "true"
    )


def _is_path(target: str) -> bool:
    return "/" in target or ":" in target
