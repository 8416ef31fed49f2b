"""Shared fixtures: the corpus beside the repository, temporary stores, a live server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import PAPERS, LiveServer


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not PAPERS.is_dir():
        pytest.fail(f"the corpus is missing: expected the papers in {PAPERS} (set BRIKG_SHARED)")
    return PAPERS


@pytest.fixture(scope="session")
def built_store(tmp_path_factory, corpus) -> Path:
    """One graph of the three papers, built once and only read by the tests that use it."""
    from kg.build import build

    store = tmp_path_factory.mktemp("store")
    build(corpus, store, progress=lambda _: None)
    return store


@pytest.fixture
def store_copy(tmp_path, built_store) -> Path:
    """A private copy of the built store, for tests that build over it or break it."""
    dst = tmp_path / "store"
    shutil.copytree(built_store, dst, symlinks=True)
    return dst


@pytest.fixture
def corpus_copy(tmp_path, corpus) -> Path:
    dst = tmp_path / "papers"
    shutil.copytree(corpus, dst)
    return dst


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, built_store):
    """A server on its own copy of the built store (module-scoped: starting one takes a second);
    tests may build over it, which must not disturb the other modules."""
    store = tmp_path_factory.mktemp("live") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    server = LiveServer(store)
    server.store = store
    yield server
    server.stop()
