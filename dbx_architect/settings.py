"""Configuration (see docs/config.md).

Three layers, later ones win: the defaults here, a ``[tool.dbx_architect]`` table in the
nearest ``pyproject.toml``, then what the user sets in the session with
``%config DbxArchitect.key = value`` or ``%dbx_config key=value``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets import Bool, CaselessStrEnum, TraitError, Unicode, default, observe, validate
from traitlets.config import Configurable

from .errors import SpecError, did_you_mean, one_line, short
from .names import IDENTIFIER, PRINCIPAL

TARGETS = ("databricks", "local")


def detect_target() -> str:
    """``databricks`` inside a Databricks runtime, else ``local``."""
    return "databricks" if os.environ.get("DATABRICKS_RUNTIME_VERSION") else "local"


COMPUTES = ("classic", "serverless")


def detect_compute() -> str:
    """``serverless`` on Databricks serverless compute (its runtime version reads client.N)."""
    version = os.environ.get("DATABRICKS_RUNTIME_VERSION", "")
    return "serverless" if version.startswith("client.") else "classic"


class DbxArchitect(Configurable):
    """Settings shared by every dbx_architect magic. Empty strings mean "the default"."""

    target = CaselessStrEnum(
        TARGETS, help="Where generated code runs: databricks or local (auto-detected)."
    ).tag(config=True)
    compute = CaselessStrEnum(
        COMPUTES,
        help="classic or serverless (where the generated code does not cache DataFrames); "
        "auto-detected on Databricks.",
    ).tag(config=True)
    catalog = Unicode(
        "", help="Catalog for short table names (main on Databricks, spark_catalog locally)."
    ).tag(config=True)
    bronze_schema = Unicode("bronze", help="Schema of Bronze tables.").tag(config=True)
    silver_schema = Unicode("silver", help="Schema of Silver tables.").tag(config=True)
    gold_schema = Unicode("gold", help="Schema of Gold tables.").tag(config=True)
    ml_schema = Unicode("ml", help="Schema where models are registered on Unity Catalog.").tag(
        config=True
    )
    volume_root = Unicode("", help="Folder for stream checkpoints and schema locations.").tag(
        config=True
    )
    experiment_root = Unicode("", help="Folder of MLflow experiments.").tag(config=True)
    owner = Unicode("", help="Default owner (principal) of the tables the magics create.").tag(
        config=True
    )
    run_after_expand = Bool(
        False, help="Run generated code right after expanding it (as if --run were given)."
    ).tag(config=True)

    @default("target")
    def _default_target(self) -> str:
        return detect_target()

    @observe("target", "compute", "catalog")
    def _remember_explicit(self, change: Any) -> None:
        """Values someone set (pyproject, %config, %dbx_config) win over detection."""
        self.__dict__.setdefault("_explicit", set()).add(change["name"])

    def set_explicitly(self, key: str, value: Any) -> None:
        """Set *key* and remember that someone chose it (even when it equals the default)."""
        setattr(self, key, value)
        self.__dict__.setdefault("_explicit", set()).add(key)

    @property
    def explicit(self) -> set[str]:
        """The keys among target, compute and catalog that were set, not defaulted (by
        pyproject.toml, %dbx_config, or %config, whose section lists what it set)."""
        from_config = self.config.get("DbxArchitect", {}) if self.config else {}
        return set(self.__dict__.get("_explicit", ())) | set(from_config)

    @default("compute")
    def _default_compute(self) -> str:
        return detect_compute()

    @validate("catalog", "bronze_schema", "silver_schema", "gold_schema", "ml_schema")
    def _check_identifier(self, proposal: Any) -> str:
        value = proposal["value"]
        if value == "" and proposal["trait"].name == "catalog":
            return value
        if not IDENTIFIER.match(value):
            raise TraitError(
                f"{proposal['trait'].name}: {short(value)} is not a valid identifier "
                "(letters, digits and underscores, not starting with a digit)"
            )
        return value

    @validate("owner")
    def _check_owner(self, proposal: Any) -> str:
        value = proposal["value"]
        if value and not PRINCIPAL.match(value):
            raise TraitError(f"owner: {short(value)} is not a valid principal")
        return value

    @validate("volume_root", "experiment_root")
    def _check_path(self, proposal: Any) -> str:
        value = proposal["value"]
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise TraitError(
                f"{proposal['trait'].name}: {short(value)} has a control character "
                "(a folder is one line of printable text)"
            )
        return value


KEYS = tuple(DbxArchitect.class_own_traits(config=True))


@dataclass(frozen=True)
class Settings:
    """The resolved configuration a generator renders with (no empty values left)."""

    target: str
    compute: str
    catalog: str
    bronze_schema: str
    silver_schema: str
    gold_schema: str
    ml_schema: str
    volume_root: str
    experiment_root: str
    owner: str
    run_after_expand: bool

    @classmethod
    def from_config(cls, config: DbxArchitect, target: str | None = None) -> Settings:
        raw = {key: getattr(config, key) for key in KEYS}
        if target:
            raw["target"] = target
        elif "target" not in config.explicit:
            raw.update(connect_settings(config.explicit))
        return cls.resolve(raw)

    @classmethod
    def resolve(cls, raw: dict[str, Any]) -> Settings:
        """Fill the defaults that depend on the target and the catalog."""
        values = dict(raw)
        databricks = values["target"] == "databricks"
        if not values.get("catalog"):
            values["catalog"] = "main" if databricks else "spark_catalog"
        if not values.get("volume_root"):
            values["volume_root"] = (
                f"/Volumes/{values['catalog']}/{values['bronze_schema']}/_checkpoints"
                if databricks
                else "./.dbx_architect/checkpoints"
            )
        if not values.get("experiment_root"):
            values["experiment_root"] = "/Shared/dbx_architect" if databricks else "/dbx_architect"
        return cls(**values)


def connect_settings(explicit: set[str], found: Any = None) -> dict[str, Any]:
    """target, compute and catalog of a Databricks Connect session in the notebook (VS Code),
    for the keys nobody set; empty when there is none. *found*: a detection already made."""
    from .runtime.databricks_connect import detect_here

    found = found or detect_here()
    if found is None:
        return {}
    values: dict[str, Any] = {"target": "databricks"}
    if "compute" not in explicit:
        values["compute"] = found.compute
    if "catalog" not in explicit and found.catalog and found.catalog != "spark_catalog":
        values["catalog"] = found.catalog
    return values


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` from *start* (default: the working folder) upwards."""
    try:
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                return candidate
    except OSError:  # a working folder that was deleted, a folder we may not look into
        return None
    return None


