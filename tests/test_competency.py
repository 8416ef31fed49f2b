"""Every competency question, run against the built graph, gives exactly its expected answer."""

from __future__ import annotations

import pytest

from kg import competency
from kg.query import QueryJob
from kg.store import OxigraphStore

QUESTIONS = competency.load_all()
REQUIRED = {"id", "question", "question_zh", "category", "source"}


def test_the_documentation_is_generated_from_the_questions():
    assert competency.DOC.read_text(encoding="utf-8") == competency.render_markdown(QUESTIONS), \
        "docs/competency-questions.md is stale: run `python -m kg.competency`"


def test_ids_are_unique_and_metadata_complete():
    ids = [q.meta.get("id") for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    for q in QUESTIONS:
        assert set(q.meta) >= REQUIRED, f"{q.path.name} lacks {REQUIRED - set(q.meta)}"
        assert q.expected, f"{q.path.name} has no expected answer ({q.path.with_suffix('.csv').name})"


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.path.stem for q in QUESTIONS])
def test_question(built_store, q):
    out = OxigraphStore(built_store).run(QueryJob(q.query, solutions_format="csv"))
    got = competency.parse_csv(out.body.decode("utf-8"))
    header, rows = got[0], got[1:]
    exp_header, exp_rows = q.expected[0], q.expected[1:]
    assert header == exp_header
    if q.ordered:
        assert rows == exp_rows
    else:
        assert sorted(rows) == sorted(exp_rows)
