"""Read a magic's YAML body into a plain mapping, with messages a person can act on.

A body is capped before anything else reads it: its size, how deeply it nests and how many
values it holds once YAML aliases are expanded (an alias "bomb" of 9 anchors of 9 aliases is
a few hundred bytes that stand for 387 million values). Every refusal is one line.
"""

from __future__ import annotations

import re
import sys
import textwrap
import unicodedata
from typing import Any

import yaml

from ..errors import DbxArchitectError, SpecError, one_line, short

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 20  # nesting levels of lists and mappings, the body's own mapping included
MAX_VALUES = 4_000  # values (scalars, lists, mappings) once aliases are expanded

# What YAML itself refuses to hold (its Reader's NON_PRINTABLE set): control characters other
# than tab and line breaks, surrogates, U+FFFE and U+FFFF.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_text(text: str, what: str = "the YAML body") -> None:
    """Refuse *text* that is too big or holds a character YAML does not allow, in one line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        raise SpecError(
            f"{what} is {size:,} bytes; at most {MAX_BODY_BYTES:,} bytes "
            f"({MAX_BODY_BYTES // 1024} KB) are read"
        )
    bad = _NOT_YAML.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        code = ord(bad.group())
        kind = "a control character" if unicodedata.category(bad.group()) == "Cc" else "a character"
        raise SpecError(
            f"{what} has {kind} (U+{code:04X}) at line {line}, column {column} that YAML does "
            "not allow; remove it (tabs and line breaks are fine)"
        )


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that caps nesting and expanded size, and refuses a key given twice.

    While composing, the values read so far are counted, an alias counting as all the values
    of its anchor (known, since an alias stands for a complete node): a bomb is refused after
    reading a few lines. Nesting is refused before PyYAML's recursive composer runs out of
    stack, and an alias counts with the levels of its anchor too.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.open_levels = 0  # lists and mappings being composed around the current node
        self.values = 0  # values composed so far, aliases expanded
        self.shapes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, nesting levels)

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803 - PyYAML's
        # The scanner looks up to 1,024 characters ahead for a key after each "[" or "{", at a
        # cost that grows with the open brackets: a line of 10,000 "[" is refused right here.
        if self.flow_level >= MAX_DEPTH:
            raise SpecError(_too_deep(self.get_mark()))
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # unannotated in types-PyYAML
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event)
        opens = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if opens and self.open_levels >= MAX_DEPTH:
            raise SpecError(_too_deep(event.start_mark))
        self._count(1, event.start_mark)
        self.open_levels += opens
        node = super().compose_node(parent, index)
        assert node is not None  # PyYAML's composer returns a node or raises
        self.open_levels -= opens
        self._measure(node)
        return node

    def _alias(self, event: yaml.AliasEvent) -> yaml.Node:
        node = self.anchors.get(event.anchor)
        if node is not None and id(node) not in self.shapes:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"alias *{event.anchor} is inside its own anchor (a value cannot contain itself)",
                event.start_mark,  # type: ignore[arg-type]  # the stub's Mark is error.Mark only
            )
        # PyYAML's message for an undefined alias (the stub wants an int index; None is the root's)
        node = super().compose_node(None, None)  # type: ignore[arg-type]
        assert node is not None  # PyYAML's composer returns a node or raises
        values, levels = self.shapes[id(node)]
        self._count(values, event.start_mark)
        if self.open_levels + levels > MAX_DEPTH:
            raise SpecError(_too_deep(event.start_mark))
        return node

    def _count(self, values: int, mark: Any) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise SpecError(
                f"the YAML body holds more than {MAX_VALUES:,} values once its aliases are "
                f"expanded ({_where(mark)}); at most {MAX_VALUES:,} are read"
            )

    def _measure(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
        shapes = [self.shapes[id(child)] for child in children]
        values = 1 + sum(count for count, _ in shapes)
        levels = (
            0 if isinstance(node, yaml.ScalarNode) else 1 + max((h for _, h in shapes), default=0)
        )
        self.shapes[id(node)] = (values, levels)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (DbxArchitectError, yaml.YAMLError):
            raise
        except Exception as err:  # noqa: BLE001 - a value YAML cannot build is the user's typo
            problem = _unreadable(node)
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from err


def _too_deep(mark: Any) -> str:
    return (
        f"the YAML body nests lists and mappings more than {MAX_DEPTH} levels deep "
        f"({_where(mark)}, aliases included)"
    )


_KINDS = {"int": "a whole number", "float": "a number", "timestamp": "a date or timestamp"}


def _unreadable(node: yaml.Node) -> str:
    """One line for a scalar YAML resolved to a type it then could not build."""
    kind = node.tag.rsplit(":", 1)[-1]
    text = node.value if isinstance(node.value, str) else ""
    digits = sum(c.isdigit() for c in text)
    if kind == "int" and digits > sys.get_int_max_str_digits() > 0:
        problem = f"a whole number of {digits:,} digits is more than Python reads"
    else:
        problem = f"{short(text, 40)} is not {_KINDS.get(kind, 'a valid ' + short(kind, 30))}"
    return f"{problem}; quote it to keep it as text"


def _mapping_without_duplicates(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            kind = "list" if isinstance(key, list) else "mapping"
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be text or a number, not a {kind}", key_node.start_mark
            ) from None
        if key in seen:
            raise SpecError(
                f"key {short(key)} is given twice (line {key_node.start_mark.line + 1})"
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)

# YAML 1.2 booleans: only true and false. Under YAML 1.1 (PyYAML's default) `on`, `off`,
# `yes` and `no` are booleans, which would turn `join: {on: [store]}` into `{True: ...}`.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _parse(text: str, what: str) -> Any:
    """YAML → Python, or one :class:`SpecError` line: ``<what>: line L, column C: problem``."""
    check_text(text)
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        where = f"{_where(err.problem_mark)}: " if err.problem_mark else ""
        problem = one_line(str(err.problem or err.context or err))
        raise SpecError(f"{what}: {where}{problem}") from err
    except yaml.YAMLError as err:
        raise SpecError(f"{what}: {one_line(str(err))}") from err


def load_body(body: str) -> dict[str, Any]:
    """Parse *body*; an empty body is an empty spec."""
    data = _parse(body, "the YAML body does not parse")
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise SpecError(f"the YAML body must be a mapping of key: value lines, not a {kind}")
    return data


def load_value(text: str, key: str) -> Any:
    """One key's value typed on its own (a form's YAML field), read as a body would read it."""
    try:
        return _parse(text, "does not parse as YAML")
    except SpecError as err:
        raise SpecError(f"{key}: {err}") from err


class _Dumper(yaml.SafeDumper):
    """Writes what the loader above reads back: `on` and `no` need no quotes under YAML 1.2."""


_Dumper.yaml_implicit_resolvers = _UniqueKeyLoader.yaml_implicit_resolvers


def dump_value(value: Any) -> str:
    """One value in flow style on one line (a list or mapping as ``[a, b]`` / ``{k: v}``)."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()


LINE = 100  # a collection longer than this on one line goes one item per line


def dump_line(key: str, value: Any) -> str:
    """``key: value`` as a person types a body: collections in flow style on one line, or, when
    that line would be long, one item (or one key) per indented line."""
    if not isinstance(value, (list, dict)):
        plain = {key: value}
        return yaml.dump(plain, Dumper=_Dumper, default_flow_style=False, width=10_000).strip()
    line = f"{key}: {dump_value(value)}"
    if len(line) <= LINE or not value:
        return line
    if isinstance(value, list):
        items = [f"  - {dump_value(item)}" for item in value]
    else:
        items = [textwrap.indent(dump_line(str(k), v), "  ") for k, v in value.items()]
    return "\n".join([f"{key}:", *items])
