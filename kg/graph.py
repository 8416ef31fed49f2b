"""Turn merged paper records into triples: one named graph per paper.

Only terms from the closed namespaces are used, so a misspelt term fails at once.
"""

from __future__ import annotations

import re

from rdflib import RDF, RDFS, XSD, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, SKOS

from kg import iris
from kg.corpus import SourceFile
from kg.extract import citations
from kg.extract.records import PaperRecord
from kg.ns import BRI
from kg.vocab import CITO, DEO, DOCO, FABIO, FRAPO, PRISM

_VERSION_SUFFIX = re.compile(r"\s*\((?:[^()]*\b(?:Version|Edition)\b[^()]*)\)\s*$", re.I)


def paper_slug(rec: PaperRecord) -> str:
    first = rec.authors[0] if rec.authors else None
    title = rec.titles.get("en") or next(iter(rec.titles.values()), None)
    return iris.paper_slug(first.family if first else None, rec.year, title, rec.files[0])


def corpus_keys(rec: PaperRecord) -> list[str]:
    """The citation keys under which other papers would cite this one (see extract/citations)."""
    keys = []
    first = rec.authors[0] if rec.authors else None
    if first and first.family and rec.year and rec.volume and rec.first_page:
        keys.append(f"{first.family.lower()}-{rec.year}-{rec.volume}-{rec.first_page}")
    if rec.doi:
        keys.append("doi:" + rec.doi.lower())
    return keys


def add_paper(ds: Dataset, rec: PaperRecord, files: dict[str, SourceFile],
              corpus: dict[str, URIRef] | None = None) -> URIRef:
    """Write one paper's bibliographic record into its own named graph; return the paper IRI.

    `corpus` maps citation keys to the papers of the corpus, so a reference to one of them
    becomes a `bri:citesPaper` link to that paper rather than to a separate work.
    """
    key = paper_slug(rec)
    p = iris.paper(key)
    g = ds.graph(iris.paper_graph(key))
    g.add((p, RDF.type, BRI.Paper))
    for lang, title in rec.titles.items():
        g.add((p, DCTERMS.title, Literal(title, lang=lang)))
        g.add((p, RDFS.label, Literal(title, lang=lang)))
    for lang, abstract in rec.abstracts.items():
        g.add((p, DCTERMS.abstract, Literal(abstract, lang=lang)))
    for lang in rec.languages:
        g.add((p, DCTERMS.language, Literal(lang, datatype=XSD.language)))
    if rec.year:
        g.add((p, FABIO.hasPublicationYear, Literal(rec.year, datatype=XSD.gYear)))
    if rec.doi:
        g.add((p, PRISM.doi, Literal(rec.doi)))
    for field, prop in (("volume", PRISM.volume), ("issue", PRISM.issueIdentifier),
                        ("first_page", PRISM.startingPage), ("last_page", PRISM.endingPage)):
        if value := getattr(rec, field):
            g.add((p, prop, Literal(value)))
    for lang, kws in rec.keywords.items():
        for kw in kws:
            g.add((p, PRISM.keyword, Literal(kw, lang=lang)))
    _journal(g, p, rec)
    _authors(g, p, rec)
    for grant in rec.grants:
        gr = iris.grant(grant.number)
        g.add((p, BRI.acknowledgesGrant, gr))
        g.add((gr, RDF.type, FRAPO.Grant))
        g.add((gr, FRAPO.hasGrantNumber, Literal(grant.number)))
        if grant.label:
            g.add((gr, RDFS.label, Literal(grant.label, lang=grant.lang)))
    for s in rec.sections:
        sec = iris.sub(p, "section", s.number)
        g.add((p, BRI.hasSection, sec))
        g.add((sec, RDF.type, DOCO.Section))
        g.add((sec, BRI.sectionNumber, Literal(s.number)))
        g.add((sec, DCTERMS.title, Literal(s.title, lang=s.lang)))
        g.add((sec, RDFS.label, Literal(f"{s.number} {s.title}", lang=s.lang)))
        if "." in s.number:
            g.add((sec, BRI.parentSection, iris.sub(p, "section", s.number.rsplit(".", 1)[0])))
    for r in rec.references:
        ref = iris.sub(p, "reference", str(r.number))
        g.add((p, BRI.hasReference, ref))
        g.add((ref, RDF.type, DEO.BibliographicReference))
        g.add((ref, BRI.referenceNumber, Literal(r.number, datatype=XSD.integer)))
        g.add((ref, BRI.referenceText, Literal(r.text)))
        if r.doi:
            g.add((ref, PRISM.doi, Literal(r.doi)))
        cited = citations.parse(r.text)
        target = (corpus or {}).get(cited.key) or ((corpus or {}).get("doi:" + cited.doi) if cited.doi else None)
        work = target or iris.work(cited.key)
        g.add((ref, DCTERMS.references, work))
        g.add((p, CITO.cites, work))
        if target is not None:
            g.add((p, BRI.citesPaper, target))
            continue
        g.add((work, RDF.type, FABIO.Expression))
        g.add((work, RDFS.label, Literal(_romanized(r.text))))
        if cited.doi:
            g.add((work, PRISM.doi, Literal(cited.doi)))
        if cited.year:
            g.add((work, FABIO.hasPublicationYear, Literal(cited.year, datatype=XSD.gYear)))
    for name in rec.files:
        f = files[name]
        src = iris.source_text(name)
        g.add((src, RDF.type, BRI.SourceText))
        g.add((src, BRI.fileName, Literal(name)))
        g.add((src, BRI.sha256, Literal(f.sha256)))
        g.add((src, BRI.textOf, p))
        g.add((p, PROV.wasDerivedFrom, src))
    return p


