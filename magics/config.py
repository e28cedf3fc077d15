"""``%dbx_config``: show or set the configuration every magic renders with."""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from traitlets import TraitError

from ..errors import DbxArchitectError, short
from ..settings import KEYS, DbxArchitect, Settings, parse_value


@magics_class
class ConfigMagics(Magics):
    """``%dbx_config`` prints the active configuration; ``%dbx_config key=value ...`` sets keys."""

    def __init__(self, shell: Any, settings: DbxArchitect, origins: dict[str, str]) -> None:
        super().__init__(shell)
        self.settings = settings
        self.origins = origins

    @line_magic
    def dbx_config(self, line: str) -> None:
        """Show the configuration, or set keys: %dbx_config target=local catalog=dev

        Keys: target, catalog, bronze_schema, silver_schema, gold_schema, ml_schema,
        volume_root, experiment_root, owner, run_after_expand.
        """
        try:
            pairs = shlex.split(line)
        except ValueError:  # shlex: "No closing quotation" or "No escaped character"
            raise UsageError(
                f"%dbx_config: a quote on the line is not closed: {short(line)}"
            ) from None
        if pairs:
            self._set(pairs)
        print(self.table())

    def _set(self, pairs: list[str]) -> None:
        updates = {}
        for pair in pairs:
            key, sep, text = pair.partition("=")
            if not sep or not key:
                raise UsageError(f"%dbx_config: expected key=value, got {short(pair)}")
            try:
                updates[key] = parse_value(key, text)
            except DbxArchitectError as err:
                raise UsageError(str(err)) from None
        probe = DbxArchitect(parent=None)  # check every value before changing anything
        for key, value in {**self._current(), **updates}.items():
            try:
                setattr(probe, key, value)
            except TraitError as err:
                raise UsageError(f"%dbx_config: {err}") from None
        for key, value in updates.items():
            self.settings.set_explicitly(key, value)
            self.origins[key] = "%dbx_config"

    def _detected(self) -> tuple[dict[str, Any], str] | None:
        """The keys a Databricks Connect session decided, and why (None without one)."""
        if "target" in self.settings.explicit:
            return None
        from ..runtime.databricks_connect import detect_here
        from ..settings import connect_settings

        found = detect_here()
        return (connect_settings(self.settings.explicit, found), found.evidence) if found else None

    def _current(self) -> dict[str, Any]:
        return {key: getattr(self.settings, key) for key in KEYS}

    def table(self) -> str:
        """The resolved configuration with where each value comes from."""
        resolved = Settings.from_config(self.settings)
        from_ipython = self.shell.config.get("DbxArchitect", {}) if self.shell else {}
        detected = self._detected()
        rows = []
        for key in KEYS:
            raw = getattr(self.settings, key)
            origin = self.origins.get(key) or ("%config" if key in from_ipython else "")
            if not origin and detected and key in detected[0]:
                origin = f"Databricks Connect: {detected[1]}"
            if not origin:
                origin = "default" if raw == getattr(resolved, key) else "derived"
            rows.append((key, repr(getattr(resolved, key)), origin))
        width = max(len(k) for k, _, _ in rows)
        vwidth = max(len(v) for _, v, _ in rows)
        return "\n".join(f"{k:<{width}}  {v:<{vwidth}}  ({o})" for k, v, o in rows)
