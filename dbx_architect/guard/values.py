"""The strings a cell's expressions hold, as far as they can be known before it runs.

Literals, f-strings, ``+`` / ``%`` / ``.format`` / ``str.join``, ``os.path.join`` and
``pathlib.Path`` arithmetic are evaluated; a part that cannot be known (a function's result,
a loop variable over an unknown list) becomes a :data:`HOLE` placeholder, so ``"DROP TABLE " +
name()`` is still a DROP, of a table the guard cannot name. Names resolve to strings assigned
earlier in the cell, then to the user namespace (variables of earlier cells). Nothing here runs
user code: namespace objects are read through their ``__dict__`` only.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
import string
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

from .sql import HOLE

_PREFIX, _SUFFIX = HOLE.split("{}")
HOLES = re.compile(re.escape(_PREFIX) + r"\d+" + re.escape(_SUFFIX))
PATH_CALLS = {"Path", "PurePath", "PurePosixPath", "PosixPath", "UPath"}
STRING_METHODS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "lstrip": str.lstrip,
    "rstrip": str.rstrip,
    "lower": str.lower,
    "upper": str.upper,
    "casefold": str.casefold,
    "title": str.title,
    "as_posix": str,
    "resolve": str,
    "absolute": str,
    "expanduser": str,
    "__str__": str,
}


def has_hole(text: str) -> bool:
    return HOLES.search(text) is not None


def before_hole(text: str) -> str:
    """The known start of *text*: everything before its first placeholder."""
    match = HOLES.search(text)
    return text if match is None else text[: match.start()]


def outside_holes(text: str, change: Callable[[str], str]) -> str:
    """Apply *change* to the known parts of *text*, keeping its placeholders as they are."""
    parts, last = [], 0
    for match in HOLES.finditer(text):
        parts += [change(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*parts, change(text[last:])])


def dotted(node: ast.expr) -> list[str]:
    """``os.path.join`` → ["os", "path", "join"]; [] for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return []
    return [node.id, *reversed(parts)]


