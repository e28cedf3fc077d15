"""Configuration (SPEC section 1).

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

from traitlets import Bool, CaselessStrEnum, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from .errors import SpecError, did_you_mean
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
        help="classic or serverless (no DataFrame cache there); auto-detected on Databricks.",
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
                f"{proposal['trait'].name}: {value!r} is not a valid identifier "
                "(letters, digits and underscores, not starting with a digit)"
            )
        return value

    @validate("owner")
    def _check_owner(self, proposal: Any) -> str:
        value = proposal["value"]
        if value and not PRINCIPAL.match(value):
            raise TraitError(f"owner: {value!r} is not a valid principal")
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


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` from *start* (default: the working folder) upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def pyproject_defaults(path: Path | None) -> dict[str, Any]:
    """The ``[tool.dbx_architect]`` table of *path*, checked key by key."""
    if path is None:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise SpecError(f"{path}: cannot read [tool.dbx_architect]: {err}") from err
    table = data.get("tool", {}).get("dbx_architect", {})
    for key in table:
        if key not in KEYS:
            raise SpecError(
                f"{path}: [tool.dbx_architect] has unknown key {key!r}{did_you_mean(key, KEYS)}"
            )
    return dict(table)


def parse_value(key: str, text: str) -> Any:
    """Turn the text of ``%dbx_config key=value`` into the trait's type."""
    if key not in KEYS:
        raise SpecError(
            f"%dbx_config: unknown key {key!r}{did_you_mean(key, KEYS)}; keys: {', '.join(KEYS)}"
        )
    if key == "run_after_expand":
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise SpecError(f"%dbx_config: run_after_expand: {text!r} is not true or false")
    return text
