"""HTML documentation of the brikg ontology, rendered offline with pyLODE 3.3.4."""

from __future__ import annotations

from pathlib import Path

from pylode import OntPub
from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Graph, Literal

_DECLARATIONS = (OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                 OWL.AnnotationProperty, OWL.FunctionalProperty, OWL.TransitiveProperty)


def render_html(ontology_ttl_path: Path) -> str:
    """Render the Turtle ontology at `ontology_ttl_path` as one self-contained HTML page.

    Uses pyLODE's OntPub profile (called `OntDoc` in older pyLODE releases) on a copy of the
    graph that is only tidied for display: the type declarations of external terms are
    dropped (so only the ontology's own terms get entries; links to external terms stay),
    SKOS concept schemes are not typed as such (pyLODE would merge their titles into the
    ontology's), and the English and Chinese labels and titles of an entity are joined into
    one "en · zh" heading.
    The file is parsed here, nothing is fetched, and the CSS is inlined.
    """
    graph = Graph().parse(Path(ontology_ttl_path), format="turtle")
    onts = list(graph.subjects(RDF.type, OWL.Ontology))
    namespace = str(onts[0]) if onts else ""
    for kind in _DECLARATIONS:
        for term in list(graph.subjects(RDF.type, kind)):
            if not str(term).startswith(namespace):
                graph.remove((term, RDF.type, kind))
    graph.remove((None, RDF.type, SKOS.ConceptScheme))
    rank = {"en": 0, "zh": 1}
    for prop in (RDFS.label, DCTERMS.title):
        for term in {s for s in graph.subjects(prop, None) if str(s).startswith(namespace)}:
            values = sorted(graph.objects(term, prop),
                            key=lambda lit: (rank.get(getattr(lit, "language", None), 2), str(lit)))
            if len(values) > 1:
                graph.remove((term, prop, None))
                graph.add((term, prop, Literal(" · ".join(str(v) for v in values))))
    return OntPub(ontology=graph).make_html(include_css=True)
