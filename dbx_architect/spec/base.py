"""What every spec model shares: strict keys, checked names, and one-line error messages."""

from __future__ import annotations

import math
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from ..errors import SpecError, did_you_mean, one_line, short
from ..names import check_identifier, check_principal


def _identifier(value: str) -> str:
    try:
        return check_identifier(value, "")
    except SpecError as err:
        raise ValueError(str(err).removeprefix(": ")) from err


def _principal(value: str) -> str:
    try:
        return check_principal(value, "")
    except SpecError as err:
        raise ValueError(str(err).removeprefix(": ")) from err


def _scalar_text(value: Any) -> Any:
    """YAML scalars (``true``, ``3``) become the text Spark options and properties expect."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line of text")
    odd = next((ch for ch in value if not ch.isprintable() and ch != "\t"), None)
    if odd is not None:  # NUL, other control characters, U+2028 and its kind
        raise ValueError(f"must be printable text, without U+{ord(odd):04X}")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
Principal = Annotated[str, AfterValidator(_principal)]
ScalarText = Annotated[str, BeforeValidator(_scalar_text), AfterValidator(_one_line)]
OneLine = Annotated[str, AfterValidator(_one_line)]


class SpecModel(BaseModel):
    """Base of every spec: unknown keys are errors, values are not silently coerced to lists."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @classmethod
    def allowed_keys(cls) -> list[str]:
        """The YAML keys this spec accepts: its own first, then those of the specs it extends."""
        own = [n for n in cls.model_fields if n in cls.__dict__.get("__annotations__", {})]
        names = own + [n for n in cls.model_fields if n not in own]
        return [cls.model_fields[n].alias or n for n in names]


_TYPE_WORDS = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of key: value",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _where(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if "[key]" in parts:  # a bad mapping key: name the mapping, the message names the key
        parts = parts[: parts.index("[key]") - 1]
    text = ""
    for part in parts:
        name = one_line(str(part), 40)  # a key the user typed may be long
        text += f"[{part}]" if isinstance(part, int) else (f".{name}" if text else name)
    return text


def _nested_keys(model: type[SpecModel]) -> set[str]:
    """Every key of the models *model* is built from (for "did you mean" deeper down)."""
    keys: set[str] = set()
    stack: list[Any] = [model]
    seen: set[Any] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if isinstance(current, type) and issubclass(current, SpecModel):
            keys.update(current.allowed_keys())
            stack.extend(f.annotation for f in current.model_fields.values())
        for arg in getattr(current, "__args__", ()) or ():
            stack.append(arg)
        origin = getattr(current, "__origin__", None)
        if origin is not None:
            stack.append(origin)
    return keys


def describe_error(err: ValidationError, model: type[SpecModel]) -> str:
    """The first problem of *err* as one line naming the key, the value and what is allowed."""
    errors = err.errors(include_url=False)
    # An unknown key explains the missing one next to it (a typo), so it is said first.
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    kind, loc, value = first["type"], tuple(first["loc"]), first.get("input")
    where = _where(loc)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        if len(loc) == 1:
            return (
                f"unknown key {short(name)}{did_you_mean(name, model.allowed_keys())}; "
                f"allowed keys: {', '.join(model.allowed_keys())}"
            )
        return (
            f"{_where(loc[:-1])}: unknown key {short(name)}"
            f"{did_you_mean(name, _nested_keys(model))}"
        )
    if kind == "missing":
        return f"missing key {short(where)} (required)"
    if kind == "literal_error":
        allowed = first["ctx"]["expected"].replace("'", "")
        return f"{where}: {short(value)} is not allowed; use one of {allowed}" + did_you_mean(
            value, [w.strip() for w in allowed.replace(" or ", ",").split(",")]
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(first["ctx"].values()))
        words = {
            "greater_than_equal": "at least",
            "less_than_equal": "at most",
            "greater_than": "more than",
            "less_than": "less than",
        }
        return f"{where}: must be {words[kind]} {bound}, got {short(value)}"
    if kind in _TYPE_WORDS:
        return f"{where}: expected {_TYPE_WORDS[kind]}, got {short(value)}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _refuse_non_finite(value: Any, where: str = "") -> None:
    """NaN and infinities have no place in a spec (no Python or SQL literal means them)."""
    if isinstance(value, float) and not math.isfinite(value):
        text = ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
        raise SpecError(f"{where or 'value'}: {text} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_non_finite(key, where)
            _refuse_non_finite(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_non_finite(item, f"{where}[{index}]")


AnySpec = TypeVar("AnySpec", bound="SpecModel")


def validate_spec(model: type[AnySpec], data: dict[str, Any]) -> AnySpec:
    """Build *model* from *data* or raise one :class:`SpecError` line."""
    _refuse_non_finite(data)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise SpecError(describe_error(err, model)) from err
