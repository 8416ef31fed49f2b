"""The build: papers -> extraction -> graph -> validation -> store, published atomically."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg import __version__, iris, reason, store, validate
from kg.corpus import corpus_checksum, read_corpus
from kg.curated import CURATED_GRAPH, CURATION_AGENT, DATA_DIR, Loader, normalize_quote_text
from kg.errors import CorpusError
from kg.extract import get as get_extractor
from kg.extract.auto import AUTO_ACTIVITY, AUTO_AGENT, AutoResult, load_automatic
from kg.extract.merge import group, merge
from kg.graph import add_paper, corpus_keys, paper_slug
from kg.ns import BRID
from kg.paths import ONTOLOGY_FILES

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    generation: Path
    papers: list[str]
    files: int
    triples: int
    warnings: int
    seconds: float
    skipped: list[CorpusError] = field(default_factory=list)


def assemble(corpus: Path, *, keep_going: bool = False, progress: Progress = lambda _: None,
             data_dir: Path = DATA_DIR):
    """Read and extract the corpus; return the dataset, paper IRIs, file count and skipped files."""
    files, bad = read_corpus(corpus, keep_going=keep_going)
    for err in bad:
        progress(f"skipped {err}")
    progress(f"read {len(files)} file(s) from {corpus}")
    by_name = {f.name: f for f in files}
    records = [get_extractor("structure")(f) for f in files]
    groups = group(records)
    progress(f"recognised {len(groups)} paper(s) in {len(files)} file(s)")
    ds = Dataset()
    onto = ds.graph(iris.ONTOLOGY_GRAPH)
    for f in ONTOLOGY_FILES:
        if f.exists():
            onto.parse(f, format="turtle")
    papers = []
    curation_view: dict[str, dict] = {}
    merged = [merge(g) for g in groups]
    corpus_index = {key: iris.paper(paper_slug(rec)) for rec in merged for key in corpus_keys(rec)}
    for rec in merged:
        iri = add_paper(ds, rec, by_name, corpus_index)
        papers.append(str(iri))
        slug = paper_slug(rec)
        curation_view[slug] = {
            "slug": slug, "iri": iri, "graph": iris.paper_graph(slug),
            "texts": {n: normalize_quote_text(by_name[n].text) for n in rec.files},
            "sections": {s.number for s in rec.sections},
        }
        progress(f"  {slug}: {len(rec.authors)} author(s), "
                 f"{len(rec.sections)} section(s), {len(rec.references)} reference(s)")
    facts = Loader(onto, curation_view, data_dir).load(ds)
    progress(f"loaded {facts} curated fact(s) with evidence")
    auto = load_automatic(ds, merged, by_name, progress=progress)  # candidates only; never fails the build
    progress(f"extracted {auto.mentions} candidate mention(s) and {auto.quantities} candidate statistic(s) "
             f"automatically")
    meta = ds.graph(iris.BUILD_GRAPH)
    activity = iris.sub(iris.BUILD_GRAPH, "activity")
    meta.add((activity, RDF.type, PROV.Activity))
    meta.add((activity, PROV.endedAtTime, Literal(dt.datetime.now(dt.UTC).replace(microsecond=0),
                                                   datatype=XSD.dateTime)))
    meta.add((activity, DCTERMS.identifier, Literal(corpus_checksum(files))))
    meta.add((activity, DCTERMS.hasVersion, Literal(__version__)))
    for name in sorted(by_name):
        meta.add((activity, PROV.used, iris.source_text(name)))
    for p in papers:
        meta.add((activity, PROV.generated, URIRef(p)))
    record_loaders(meta, activity, sorted(by_name), [paper_slug(rec) for rec in merged], data_dir, auto)
    return ds, papers, len(files), bad


def record_loaders(meta, build_activity: URIRef, file_names: list[str], slugs: list[str], data_dir: Path,
                   auto: AutoResult) -> None:
    """One prov:Activity per loader (structure, curated, automatic): what it used and generated."""
    structure = URIRef(BRID + "activity/structure-extraction")
    curation = URIRef(BRID + "activity/curation")
    sources = [iris.source_text(n) for n in file_names]
    data_files = [URIRef(f"{BRID}data/{f.relative_to(data_dir).as_posix()}")
                  for f in sorted(data_dir.glob("*/*.yaml"))]
    loaders = (
        (structure, "structure extraction", sources, [iris.paper_graph(s) for s in slugs], None),
        (curation, "curated data", data_files, [CURATED_GRAPH, *(iris.paper_graph(s) for s in slugs)], CURATION_AGENT),
        (AUTO_ACTIVITY, "automatic extraction", [*sources, CURATED_GRAPH, iris.ONTOLOGY_GRAPH], auto.graphs,
         AUTO_AGENT),
    )
    for node, label, used, generated, agent in loaders:
        meta.add((build_activity, DCTERMS.hasPart, node))
        meta.add((node, RDF.type, PROV.Activity))
        meta.add((node, RDFS.label, Literal(label, lang="en")))
        meta.add((node, DCTERMS.hasVersion, Literal(__version__)))
        if node != structure:
            meta.add((node, PROV.wasInformedBy, structure))
        if agent is not None:
            meta.add((node, PROV.wasAssociatedWith, agent))
        for u in used:
            meta.add((node, PROV.used, u))
        for g in generated:
            meta.add((node, PROV.generated, g))


def build(corpus: Path, store_dir: Path, *, keep_going: bool = False, progress: Progress = print,
          data_dir: Path = DATA_DIR) -> BuildResult:
    """Build the graph of `corpus` and publish it in `store_dir` if it validates."""
    t0 = time.perf_counter()
    ds, papers, nfiles, bad = assemble(corpus, keep_going=keep_going, progress=progress, data_dir=data_dir)
    nquads = ds.serialize(format="nquads", encoding="utf-8")
    report_holder: dict = {}

    def fill(s: ox.Store) -> None:
        s.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
        progress(f"wrote {len(s)} triples in {len(list(s.named_graphs()))} named graph(s)")
        # OWL 2 RL materialization into its own named graphs (kg/reason.py)
        report_holder["asserted"] = asserted = reason.asserted_graph(s)
        mat = reason.materialize(asserted + reason.upstream_axioms(), reason.REASONER)
        s.bulk_load(ox.serialize(reason.quads(mat), format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        progress(f"inferred {len(mat.inferred)} triple(s) with {mat.reasoner} {mat.version} "
                 f"in {mat.seconds:.1f} s ({', '.join(f'{k} {v}' for k, v in reason.rule_counts(mat).items())})")

    def check(s: ox.Store, path: Path) -> None:
        report_holder["report"] = report = validate.check_store(s, path)  # asserted data only
        progress(f"validated: conforms, {report.warnings} warning(s)")
        seconds = reason.check_consistency(report_holder["asserted"])
        progress(f"consistent (HermiT, {seconds:.1f} s)")

    gen = store.publish(store_dir, fill, check)
    seconds = time.perf_counter() - t0
    triples = len(ox.Store.read_only(str(gen)))
    progress(f"published {gen.name} in {store_dir} ({triples} triples, {seconds:.1f} s)")
    return BuildResult(gen, papers, nfiles, triples, report_holder["report"].warnings, seconds, bad)