@dataclass(frozen=True)
class PyprojectDefaults:
    """The usable keys of ``[tool.dbx_architect]``, and one line for each thing ignored."""

    values: dict[str, Any]
    ignored: tuple[str, ...] = ()


def read_pyproject(path: Path | None) -> PyprojectDefaults:
    """The ``[tool.dbx_architect]`` table of *path*, checked key by key; bad keys are ignored.

    Nothing here raises: a file that cannot be read, is not TOML, or holds a key that is
    unknown or of the wrong type leaves the built-in defaults in place and says so in one line.
    """
    if path is None:
        return PyprojectDefaults({})
    try:
        table = _dbx_table(path)
    except SpecError as err:
        return PyprojectDefaults({}, (f"{path}: {err}; using the built-in defaults",))
    values, ignored = {}, []
    for key, value in table.items():
        try:
            values[key] = check_setting(key, value)
        except SpecError as err:
            ignored.append(f"{path}: [tool.dbx_architect]: ignored {err}")
    return PyprojectDefaults(values, tuple(ignored))


def _dbx_table(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as err:
        raise SpecError(f"not read ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise SpecError(f"not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line})") from err
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"not valid TOML ({one_line(str(err), 100)})") from err
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise SpecError(f"[tool] is {_toml_kind(tool)}, not a table")
    table = tool.get("dbx_architect", {})
    if not isinstance(table, dict):
        raise SpecError(f"[tool.dbx_architect] is {_toml_kind(table)}, not a table")
    return table


def _toml_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    kinds = {str: "text", int: "a number", float: "a number", list: "a list"}
    return next((word for kind, word in kinds.items() if isinstance(value, kind)), "a date")


def check_setting(key: str, value: Any) -> Any:
    """*value* when *key* may take it (as ``DbxArchitect`` would store it), else one line."""
    if key not in KEYS:
        return _unknown_key(key)
    trait = DbxArchitect.class_traits()[key]
    if isinstance(trait, Bool):
        if not isinstance(value, bool):
            raise SpecError(f"{key}: expected true or false, got {short(value)}")
        return value
    if not isinstance(value, str):
        raise SpecError(f"{key}: expected text, got {short(value)}")
    choices = (trait.values or ()) if isinstance(trait, CaselessStrEnum) else None
    if choices is not None and value.lower() not in choices:
        allowed = " or ".join(str(v) for v in choices)
        raise SpecError(f"{key}: {short(value)} is not allowed; use one of {allowed}")
    try:
        setattr(DbxArchitect(parent=None), key, value)
    except TraitError as err:
        raise SpecError(str(err)) from None
    return value.lower() if isinstance(trait, CaselessStrEnum) else value


def _unknown_key(key: object) -> Any:
    word = key if isinstance(key, str) else ""
    raise SpecError(f"unknown key {short(key)}{did_you_mean(word, KEYS)}; keys: {', '.join(KEYS)}")


def parse_value(key: str, text: str) -> Any:
    """Turn the text of ``%dbx_config key=value`` into the trait's type, checked."""
    if key == "run_after_expand":
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise SpecError(f"%dbx_config: run_after_expand: {short(text)} is not true or false")
    try:
        return check_setting(key, text)
    except SpecError as err:
        raise SpecError(f"%dbx_config: {err}") from None
