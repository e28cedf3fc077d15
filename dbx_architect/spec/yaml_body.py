"""Read a magic's YAML body into a plain mapping, with messages a person can act on."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import SpecError


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice (PyYAML keeps the last one silently)."""


def _mapping_without_duplicates(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise SpecError(f"key {key!r} is given twice (line {key_node.start_mark.line + 1})")
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


def load_body(body: str) -> dict[str, Any]:
    """Parse *body*; an empty body is an empty spec."""
    try:
        data = yaml.load(body, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SpecError(f"the YAML body does not parse: {where}{err.problem}") from err
    except yaml.YAMLError as err:
        raise SpecError(f"the YAML body does not parse: {err}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise SpecError(f"the YAML body must be a mapping of key: value lines, not a {kind}")
    return data


def load_value(text: str, key: str) -> Any:
    """One key's value typed on its own (a form's YAML field), read as a body would read it."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise SpecError(f"{key}: does not parse as YAML{where}: {problem}") from err


class _Dumper(yaml.SafeDumper):
    """Writes what the loader above reads back: `on` and `no` need no quotes under YAML 1.2."""


_Dumper.yaml_implicit_resolvers = _UniqueKeyLoader.yaml_implicit_resolvers


def dump_value(value: Any) -> str:
    """One value in flow style on one line (a list or mapping as ``[a, b]`` / ``{k: v}``)."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def dump_line(key: str, value: Any) -> str:
    """``key: value`` on one line, collections in flow style, as a person types a body."""
    if isinstance(value, (list, dict)):
        return f"{key}: {dump_value(value)}"
    return yaml.dump({key: value}, Dumper=_Dumper, default_flow_style=False, width=10_000).strip()