class Values:
    """What names hold at the current point of the walk over one cell."""

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self.namespace = namespace
        self.strings: dict[str, str] = {}  # cell variables holding (partly) known strings
        self.containers: dict[str, Any] = {}  # cell variables holding literal dicts / lists
        self.shadowed: set[str] = set()  # cell variables holding something unknown
        self.aliases: dict[str, str] = {}  # import aliases: local name -> dotted origin
        self.holes = 0

    def hole(self) -> str:
        self.holes += 1
        return HOLE.format(self.holes)

    def forget(self, name: str) -> None:
        for table in (self.strings, self.containers, self.aliases):
            table.pop(name, None)
        self.shadowed.add(name)

    def resolve(self, name: str) -> Any:
        """A name's value from the namespace, unless the cell has rebound it."""
        if name in self.shadowed or name in self.strings or name in self.aliases:
            return None
        return self.namespace.get(name)

    # --- strings ---------------------------------------------------------------------
    def text(self, node: ast.expr | None) -> str | None:
        """The string *node* holds, with placeholders for unknown parts; None if all unknown."""
        if node is None:
            return None
        value = self._text(node)
        if value is None or (value and not HOLES.sub("", value)):
            return None
        return value

    def part(self, node: ast.expr | None) -> str:
        """Like :meth:`text`, but a placeholder where nothing is known."""
        value = self._text(node) if node is not None else None
        return self.hole() if value is None else value

    def _text(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value
            return str(node.value) if isinstance(node.value, (int, float)) else None
        if isinstance(node, ast.JoinedStr):
            return "".join(
                str(v.value) if isinstance(v, ast.Constant) else self.part(v.value)
                for v in node.values
                if isinstance(v, (ast.Constant, ast.FormattedValue))
            )
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.NamedExpr):
            return self._text(node.value)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Attribute):
            return _plain_str(_attribute(self.resolve_expr(node.value), node.attr))
        if isinstance(node, ast.IfExp):
            body, orelse = self._text(node.body), self._text(node.orelse)
            return body if body is not None and body == orelse and not has_hole(body) else None
        return None

    def lookup(self, name: str) -> str | None:
        if name in self.strings:
            return self.strings[name]
        return _plain_str(self.resolve(name))

    def _binop(self, node: ast.BinOp) -> str | None:
        left, right = self._text(node.left), self._text(node.right)
        if left is None and right is None:
            return None
        if isinstance(node.op, ast.Add):
            return (left if left is not None else self.hole()) + (
                right if right is not None else self.hole()
            )
        if isinstance(node.op, ast.Div):  # pathlib: Path(a) / "b"
            return posixpath.join(left or self.hole(), right or self.hole())
        if isinstance(node.op, ast.Mod) and left is not None:
            return self._percent(left, node.right)
        return None

    def _percent(self, template: str, right: ast.expr) -> str:
        items = right.elts if isinstance(right, ast.Tuple) else [right]
        values = tuple(self.part(item) for item in items)
        try:
            return template % (values if len(values) != 1 else values[0])
        except (TypeError, ValueError, KeyError):
            return template + self.hole()

    def _call(self, node: ast.Call) -> str | None:
        func = node.func
        names = self.origin(dotted(func)) if isinstance(func, (ast.Name, ast.Attribute)) else []
        if names[-2:] in (["path", "join"], ["posixpath", "join"]) or (
            names and names[-1] in PATH_CALLS
        ):
            if not node.args:
                return None
            return posixpath.join(*(self.part(a) for a in node.args))
        if names in (["str"], ["os", "fspath"], ["os", "path", "normpath"]) and node.args:
            return self._text(node.args[0])
        if names in (["textwrap", "dedent"], ["inspect", "cleandoc"]) and node.args:
            inner = self._text(node.args[0])
            return None if inner is None else outside_holes(inner, textwrap.dedent)
        if not isinstance(func, ast.Attribute):
            return None
        receiver = self._text(func.value)
        if func.attr == "joinpath" and receiver is not None:
            return posixpath.join(receiver, *(self.part(a) for a in node.args))
        if receiver is None:
            return None
        if func.attr == "format":
            return self._format(receiver, node)
        if func.attr == "join" and len(node.args) == 1:
            items = self.sequence(node.args[0])
            return None if items is None else receiver.join(items)
        if func.attr in STRING_METHODS and not node.args:
            return outside_holes(receiver, STRING_METHODS[func.attr])
        if func.attr == "replace" and len(node.args) == 2:
            old, new = self.text(node.args[0]), self.text(node.args[1])
            if old is not None and new is not None and not has_hole(old + new):
                return outside_holes(receiver, lambda s: s.replace(old, new))
        return None

    def _format(self, template: str, node: ast.Call) -> str:
        positional = [self.part(a) for a in node.args]
        keywords = {k.arg: self.part(k.value) for k in node.keywords if k.arg}
        return self.format_fields(template, positional, keywords)

    def format_fields(self, template: str, positional: list[str], keywords: dict) -> str:
        """``str.format`` with *positional* / *keywords*; a missing field becomes a placeholder."""
        out, auto = [], 0
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError:
            return template
        for literal, field, _spec, _conversion in parsed:
            out.append(literal)
            if field is None:
                continue
            key = field.split(".")[0].split("[")[0]
            if key == "":
                value = positional[auto] if auto < len(positional) else None
                auto += 1
            elif key.isdigit():
                value = positional[int(key)] if int(key) < len(positional) else None
            else:
                value = keywords.get(key)
            out.append(value if isinstance(value, str) else self.hole())
        return "".join(out)

    def _subscript(self, node: ast.Subscript) -> str | None:
        container = self.resolve_expr(node.value)
        key = node.slice
        if not isinstance(key, ast.Constant) or container is None:
            return None
        try:
            return _plain_str(container[key.value])
        except (KeyError, IndexError, TypeError):
            return None

    # --- containers and objects ------------------------------------------------------
    def resolve_expr(self, node: ast.expr) -> Any:
        """A literal dict / list in the cell, or a namespace object, that *node* names."""
        if isinstance(node, ast.Name):
            if node.id in self.containers:
                return self.containers[node.id]
            return self.resolve(node.id)
        if isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
            return self.literal(node)
        if isinstance(node, ast.Attribute):
            return _attribute(self.resolve_expr(node.value), node.attr)
        return None

    def literal(self, node: ast.expr) -> Any:
        """A dict or list display with its string values (placeholders where unknown)."""
        if isinstance(node, ast.Dict):
            result: dict[str, Any] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:  # {**other}
                    inner = self.resolve_expr(value)
                    if isinstance(inner, Mapping):
                        result.update(inner)
                    continue
                name = self.text(key)
                if name is not None:
                    result[name] = self._text(value)
            return result
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self._text(e) for e in node.elts]
        return None

    def sequence(self, node: ast.expr) -> list[str] | None:
        """The strings of a list / tuple (a literal, a cell variable or a namespace value)."""
        value = self.resolve_expr(node)
        if isinstance(value, Mapping) or not isinstance(value, (list, tuple, set, frozenset)):
            return None
        items = [item if isinstance(item, str) else None for item in value]
        return [self.hole() if item is None else item for item in items]

    def origin(self, names: list[str]) -> list[str]:
        """Names with an import alias or a namespace module expanded: ``sh.rmtree`` → shutil."""
        if not names:
            return names
        head = names[0]
        if head in self.aliases:
            return self.aliases[head].split(".") + names[1:]
        value = self.resolve(head)
        module = _module_name(value)
        if module is not None:
            return module.split(".") + names[1:]
        qualified = _qualified_name(value)
        if qualified is not None:
            return qualified.split(".") + names[1:]
        return names


def _plain_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        try:
            path = os.fspath(value)
        except TypeError:
            return None
        return path if isinstance(path, str) else None
    return None


def _attribute(owner: Any, name: str) -> Any:
    """``owner.name`` for plain data (a dict entry, an instance ``__dict__``); never a property."""
    if owner is None:
        return None
    if isinstance(owner, Mapping):
        return owner.get(name)
    values = getattr(owner, "__dict__", None)
    if isinstance(values, dict) and not isinstance(owner, type):
        return values.get(name)
    return None


_MODULE_ALIASES = {"posix": "os", "nt": "os", "posixpath": "os.path", "ntpath": "os.path"}


def _module_name(value: Any) -> str | None:
    if type(value).__name__ != "module":
        return None
    name = getattr(value, "__name__", None)
    return _MODULE_ALIASES.get(name, name) if isinstance(name, str) else None


def _qualified_name(value: Any) -> str | None:
    """``shutil.rmtree`` for the function object (or the guard's wrapper of it)."""
    builtin = type(value).__name__ == "builtin_function_or_method"
    if (
        not callable(value)
        or isinstance(value, type)
        or (hasattr(value, "__self__") and not builtin)
    ):
        return None
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str) or "<" in name:
        return None
    if module.split(".")[0] in ("shutil", "os", "posix", "nt", "subprocess", "pathlib"):
        return f"{_MODULE_ALIASES.get(module, module)}.{name}"
    return None
