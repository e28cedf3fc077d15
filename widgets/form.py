"""An ipywidgets form per generator magic, built from the magic's spec model.

The spec model (pydantic) is the one source of truth: its fields, in order, become the form's
fields, its defaults the form's defaults, its ``Literal`` types the dropdowns' choices, and its
validation (through :func:`dbx_architect.expand.expand`, the same path a YAML body takes) the
inline messages. Per magic, the :class:`~dbx_architect.descriptors.Layout` of its descriptor
says which field names a table and which fields name columns of it, so those become dropdowns
filled from the live catalog.

"Use" hands the spec to a callback that stores it; the next run of the magic cell expands it
in place. A widget callback never edits cells (front ends apply ``set_next_input`` only from an
execute reply).
"""

from __future__ import annotations

import html
import time
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from ..errors import DbxArchitectError
from ..expand import GENERATORS, expand
from ..runtime.catalog import CatalogBrowser
from ..settings import Settings
from ..spec.yaml_body import dump_line, dump_value, load_value

CSS = "dbx-form"


def _css(widget: widgets.Widget, *names: str) -> widgets.Widget:
    """Stable class names (the browser tests and custom CSS find the parts by them)."""
    for name in names:
        widget.add_class(name)
    return widget


def _sized(widget: widgets.Widget) -> widgets.Widget:
    """One label width and one field width for every input, so the form reads as a column."""
    widget.style = {"description_width": "110px"}
    widget.layout = widgets.Layout(width="560px")
    return widget


@dataclass
class Field:
    name: str  # the YAML key
    widget: widgets.Widget
    kind: str  # literal | bool | int | float | text | column | columns | yaml
    default: Any = None
    main: bool = True
    row: widgets.Widget | None = None  # what is displayed (a labelled box for tag inputs)

    @property
    def shown(self) -> widgets.Widget:
        return self.row or self.widget


