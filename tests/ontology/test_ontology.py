"""Tests of the brikg ontology: syntax, metadata, bilingual documentation, required terms,
OWL 2 RL profile of the core, HermiT consistency (alone and with the upstream vocabularies)
and the pyLODE documentation build."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

REPO = Path(__file__).resolve().parents[2]
ONTOLOGY = REPO / "ontology"
CORE = ONTOLOGY / "brikg.ttl"
ALIGNMENTS = ONTOLOGY / "alignments.ttl"
EXTENSIONS = ONTOLOGY / "extensions.ttl"
SHARED = Path(os.environ.get("BRIKG_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
VOCABS = SHARED / "ontologies"

CORE_IRI = URIRef("https://w3id.org/brikg/ontology")
ALIGNMENTS_IRI = URIRef("https://w3id.org/brikg/ontology/alignments")
EXTENSIONS_IRI = URIRef("https://w3id.org/brikg/ontology/extensions")

BRI = Namespace("https://w3id.org/brikg/ontology#")
VANN = Namespace("http://purl.org/vocab/vann/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
FABIO = Namespace("http://purl.org/spar/fabio/")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
DOCO = Namespace("http://purl.org/spar/doco/")
DEO = Namespace("http://purl.org/spar/deo/")
CITO = Namespace("http://purl.org/spar/cito/")
TIME = Namespace("http://www.w3.org/2006/time#")
SWRL = Namespace("http://www.w3.org/2003/11/swrl#")

TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

# Upstream vocabularies of the union test: (file in ../shared/ontologies, rdflib format, scratch
# name, strip owl:imports). The scratch names are those owlready2 looks for in onto_path when
# it resolves owl:imports offline (../shared/ontologies/README.md).
UPSTREAM = [
    ("org.ttl", "turtle", "org.owl", False),
    ("prov-o.ttl", "turtle", "prov-o.owl", False),
    ("foaf.rdf", "xml", "foaf.owl", False),
    ("skos.rdf", "xml", "core.owl", False),
    ("oa.ttl", "turtle", "oa.owl", False),
    ("time.ttl", "turtle", "time.owl", False),
    ("fabio.ttl", "turtle", "fabio.owl", False),
    ("imports/spar-frbr.ttl", "turtle", "frbr.owl", False),
    ("cito.ttl", "turtle", "cito.owl", True),  # its import (ODP situation.owl) is not offline
    ("frapo.ttl", "turtle", "frapo.owl", True),  # its import (SPAR's FOAF profile) is not offline
    ("doco.ttl", "turtle", "doco.owl", False),
    ("imports/spar-deo.ttl", "turtle", "deo.owl", False),
    ("imports/spar-po.ttl", "turtle", "po.owl", False),
]
UPSTREAM_ROOTS = ["org", "prov-o", "foaf", "core", "oa", "time", "fabio", "cito", "frapo", "doco"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def strip_swrl(graph: Graph) -> None:
    """Remove SWRL rules (swrl:Imp and their atom lists) and SWRL variables.

    FRBR and PO carry SWRL rules with atoms that HermiT rejects ("built-in atoms are not
    supported yet"); SWRL is not part of OWL 2, so the scratch copies leave them out.
    """
    todo = list(graph.subjects(RDF.type, SWRL.Imp))
    seen: set = set()
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(o for o in graph.objects(node, None) if isinstance(o, BNode))
    for node in seen:
        graph.remove((node, None, None))
    for var in list(graph.subjects(RDF.type, SWRL.Variable)):
        graph.remove((var, None, None))


def to_rdfxml(graph_or_path, dst: Path, fmt: str = "turtle", strip_imports: bool = False) -> Path:
    """Write RDF/XML (what owlready2 reads) of a graph or RDF file into scratch space."""
    if isinstance(graph_or_path, Graph):
        graph = Graph()
        for t in graph_or_path:
            graph.add(t)
    else:
        graph = Graph().parse(graph_or_path, format=fmt)
    if strip_imports:
        graph.remove((None, OWL.imports, None))
    strip_swrl(graph)
    graph.serialize(dst, format="xml")
    return dst


def bri_terms(graph: Graph) -> set[URIRef]:
    return {s for kind in TERM_KINDS for s in graph.subjects(RDF.type, kind)
            if isinstance(s, URIRef) and s.startswith(BRI)}


def langs(graph: Graph, s, p) -> set[str]:
    return {o.language for o in graph.objects(s, p) if isinstance(o, Literal) and str(o).strip()}


def hermit_consistency(world, tmp_path: Path) -> tuple[bool, str]:
    """Save an owlready2 World as N-Triples and ask HermiT (`-k`) whether it is consistent.

    Same HermiT jar and Java as owlready2's `sync_reasoner`, without the classification flags
    it always passes: classifying the whole SPAR union takes minutes, a consistency check
    seconds. Unsupported datatypes (xsd:gYear, used by FaBiO and brikg) are ignored.
    """
    import owlready2

    nt = tmp_path / "world.nt"
    with open(nt, "wb") as f:
        world.save(f, format="ntriples",
                   filter=lambda _g, _s, p, _o, _d: p != owlready2.owl_imports)
    hermit = Path(owlready2.__file__).parent / "hermit"
    cmd = [owlready2.JAVA_EXE, f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M", "-cp",
           os.pathsep.join([str(hermit), str(hermit / "HermiT.jar")]),
           "org.semanticweb.HermiT.cli.CommandLine", "-k", "--ignoreUnsupportedDatatypes",
           nt.as_uri()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    if "InconsistentOntologyException" in out:
        return False, out
    if run.returncode != 0 or "is satisfiable" not in out:
        raise RuntimeError(f"HermiT failed (exit {run.returncode}):\n{out[:3000]}")
    return True, out


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def core() -> Graph:
    return Graph().parse(CORE, format="turtle")


@pytest.fixture(scope="module")
def alignments() -> Graph:
    return Graph().parse(ALIGNMENTS, format="turtle")


@pytest.fixture(scope="module")
def extensions() -> Graph:
    return Graph().parse(EXTENSIONS, format="turtle")


@pytest.fixture(scope="module")
def upstream_dir(tmp_path_factory) -> Path:
    """Scratch RDF/XML copies of the shared vocabularies and of the brikg modules."""
    if not VOCABS.is_dir():
        pytest.skip(f"shared vocabularies not found at {VOCABS}: the union test needs "
                    "../shared/ontologies beside the repository (or BRIKG_SHARED)")
    d = tmp_path_factory.mktemp("union")
    for src, fmt, name, strip in UPSTREAM:
        to_rdfxml(VOCABS / src, d / name, fmt=fmt, strip_imports=strip)
    # named after the last IRI segment, so that owl:imports of the core resolve offline
    to_rdfxml(CORE, d / "ontology.owl")
    to_rdfxml(ALIGNMENTS, d / "alignments.owl")
    to_rdfxml(EXTENSIONS, d / "extensions.owl")
    return d


@pytest.fixture
def onto_path():
    """Put folders first on owlready2's (global) onto_path for one test, then restore it."""
    import owlready2

    added: list[str] = []

    def use(folder: Path) -> None:
        owlready2.onto_path.insert(0, str(folder))
        added.append(str(folder))

    yield use
    for folder in added:
        owlready2.onto_path.remove(folder)


def load_core_world(path: Path):
    import owlready2

    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    return world, onto


def sync_hermit(world) -> None:
    """The brief's reasoner call, plus ignore_unsupported_datatypes=True (see test below)."""
    import owlready2

    owlready2.sync_reasoner(world, infer_property_values=False, debug=0,
                            ignore_unsupported_datatypes=True)


# ---------------------------------------------------------------------------------------------
# 1. syntax and metadata
# ---------------------------------------------------------------------------------------------

def test_modules_parse(core, alignments, extensions):
    assert len(core) > 500
    assert len(alignments) > 50
    assert len(extensions) > 10


def test_core_metadata(core):
    assert (CORE_IRI, RDF.type, OWL.Ontology) in core
    assert core.value(CORE_IRI, OWL.versionIRI) == URIRef("https://w3id.org/brikg/ontology/0.1.0")
    assert str(core.value(CORE_IRI, OWL.versionInfo)) == "0.1.0"
    assert langs(core, CORE_IRI, DCTERMS.title) >= {"en", "zh"}
    assert langs(core, CORE_IRI, DCTERMS.description) >= {"en", "zh"}
    assert str(core.value(CORE_IRI, DCTERMS.creator)) == "brikg contributors"
    assert core.value(CORE_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    for p in (DCTERMS.created, DCTERMS.modified):
        value = core.value(CORE_IRI, p)
        assert isinstance(value, Literal) and value.datatype == XSD.date, p
    assert str(core.value(CORE_IRI, VANN.preferredNamespacePrefix)) == "bri"
    assert str(core.value(CORE_IRI, VANN.preferredNamespaceUri)) == str(BRI)
    assert list(core.subjects(RDF.type, OWL.Ontology)) == [CORE_IRI]
    assert not list(core.objects(CORE_IRI, OWL.imports)), "the core is self-contained"


@pytest.mark.parametrize("iri, fixture", [(ALIGNMENTS_IRI, "alignments"),
                                          (EXTENSIONS_IRI, "extensions")])
def test_module_metadata(request, iri, fixture):
    g = request.getfixturevalue(fixture)
    assert list(g.subjects(RDF.type, OWL.Ontology)) == [iri]
    assert g.value(iri, OWL.versionIRI) == URIRef(str(iri) + "/0.1.0")
    assert (iri, OWL.imports, CORE_IRI) in g
    assert langs(g, iri, DCTERMS.title) >= {"en", "zh"}
    assert g.value(iri, DCTERMS.license) is not None


# ---------------------------------------------------------------------------------------------
# 2. bilingual labels and definitions
# ---------------------------------------------------------------------------------------------

def test_every_bri_term_has_en_and_zh_label_and_definition(core):
    terms = bri_terms(core)
    assert len(terms) > 80
    missing = [
        (core.qname(t), p.n3(core.namespace_manager), lang)
        for t in sorted(terms) for p in (RDFS.label, SKOS.definition) for lang in ("en", "zh")
        if lang not in langs(core, t, p)
    ]
    assert not missing, missing
    for t in terms:  # one label per language, so documentation and UIs pick a single one
        for lang in ("en", "zh"):
            n = [o for o in core.objects(t, RDFS.label) if o.language == lang]
            assert len(n) == 1, (t, lang, n)


def test_concept_schemes_and_concepts_are_bilingual(core):
    schemes = set(core.subjects(RDF.type, SKOS.ConceptScheme))
    assert {BRI.ThemeScheme, BRI.CooperationModeScheme, BRI.OperatingModelScheme,
            BRI.IndicatorScheme} <= schemes
    concepts = {c for s in schemes for c in core.objects(s, SKOS.hasTopConcept)}
    assert len(concepts) >= 15
    for node in schemes | concepts:
        for p in (SKOS.prefLabel, SKOS.definition):
            assert langs(core, node, p) >= {"en", "zh"}, (node, p)
    for c in concepts:
        scheme = core.value(c, SKOS.inScheme)
        assert scheme in schemes and (c, SKOS.topConceptOf, scheme) in core
        assert (scheme, SKOS.hasTopConcept, c) in core


def test_every_bri_iri_used_is_declared_in_the_core(core, alignments, extensions):
    declared = {s for s in core.subjects(RDF.type, None) if s.startswith(BRI)}
    for name, g in (("core", core), ("alignments", alignments), ("extensions", extensions)):
        used = {n for t in g for n in t if isinstance(n, URIRef) and n.startswith(BRI)}
        assert used <= declared, (name, sorted(used - declared))
    assert not bri_terms(alignments) and not bri_terms(extensions), \
        "the modules map or constrain core terms; they mint none"


# ---------------------------------------------------------------------------------------------
# 3. the terms the skeleton uses
# ---------------------------------------------------------------------------------------------

REQUIRED_CLASSES = {BRI.Paper, BRI.SourceText, BRI.Authorship}
REQUIRED_OBJECT_PROPERTIES = {
    BRI.hasAuthorship: (BRI.Paper, BRI.Authorship),
    BRI.author: (BRI.Authorship, FOAF.Person),
    BRI.affiliation: (BRI.Authorship, ORG.Organization),
    BRI.publishedIn: (BRI.Paper, FABIO.Journal),
    BRI.acknowledgesGrant: (BRI.Paper, FRAPO.Grant),
    BRI.hasSection: (BRI.Paper, DOCO.Section),
    BRI.parentSection: (DOCO.Section, DOCO.Section),
    BRI.hasReference: (BRI.Paper, DEO.BibliographicReference),
    BRI.textOf: (BRI.SourceText, BRI.Paper),
    BRI.citesPaper: (BRI.Paper, BRI.Paper),
}
REQUIRED_DATATYPE_PROPERTIES = {
    BRI.authorPosition: (BRI.Authorship, XSD.positiveInteger),
    BRI.isCorrespondingAuthor: (BRI.Authorship, XSD.boolean),
    BRI.sectionNumber: (DOCO.Section, XSD.string),
    BRI.referenceNumber: (DEO.BibliographicReference, XSD.positiveInteger),
    BRI.referenceText: (DEO.BibliographicReference, XSD.string),
    BRI.sha256: (BRI.SourceText, XSD.string),
    BRI.fileName: (BRI.SourceText, XSD.string),
}


def test_required_classes(core):
    for c in REQUIRED_CLASSES:
        assert (c, RDF.type, OWL.Class) in core, c
    assert (BRI.Paper, RDFS.subClassOf, FABIO.Expression) in core
    assert (BRI.SourceText, RDFS.subClassOf, PROV.Entity) in core


@pytest.mark.parametrize("prop", sorted(REQUIRED_OBJECT_PROPERTIES))
def test_required_object_properties(core, prop):
    domain, range_ = REQUIRED_OBJECT_PROPERTIES[prop]
    assert (prop, RDF.type, OWL.ObjectProperty) in core
    assert set(core.objects(prop, RDFS.domain)) == {domain}
    assert set(core.objects(prop, RDFS.range)) == {range_}


@pytest.mark.parametrize("prop", sorted(REQUIRED_DATATYPE_PROPERTIES))
def test_required_datatype_properties(core, prop):
    domain, range_ = REQUIRED_DATATYPE_PROPERTIES[prop]
    assert (prop, RDF.type, OWL.DatatypeProperty) in core
    assert set(core.objects(prop, RDFS.domain)) == {domain}
    assert set(core.objects(prop, RDFS.range)) == {range_}


def test_cites_paper_specialises_cito_cites(core):
    assert (BRI.citesPaper, RDFS.subPropertyOf, CITO.cites) in core


def test_modelling_terms_of_the_brief(core):
    """A few of the modelling commitments: years as xsd:gYear, amounts as nodes, RL-friendly
    transitive part-of relations, a Wikidata link that is not owl:sameAs."""
    assert core.value(BRI.foundingYear, RDFS.range) == XSD.gYear
    assert core.value(BRI.startYear, RDFS.range) == XSD.gYear
    assert (BRI.MonetaryAmount, RDFS.subClassOf, BRI.Statistic) in core
    assert core.value(BRI.value, RDFS.range) == XSD.decimal
    for p in (BRI.value, BRI.currency, BRI.unitMultiplier):  # one value, one currency per node
        assert (p, RDF.type, OWL.FunctionalProperty) in core
    assert core.value(BRI.refPeriod, RDFS.range) == TIME.Interval
    assert (BRI.partOfRegion, RDF.type, OWL.TransitiveProperty) in core
    assert (BRI.wikidata, RDF.type, OWL.AnnotationProperty) in core
    assert (BRI.wikidata, RDFS.subPropertyOf, RDFS.seeAlso) in core
    assert (BRI.ThemeScheme, RDF.type, SKOS.ConceptScheme) in core


def test_every_minted_term_is_related_to_an_external_vocabulary(core, alignments):
    """Each bri: class/property reaches a non-bri term through subclass/subproperty/inverse
    links or a SKOS mapping, possibly via other bri: terms (core + alignments)."""
    links = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, OWL.equivalentClass,
             OWL.equivalentProperty, SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch,
             SKOS.broadMatch, SKOS.narrowMatch)
    g = core + alignments
    related = set()
    changed = True
    terms = bri_terms(core)
    while changed:
        changed = False
        for t in terms - related:
            targets = {o for p in links for o in g.objects(t, p)} | \
                      {s for s in g.subjects(OWL.inverseOf, t)}
            if any(isinstance(o, URIRef) and (not o.startswith(BRI) or o in related)
                   for o in targets):
                related.add(t)
                changed = True
    assert not terms - related, sorted(core.qname(t) for t in terms - related)


def test_no_same_as_and_schema_org_is_https(core, alignments, extensions):
    for g in (core, alignments, extensions):
        assert not list(g.triples((None, OWL.sameAs, None)))
        iris = {n for t in g for n in t if isinstance(n, URIRef)}
        assert not [i for i in iris if i.startswith("http://schema.org/")]
    wikidata = [t for t in alignments
                if isinstance(t[2], URIRef) and t[2].startswith("http://www.wikidata.org/")]
    assert wikidata
    assert {p for _, p, _ in wikidata} <= {SKOS.closeMatch, SKOS.relatedMatch}


# ---------------------------------------------------------------------------------------------
# OWL 2 RL profile of the core (syntactic check)
# ---------------------------------------------------------------------------------------------

RL_DATATYPES = {RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal} | {XSD[n] for n in (
    "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
    "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte", "float", "double", "string", "normalizedString", "token",
    "language", "Name", "NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI",
    "dateTime", "dateTimeStamp")}
# xsd:gYear is in neither the OWL 2 datatype map nor OWL 2 RL; brikg uses it for years as FaBiO
# does (fabio:hasPublicationYear). Documented in docs/decisions/0002-ontology.md.
DOCUMENTED_DATATYPE_EXCEPTIONS = {XSD.gYear}
NOT_IN_RL = (OWL.minCardinality, OWL.cardinality, OWL.minQualifiedCardinality,
             OWL.qualifiedCardinality, OWL.disjointUnionOf, OWL.hasSelf, OWL.withRestrictions,
             OWL.onDatatype)


class RLChecker:
    """Finds the common OWL 2 RL violations in an RDF graph (OWL 2 RL spec, section 4.2)."""

    def __init__(self, graph: Graph):
        self.g = graph
        self.datatypes = set(graph.subjects(RDF.type, RDFS.Datatype)) | RL_DATATYPES | \
            DOCUMENTED_DATATYPE_EXCEPTIONS | {XSD.gYear, XSD.date, XSD.gYearMonth}

    def _list(self, node):
        return list(Collection(self.g, node))

    def _filler_ok(self, filler, side) -> bool:
        if filler in (OWL.Thing,) or filler in self.datatypes:
            return True
        return side(filler)

    def sub(self, c) -> bool:
        g = self.g
        if isinstance(c, URIRef):
            return c != OWL.Thing
        if (lst := g.value(c, OWL.intersectionOf)) is not None:
            return all(self.sub(x) for x in self._list(lst))
        if (lst := g.value(c, OWL.unionOf)) is not None:
            return all(self.sub(x) for x in self._list(lst))
        if g.value(c, OWL.oneOf) is not None or g.value(c, OWL.hasValue) is not None:
            return True
        if (f := g.value(c, OWL.someValuesFrom)) is not None:
            return self._filler_ok(f, self.sub)
        return False

    def sup(self, c) -> bool:
        g = self.g
        if isinstance(c, URIRef):
            return c != OWL.Thing
        if (lst := g.value(c, OWL.intersectionOf)) is not None:
            return all(self.sup(x) for x in self._list(lst))
        if (x := g.value(c, OWL.complementOf)) is not None:
            return self.sub(x)
        if g.value(c, OWL.hasValue) is not None:
            return True
        if (f := g.value(c, OWL.allValuesFrom)) is not None:
            return f in self.datatypes or self.sup(f)
        for p in (OWL.maxCardinality, OWL.maxQualifiedCardinality):
            if (n := g.value(c, p)) is not None:
                filler = g.value(c, OWL.onClass)
                return int(n) in (0, 1) and (filler is None or self._filler_ok(filler, self.sub))
        return False

    def equiv(self, c) -> bool:
        g = self.g
        if isinstance(c, URIRef):
            return c != OWL.Thing
        if (lst := g.value(c, OWL.intersectionOf)) is not None:
            return all(self.equiv(x) for x in self._list(lst))
        return g.value(c, OWL.hasValue) is not None

    def violations(self) -> list[str]:
        g, out = self.g, []
        for p in NOT_IN_RL:
            out += [f"{p.n3(g.namespace_manager)} used" for _ in g.triples((None, p, None))]
        out += [f"{s} is a ReflexiveProperty" for s in g.subjects(RDF.type, OWL.ReflexiveProperty)]
        for s, o in g.subject_objects(RDFS.subClassOf):
            if not self.sub(s):
                out.append(f"subclass side of {s} ⊑ {o} is not an RL subclass expression")
            if not self.sup(o):
                out.append(f"superclass side of {s} ⊑ {o} is not an RL superclass expression")
        for s, o in g.subject_objects(OWL.equivalentClass):
            if not (self.equiv(s) and self.equiv(o)):
                out.append(f"{s} ≡ {o} is not an RL equivalence")
        for s, o in g.subject_objects(OWL.disjointWith):
            if not (self.sub(s) and self.sub(o)):
                out.append(f"{s} disjoint {o} is not RL")
        for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
            if not all(self.sub(m) for m in self._list(g.value(node, OWL.members))):
                out.append("owl:AllDisjointClasses with a non-RL member")
        for p in g.subjects(RDF.type, OWL.ObjectProperty):
            for c in list(g.objects(p, RDFS.domain)) + list(g.objects(p, RDFS.range)):
                if not self.sup(c):
                    out.append(f"domain/range of {p} is not an RL superclass expression")
        for p in g.subjects(RDF.type, OWL.DatatypeProperty):
            for c in g.objects(p, RDFS.domain):
                if not self.sup(c):
                    out.append(f"domain of {p} is not an RL superclass expression")
            for d in g.objects(p, RDFS.range):
                if d not in RL_DATATYPES | DOCUMENTED_DATATYPE_EXCEPTIONS:
                    out.append(f"range {d} of {p} is not an OWL 2 RL datatype")
        return out


def test_core_is_inside_owl2_rl(core):
    assert RLChecker(core).violations() == []


def test_core_uses_no_datatype_outside_rl_but_the_documented_gyear(core):
    used = {d for p in core.subjects(RDF.type, OWL.DatatypeProperty)
            for d in core.objects(p, RDFS.range)}
    assert used - RL_DATATYPES == DOCUMENTED_DATATYPE_EXCEPTIONS


def test_rl_checker_catches_violations(extensions):
    """Positive controls: the checker is not vacuous."""
    assert any("superclass side" in v for v in RLChecker(extensions).violations())
    bad = Graph().parse(data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix : <urn:x:> .
        :A rdfs:subClassOf [ owl:unionOf ( :B :C ) ] .
        :D rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :p ; owl:minCardinality 2 ] .
        :E rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :p ; owl:maxCardinality 3 ] .
        [ owl:intersectionOf ( :B [ a owl:Restriction ; owl:onProperty :p ;
            owl:allValuesFrom :C ] ) ] rdfs:subClassOf :F .
        :p a owl:ObjectProperty ; rdfs:range [ owl:unionOf ( :B :C ) ] .
    """, format="turtle")
    found = "\n".join(RLChecker(bad).violations())
    for needle in ("superclass side of urn:x:A", "minCardinality", "superclass side of urn:x:E",
                   "subclass side of", "domain/range of urn:x:p"):
        assert needle in found, needle


# ---------------------------------------------------------------------------------------------
# 4. HermiT on the core (owlready2)
# ---------------------------------------------------------------------------------------------

@pytest.mark.reasoner
def test_core_is_consistent_with_hermit(tmp_path):
    """HermiT (via owlready2) finds the core consistent, with no unsatisfiable class.

    `ignore_unsupported_datatypes=True` is needed because HermiT rejects xsd:gYear (not in the
    OWL 2 datatype map); see the next test for what exactly it changes.
    """
    world, onto = load_core_world(to_rdfxml(CORE, tmp_path / "brikg.owl"))
    assert onto.Paper is not None and onto.hasAuthorship is not None
    sync_hermit(world)
    assert list(world.inconsistent_classes()) == []


@pytest.mark.reasoner
def test_core_with_the_plain_reasoner_call(tmp_path):
    """The plain call `sync_reasoner(world, infer_property_values=False, debug=0)` fails only
    because of xsd:gYear, and passes on a scratch copy whose gYear ranges become rdfs:Literal."""
    import owlready2

    world, _ = load_core_world(to_rdfxml(CORE, tmp_path / "brikg.owl"))
    with pytest.raises(owlready2.OwlReadyJavaError, match="gYear"):
        owlready2.sync_reasoner(world, infer_property_values=False, debug=0)

    g = Graph().parse(CORE, format="turtle")
    for s in list(g.subjects(RDFS.range, XSD.gYear)):
        g.remove((s, RDFS.range, XSD.gYear))
        g.add((s, RDFS.range, RDFS.Literal))
    world, _ = load_core_world(to_rdfxml(g, tmp_path / "brikg-no-gyear.owl"))
    owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []


@pytest.mark.reasoner
def test_all_brikg_modules_classify_with_hermit(tmp_path, onto_path):
    """Core + alignments + extensions, fully classified (classes, properties, individuals);
    the modules' owl:imports of the core resolve offline from a scratch folder."""
    import owlready2

    to_rdfxml(CORE, tmp_path / "ontology.owl")
    to_rdfxml(ALIGNMENTS, tmp_path / "alignments.owl")
    to_rdfxml(EXTENSIONS, tmp_path / "extensions.owl")
    onto_path(tmp_path)

    world = owlready2.World()
    for iri in (ALIGNMENTS_IRI, EXTENSIONS_IRI):  # both import the core
        world.get_ontology(str(iri)).load()
    assert world.get_ontology(str(CORE_IRI)).loaded
    sync_hermit(world)
    assert list(world.inconsistent_classes()) == []


