"""Where the project's own source files are: ontology, shapes, queries."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "brikg.ttl"
ONTOLOGY_FILES = [ONTOLOGY_FILE, ONTOLOGY_DIR / "alignments.ttl"]
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
