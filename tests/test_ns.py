"""The closed namespace is generated from the ontology and fails on a misspelt term."""

from __future__ import annotations

import pytest

from kg import gen_ns
from kg.ns import BRI


def test_ns_py_is_what_the_generator_writes_from_the_ontology():
    assert gen_ns.TARGET.read_text(encoding="utf-8") == gen_ns.render(), \
        "kg/ns.py is stale: run `python -m kg.gen_ns`"


def test_misspelt_term_fails():
    assert str(BRI.Paper) == "https://w3id.org/brikg/ontology#Paper"
    with pytest.raises(AttributeError):
        BRI.Papr  # noqa: B018
