from __future__ import annotations

import pytest

from kg.errors import NotAcceptable
from service.conneg import choose, parse_accept

OFFERED = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]


def test_q_values_and_specificity():
    assert choose("text/csv;q=0.9, application/sparql-results+xml", OFFERED) == "application/sparql-results+xml"
    assert choose("text/*;q=0.5, */*;q=0.1", OFFERED) == "text/csv"
    assert choose("application/*, text/csv;q=0", OFFERED) == "application/sparql-results+json"


def test_wildcard_and_missing_accept_give_the_default():
    assert choose("*/*", OFFERED, default=OFFERED[0]) == OFFERED[0]
    assert choose(None, OFFERED, default=OFFERED[1]) == OFFERED[1]


def test_nothing_acceptable_raises():
    with pytest.raises(NotAcceptable):
        choose("image/png, text/csv;q=0", OFFERED)


def test_malformed_parts_are_skipped():
    assert parse_accept("garbage, text/csv;q=abc") == [("text/csv", 0.0, 2)]
