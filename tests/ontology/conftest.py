"""Registers the `reasoner` marker of the ontology tests (they still run by default)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "reasoner: runs HermiT through owlready2 (Java); a few seconds each")