# ---------------------------------------------------------------------------------------------
# 5. union with the upstream vocabularies
# ---------------------------------------------------------------------------------------------

def load_union(upstream_dir: Path):
    import owlready2

    world = owlready2.World()
    for name in UPSTREAM_ROOTS:
        world.get_ontology((upstream_dir / f"{name}.owl").as_uri()).load()
    for iri in (ALIGNMENTS_IRI, EXTENSIONS_IRI):
        world.get_ontology(str(iri)).load()
    loaded = {o.base_iri for o in world.ontologies.values()}
    for expected in ("http://purl.org/spar/frbr/", "http://purl.org/spar/deo/",
                     "http://purl.org/spar/po#", "https://w3id.org/brikg/ontology#"):
        assert expected in loaded, f"{expected} not resolved offline"
    return world


def add_probes(world, graphs) -> int:
    """One fresh individual for every class named in `graphs` that has no named subclass there
    (a probe of a subclass also instantiates its superclasses). If the union stays consistent,
    every class that brikg names is satisfiable in it."""
    import owlready2

    named = {c for g in graphs for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    named |= {o for g in graphs for p in (RDFS.domain, RDFS.range, RDFS.subClassOf)
              for o in g.objects(None, p) if isinstance(o, URIRef) and o != OWL.Thing}
    supers = {o for g in graphs for s, o in g.subject_objects(RDFS.subClassOf)
              if isinstance(s, URIRef) and s in named}
    leaves = sorted(named - supers)
    probes = world.get_ontology("urn:brikg:probes#")
    n = 0
    with probes:
        for i, iri in enumerate(leaves):
            cls = world[str(iri)]
            if isinstance(cls, owlready2.ThingClass):
                cls(f"probe{i}")
                n += 1
    return n


@pytest.mark.reasoner
def test_union_with_upstream_vocabularies_is_consistent(upstream_dir, onto_path, tmp_path,
                                                        core, alignments, extensions):
    """brikg + ORG, PROV-O, FOAF, SKOS, Web Annotation, OWL-Time, FaBiO (+FRBR), CiTO, FRAPO and
    DoCO (+DEO, PO), all offline: HermiT finds the union consistent even with an instance of
    every class that brikg names, so none of those classes is unsatisfiable.

    Scratch-copy adaptations (the shared files are never edited): owl:imports removed from CiTO
    and FRAPO, SWRL rules removed from FRBR and PO (HermiT rejects their atoms). Full HermiT
    classification of this union takes minutes (measured 80-250 s), hence `-k` with probes.
    """
    onto_path(upstream_dir)
    world = load_union(upstream_dir)
    assert add_probes(world, [core, alignments, extensions]) >= 30
    consistent, out = hermit_consistency(world, tmp_path)
    assert consistent, out[:2000]


# ---------------------------------------------------------------------------------------------
# 6. negative tests: the reasoner runs really check something
# ---------------------------------------------------------------------------------------------

@pytest.mark.reasoner
@pytest.mark.parametrize("a, b", [("Paper", ORG.Organization), ("Paper", FOAF.Person),
                                  ("Region", ORG.Organization), ("Statistic", BRI.Claim)])
def test_disjoint_individual_makes_the_core_inconsistent(tmp_path, a, b):
    import owlready2

    world, onto = load_core_world(to_rdfxml(CORE, tmp_path / "brikg.owl"))
    other = world[str(b)]
    with onto:
        x = getattr(onto, a)("both")
        x.is_a.append(other)
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        sync_hermit(world)


@pytest.mark.reasoner
def test_consistency_harness_detects_an_unsatisfiable_class(tmp_path):
    """The `-k` harness of the union test reports an instance of an unsatisfiable class (here
    a subclass of both bri:Paper and foaf:Person, which brikg declares disjoint)."""
    import owlready2

    world, onto = load_core_world(to_rdfxml(CORE, tmp_path / "brikg.owl"))
    assert hermit_consistency(world, tmp_path)[0]
    with onto:
        bad = owlready2.types.new_class("PaperPerson", (onto.Paper, world[str(FOAF.Person)]))
        bad("probe")
    assert not hermit_consistency(world, tmp_path)[0]


@pytest.mark.reasoner
def test_upstream_disjointness_reaches_brikg(tmp_path, upstream_dir):
    """A bri:Initiative is a foaf:Project, which FOAF (loaded with the core) makes disjoint
    with foaf:Person: an individual of both is inconsistent."""
    import owlready2

    world, onto = load_core_world(to_rdfxml(CORE, tmp_path / "brikg.owl"))
    world.get_ontology((upstream_dir / "foaf.owl").as_uri()).load()
    with onto:
        x = onto.Initiative("initiative_person")
        x.is_a.append(world[str(FOAF.Person)])
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        sync_hermit(world)


# ---------------------------------------------------------------------------------------------
# 7. pyLODE documentation
# ---------------------------------------------------------------------------------------------

def test_pylode_renders_the_core_offline(monkeypatch):
    from kg.ontology_docs import render_html

    def no_network(*_a, **_k):
        raise OSError("network access during the docs build")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    html = render_html(CORE)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "joint laboratory" in html and "联合实验室" in html
    assert "government body" in html and "政府部门" in html
    assert "https://w3id.org/brikg/ontology#Paper" in html
    # external terms are linked, not documented as if they were brikg's
    assert 'id="Person"' not in html and "http://xmlns.com/foaf/0.1/Person" in html