def _romanized(text: str) -> str:
    """The romanized half of a bilingual reference entry (the whole entry if it has none)."""
    m = re.search(r"(?<=[.。])\s*([A-Z][a-z]+(?:-[A-Z][a-z]+)? [A-Z](?: [A-Z])*[.,].*)$", text)
    return m.group(1).strip() if m and re.search(r"[\u4e00-\u9fff]", text[: m.start()]) else text


def _journal(g, p: URIRef, rec: PaperRecord) -> None:
    if not rec.journal:
        return
    en = rec.journal.get("en")
    name = _VERSION_SUFFIX.sub("", en) if en else next(iter(rec.journal.values()))
    j = iris.journal(name)
    g.add((p, BRI.publishedIn, j))
    g.add((j, RDF.type, FABIO.Journal))
    for lang, printed in rec.journal.items():
        clean = _VERSION_SUFFIX.sub("", printed)
        g.add((j, DCTERMS.title, Literal(clean, lang=lang)))
        g.add((j, RDFS.label, Literal(clean, lang=lang)))
        if clean != printed:
            g.add((j, SKOS.altLabel, Literal(printed, lang=lang)))


def _authors(g, p: URIRef, rec: PaperRecord) -> None:
    orgs: dict[int, URIRef] = {}
    for aff in rec.affiliations:
        name = aff.names.get("en") or next(iter(aff.names.values()))
        o = iris.organization(name)
        orgs[aff.number] = o
        g.add((o, RDF.type, ORG.Organization))
        for lang, n in aff.names.items():
            g.add((o, RDFS.label, Literal(n, lang=lang)))
    for a in rec.authors:
        en = a.names.get("en")
        family = a.family or (en.split()[-1] if en else None)
        given = a.given or ""
        person = iris.person(family, given) if family else iris.sub(p, "author", str(a.position))
        g.add((person, RDF.type, FOAF.Person))
        for lang, n in a.names.items():
            g.add((person, FOAF.name, Literal(n, lang=lang)))
            g.add((person, RDFS.label, Literal(n, lang=lang)))
        if a.family:
            g.add((person, FOAF.familyName, Literal(a.family)))
        if a.given:
            g.add((person, FOAF.givenName, Literal(a.given)))
        role = iris.sub(p, "authorship", str(a.position))
        g.add((p, BRI.hasAuthorship, role))
        g.add((p, DCTERMS.creator, person))
        g.add((role, RDF.type, BRI.Authorship))
        g.add((role, BRI.author, person))
        g.add((role, BRI.authorPosition, Literal(a.position, datatype=XSD.integer)))
        g.add((role, BRI.isCorrespondingAuthor, Literal(a.corresponding)))
        for n in a.affiliations:
            if n in orgs:
                g.add((role, BRI.affiliation, orgs[n]))
