"""Every face of every generator magic comes from its descriptor, and they agree.

A magic is one entry of ``dbx_architect.descriptors.GENERATORS``. This test finds it in every
face (the cell magic and its help, the forms, the editor snippets, the CLI) and checks the
descriptor against the spec model it names, so a new magic missing from a face fails here.
"""

from __future__ import annotations

import pytest

from dbx_architect.descriptors import GENERATORS
from dbx_architect.render import TEMPLATES

MAGICS = sorted(GENERATORS)


@pytest.mark.parametrize("magic", MAGICS)
def test_the_help_names_every_key_the_spec_accepts(shell, magic: str) -> None:
    generator = GENERATORS[magic]
    spec = generator.load(generator.spec)
    assert list(generator.keys) == spec.allowed_keys()
    doc = " ".join(shell.magics_manager.magics["cell"][magic].__doc__.split())
    assert generator.summary in doc
    for key in spec.allowed_keys():
        assert f" {key}," in doc or f" {key}." in doc, key


@pytest.mark.parametrize("magic", MAGICS)
def test_the_descriptor_names_real_parts(magic: str) -> None:
    generator = GENERATORS[magic]
    spec = generator.load(generator.spec)
    assert callable(generator.load(generator.plan))
    for template in [generator.template, *dict(generator.variants + generator.engines).values()]:
        assert (TEMPLATES / template).is_file(), template
    layout, keys = generator.layout, set(spec.allowed_keys())
    named = {layout.table_field, *layout.column, *layout.columns, *layout.hidden, *layout.main}
    assert named <= keys, named - keys


def test_every_magic_is_in_every_face(shell) -> None:

    from dbx_architect.magics.generate import FORMS, VARIANT_OPTIONS

    from dbx_architect import cli, snippets

    assert set(FORMS) == set(GENERATORS)
    assert set(GENERATORS) <= set(shell.magics_manager.magics["cell"])
    keys = {s.key for s in snippets.generate()}
    assert {f"{m}-cell" for m in GENERATORS} | {f"{m}-code" for m in GENERATORS} <= keys
    expand_cmd = cli.parser()._subparsers._group_actions[0].choices["expand"]
    magic_arg = next(a for a in expand_cmd._actions if a.dest == "magic")
    assert sorted(magic_arg.choices) == MAGICS
    variants = {name for g in GENERATORS.values() for name, _ in g.variants}
    assert variants <= set(VARIANT_OPTIONS)


@pytest.mark.parametrize("magic", MAGICS)
def test_every_magic_has_a_form(magic: str) -> None:
    from dbx_architect.widgets.form import SpecForm

    from dbx_architect.runtime.catalog import CatalogBrowser
    from dbx_architect.settings import DbxArchitect, Settings

    settings = Settings.from_config(DbxArchitect(), "local")
    form = SpecForm(magic, CatalogBrowser(), settings, lambda name, body: "", name="demand")
    assert form.layout is GENERATORS[magic].layout


def test_metric_facts_live_in_one_module() -> None:
    """The spec's metric lists and the gate's choices are the metrics module's, and the
    scikit-learn scorers named there exist."""
    import typing

    from sklearn.metrics import get_scorer

    from dbx_architect.metrics import METRICS
    from dbx_architect.spec.deploy import Gate
    from dbx_architect.spec.modelzoo import ModelZooSpec

    zoo = ModelZooSpec(table="t", target="y", task="regression")
    assert set(zoo.metrics()) | set(
        zoo.model_copy(update={"task": "classification"}).metrics()
    ) == set(METRICS)
    assert set(typing.get_args(Gate.model_fields["metric"].annotation)) <= set(METRICS)
    for metric in METRICS.values():
        get_scorer(metric.scorer)
        assert metric.lower_is_better == metric.scorer.startswith("neg_"), metric.name