@dataclass
class SpecForm:
    """The form for one magic; ``widget`` is what gets displayed."""

    magic: str
    catalog: CatalogBrowser
    settings: Settings
    on_use: Callable[[str, str], str]  # (name, YAML body) -> message to show
    name: str = ""
    initial: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layout = GENERATORS[self.magic].layout
        self.model = GENERATORS[self.magic].load(GENERATORS[self.magic].spec)
        self._quiet = False
        self.last_refresh_ms = 0.0
        self.fields: dict[str, Field] = {}
        self.name_box = _css(
            widgets.Text(
                value=self.name,
                description=GENERATORS[self.magic].name_label.lower(),
                placeholder="name on the magic line",
            ),
            f"{CSS}-name",
        )
        self._build_pickers()
        self._build_fields()
        self.preview = _css(
            widgets.HTML(
                layout=widgets.Layout(max_height="360px", overflow="auto", border="1px solid #ddd")
            ),
            f"{CSS}-preview",
        )
        self.message = _css(widgets.HTML(), f"{CSS}-message")
        self.use = _css(
            widgets.Button(description="Use", button_style="primary", icon="check"),
            f"{CSS}-use",
        )
        self.use.on_click(self._use)
        for box in [self.name_box, *self._picker_widgets(), *self._level_pickers()]:
            _sized(box)
        inputs = [self.name_box, *self._picker_widgets(), *(f.widget for f in self.fields.values())]
        for box in inputs:
            box.observe(self._changed, names="value")
        title = widgets.HTML(f"<b>%%{self.magic}</b> form")
        notes = (
            [widgets.HTML(f"<i>{html.escape(self.catalog.note)}</i>")] if self.catalog.note else []
        )
        main = [f.shown for f in self.fields.values() if f.main]
        more = widgets.Accordion(
            [widgets.VBox([f.shown for f in self.fields.values() if not f.main])]
        )
        more.set_title(0, "more keys")
        more.selected_index = None
        self.more = _css(more, f"{CSS}-more")
        parts = [title, *notes, self.name_box, self.picker_box, *main, self.more]
        parts += [widgets.HBox([self.use, self.message]), self.preview]
        self.widget = _css(widgets.VBox(parts), CSS, f"{CSS}-{self.magic}")
        self.refresh()

    # --- the table pickers ----------------------------------------------------------
    def _build_pickers(self) -> None:
        layout = self.layout
        start = self.initial.get(layout.table_field)
        if not self.catalog.available:
            text = start if isinstance(start, str) else ", ".join(start or [])
            self.table_text = _css(
                widgets.Text(value=text, description=layout.table_field),
                f"{CSS}-table",
            )
            self.picker_box = self.table_text
            return
        current = self.catalog.current() or ("", "")
        catalogs = self.catalog.catalogs()
        catalog = current[0] if current[0] in catalogs else (catalogs[0] if catalogs else None)
        self.catalog_pick = _css(
            widgets.Dropdown(options=catalogs, value=catalog, description="catalog"),
            f"{CSS}-catalog",
        )
        schemas = self.catalog.schemas(catalog) if catalog else []
        schema = current[1] if current[1] in schemas else (schemas[0] if schemas else None)
        self.schema_pick = _css(
            widgets.Dropdown(options=schemas, value=schema, description="schema"), f"{CSS}-schema"
        )
        tables = self.catalog.tables(catalog, schema) if catalog and schema else []
        if layout.many_tables:
            self.table_pick = widgets.SelectMultiple(options=tables, description="tables", rows=6)
        else:
            self.table_pick = widgets.Dropdown(options=[""] + tables, value="", description="table")
        _css(self.table_pick, f"{CSS}-table")
        self.catalog_pick.observe(self._catalog_changed, names="value")
        self.schema_pick.observe(self._schema_changed, names="value")
        parts: list[widgets.Widget] = [self.catalog_pick, self.schema_pick, self.table_pick]
        if layout.path_allowed:
            self.path_text = _css(
                widgets.Text(
                    value=start if isinstance(start, str) else "",
                    description="or path",
                    placeholder="./landing/sales/ or /Volumes/...",
                ),
                f"{CSS}-path",
            )
            parts.append(self.path_text)
        self.picker_box = widgets.VBox(parts)

    def _picker_widgets(self) -> list[widgets.Widget]:
        if not self.catalog.available:
            return [self.table_text]
        extra = [self.path_text] if self.layout.path_allowed else []
        return [self.table_pick, *extra]

    def _level_pickers(self) -> list[widgets.Widget]:
        return [self.catalog_pick, self.schema_pick] if self.catalog.available else []

    def _catalog_changed(self, change: dict) -> None:
        self._quiet = True
        schemas = self.catalog.schemas(change["new"]) if change["new"] else []
        self.schema_pick.options = schemas
        self.schema_pick.value = schemas[0] if schemas else None
        self._quiet = False
        self._schema_changed({"new": self.schema_pick.value})

    def _schema_changed(self, change: dict) -> None:
        self._quiet = True
        catalog, schema = self.catalog_pick.value, change["new"]
        tables = self.catalog.tables(catalog, schema) if catalog and schema else []
        if self.layout.many_tables:
            self.table_pick.options = tables
        else:
            self.table_pick.options = [""] + tables
            self.table_pick.value = ""
        self._quiet = False
        self._changed(None)

    def chosen_tables(self) -> list[str]:
        """The dotted names the pickers point at (or the path / typed text)."""
        if not self.catalog.available:
            text = self.table_text.value.strip()
            return [t.strip() for t in text.split(",") if t.strip()]
        if self.layout.path_allowed and self.path_text.value.strip():
            return [self.path_text.value.strip()]
        prefix = f"{self.catalog_pick.value}.{self.schema_pick.value}"
        if self.layout.many_tables:
            return [f"{prefix}.{t}" for t in self.table_pick.value]
        return [f"{prefix}.{self.table_pick.value}"] if self.table_pick.value else []

    # --- the spec fields --------------------------------------------------------------
    def _build_fields(self) -> None:
        layout = self.layout
        by_key = {info.alias or key: info for key, info in self.model.model_fields.items()}
        for name in self.model.allowed_keys():  # the spec's own keys first, as in the docs
            info = by_key[name]
            if name == layout.table_field or name in layout.hidden:
                continue
            start = self.initial.get(name, None)
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            kind, widget = self._widget_for(name, info.annotation, default, start)
            widget.description = name
            widget.tooltip = info.description or ""
            _css(_sized(widget), f"{CSS}-field", f"{CSS}-field-{name}")
            main = info.is_required() or name in layout.main or name in self.initial
            row = None
            if isinstance(widget, widgets.TagsInput):  # it shows no description: label it
                label = widgets.HTML(
                    f'<div style="text-align:right;padding-right:6px">{html.escape(name)}</div>',
                    layout=widgets.Layout(width="116px"),
                )
                label.add_class(f"{CSS}-label")
                widget.layout = widgets.Layout(width="auto")
                frame = widgets.Box(
                    [widget],
                    layout=widgets.Layout(
                        width="444px", min_height="30px", border="1px solid #ccc"
                    ),
                )
                row = widgets.HBox([label, frame])
            self.fields[name] = Field(name, widget, kind, default, main, row)

    def _widget_for(
        self, name: str, annotation: Any, default: Any, start: Any
    ) -> tuple[str, widgets.Widget]:
        layout = self.layout
        value = start if start is not None else default
        if name in layout.column:
            return "column", widgets.Dropdown(options=[""], value="")
        if name in layout.columns:
            return "columns", widgets.TagsInput(value=list(value or []), allow_duplicates=False)
        if self.magic == "modelzoo" and name == "models":
            from ..generators.modelzoo import CANDIDATES

            tags = widgets.TagsInput(value=list(value or []), allowed_tags=list(CANDIDATES))
            return "columns", tags
        base, optional = _unwrap(annotation)
        if typing.get_origin(base) is typing.Literal:
            choices = list(typing.get_args(base))
            options = ([""] if optional or default is None else []) + choices
            return "literal", widgets.Dropdown(
                options=options, value=value if value in choices else options[0]
            )
        if base is bool:
            return "bool", widgets.Checkbox(value=bool(value), indent=False)
        if base is int and not optional:
            return "int", widgets.IntText(value=int(value or 0))
        if base is float and not optional:
            return "float", widgets.FloatText(value=float(value or 0.0))
        if base is str:
            return "text", widgets.Text(value="" if value is None else str(value))
        text = "" if value in (None, [], {}) or value == default else dump_value(value)
        return "yaml", widgets.Textarea(value=text, placeholder="YAML, as in the cell body", rows=2)

    def _columns_changed(self) -> None:
        """Fill the column pickers from the chosen tables' columns (read on first pick)."""
        names: list[str] = []
        for table in self.chosen_tables():
            if "/" in table or ":" in table:
                continue
            names += [c for c, _ in self.catalog.columns(table) if c not in names]
        for item in self.fields.values():
            if item.kind == "column":
                keep = item.widget.value if item.widget.value in names else ""
                item.widget.options = ["", *names]
                start = self.initial.get(item.name)
                item.widget.value = start if start in names and not keep else keep
            elif item.kind == "columns":
                item.widget.allowed_tags = names if names else []

    # --- values, preview, use ---------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The spec as the YAML body would hold it: only what differs from the defaults."""
        data: dict[str, Any] = {}
        tables = self.chosen_tables()
        if tables:
            data[self.layout.table_field] = tables if self.layout.many_tables else tables[0]
        for item in self.fields.values():
            value = item.widget.value
            if item.kind == "yaml":
                if not value.strip():
                    continue
                value = load_value(value, item.name)
            elif item.kind == "columns":
                value = list(value)
            if value in ("", None, []) or value == item.default:
                continue
            data[item.name] = value
        return data

    def body(self) -> str:
        """The YAML body, one key per line, as a person would type it."""
        return "\n".join(dump_line(key, value) for key, value in self.values().items())

    def _changed(self, change: Any) -> None:
        if self._quiet:
            return
        if change is None or change.get("owner") in self._picker_widgets():
            self._quiet = True  # new tables: new column choices, one refresh at the end
            self._columns_changed()
            self._quiet = False
        self.refresh()

    def refresh(self) -> bool:
        """Re-render the preview; say what is wrong inline. True when the spec is valid."""
        began = time.perf_counter()
        if not self.chosen_tables() and not self.layout.table_optional:
            what = "a table or type a path" if self.layout.path_allowed else "the table"
            self.message.value = f'<span class="{CSS}-error">choose {what} first</span>'
            self.use.disabled = True
            return False
        try:
            name = self.name_box.value.strip() or self._default_name()
            body = self.body()
            expansion = expand(self.magic, name, name, body, self.settings, self._lookup)
        except DbxArchitectError as err:
            text = html.escape(str(err), quote=False)
            self.message.value = f'<span class="{CSS}-error">{text}</span>'
            self.use.disabled = True
            self.last_refresh_ms = (time.perf_counter() - began) * 1000
            return False
        self.message.value = ""
        self.use.disabled = False
        self.preview.value = f"<pre>{html.escape(expansion.cell)}</pre>"
        self.last_refresh_ms = (time.perf_counter() - began) * 1000
        return True

    def _lookup(self, table: str) -> list[str] | None:
        columns = self.catalog.columns(table) if self.catalog.available else []
        return [c for c, _ in columns] or None

    def _default_name(self) -> str:
        tables = self.chosen_tables()
        if not tables or self.layout.path_allowed and "/" in tables[0]:
            stem = tables[0].rstrip("/").split("/")[-1].split(".")[0] if tables else ""
            return stem
        return tables[0].split(".")[-1]

    def _use(self, _: Any = None) -> None:
        if not self.refresh():  # the same expansion that validated the spec for the preview
            return
        name = self.name_box.value.strip() or self._default_name()
        text = html.escape(self.on_use(name, self.body()))
        self.message.value = f'<span class="{CSS}-stored">{text}</span>'


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); an Annotated type → its base."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional
