"""The web UI: the start page with the query editor, search by label, the validation report.

The query editor is YASGUI (`@zazuko/yasgui`), installed by npm and copied into
`service/static/vendor/yasgui` by `scripts/copy-static-assets` (run by `make install`); the
pages load nothing from another site. Example queries are read at request time from
`queries/*.rq` (the competency questions), or `service/examples/*.rq` while that is empty.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from rdflib import Graph
from werkzeug.exceptions import BadRequest, NotFound

from kg import validate
from kg.paths import QUERIES_DIR
from kg.store import current_generation
from kg.validate import ValidationReport
from service import engine
from service.pages import BRID, HTML, UI, labels, lang, negotiate, term_view

bp = Blueprint("ui", __name__)

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
YASGUI_DIR = Path(__file__).resolve().parent / "static" / "vendor" / "yasgui"
MAX_Q = 200
MAX_HITS = 50

_PAPERS = """
PREFIX bri: <https://w3id.org/brikg/ontology#>
SELECT ?paper WHERE { ?paper a bri:Paper } ORDER BY ?paper
"""
_TYPES = "SELECT ?s ?t WHERE { ?s a ?t } ORDER BY ?t"


def examples(language: str = "en") -> list[dict]:
    """The example queries: every `queries/**/*.rq` (the competency questions), else the
    built-in ones; read on each request.

    A title comes from the file's `# question:` (`# question_zh:` in Chinese) or `# title:`
    comment, else its first comment line, else its name; `# id:` prefixes it.
    """
    files = sorted(QUERIES_DIR.rglob("*.rq")) if QUERIES_DIR.is_dir() else []
    if not files:
        files = sorted(EXAMPLES_DIR.glob("*.rq"))
    out = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        plain = []
        for m in re.finditer(r"^\s*#\s?(.*)$", text, re.M):
            key, sep, value = m.group(1).partition(":")
            if sep and re.fullmatch(r"[a-z_]+", key.strip()):
                meta.setdefault(key.strip(), value.strip())
            elif m.group(1).strip():
                plain.append(m.group(1).strip())
        keys = ("question_zh", "question", "title") if language == "zh" else ("question", "title", "question_zh")
        title = next((meta[k] for k in keys if meta.get(k)), plain[0] if plain else f.stem)
        if meta.get("id"):
            title = f"{meta['id']}: {title}"
        out.append({"name": f.stem, "title": title, "query": text})
    return out


@bp.route("/")
def index():
    language = lang()
    lbl = labels()
    papers = []
    for r in engine.backend().select(_PAPERS):
        view = term_view(r["paper"], lbl, language)
        titles = lbl.all(view["iri"])
        view["titles"] = [v for key in (language, "zh" if language == "en" else "en") for v in titles.get(key, [])[:1]]
        papers.append(view)
    return render_template("index.html", papers=papers, examples=examples(language), endpoint="/sparql",
                           yasgui=(YASGUI_DIR / "yasgui.min.js").is_file())


# --- search -----------------------------------------------------------------------------------


def search_labels(q: str, language: str) -> list[dict]:
    """Resources whose label (any language) contains `q`, case-insensitively; best first."""
    needle = q.casefold()
    lbl = labels()
    hits = []
    for iri, langs in lbl.by_iri.items():
        best = None
        for values in langs.values():
            for v in values:
                folded = v.casefold()
                if needle in folded:
                    rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2
                    if best is None or (rank, len(v)) < best[:2]:
                        best = (rank, len(v), v)
        if best is not None:
            hits.append((best[0], not iri.startswith(BRID), best[1], iri, best[2]))
    hits.sort()
    out = []
    for *_, iri, matched in hits[:MAX_HITS]:
        node = ox.NamedNode(iri)
        types = [term_view(r["t"], lbl, language) for r in engine.backend().select(_TYPES, {"s": node})
                 if isinstance(r.get("t"), ox.NamedNode)]
        out.append({"resource": term_view(node, lbl, language), "matched": matched, "types": types,
                    "iri": iri})
    return out


@bp.route("/search")
def search():
    q = (request.args.get("q") or "").strip()
    if len(q) > MAX_Q:
        raise BadRequest(f"the search text is longer than {MAX_Q} characters")
    language = lang()
    hits = search_labels(q, language) if q else []
    media = negotiate([HTML, "application/json"], default=HTML)
    if media == "application/json":
        return current_app.json.response({"q": q, "results": [
            {"iri": h["iri"], "label": h["resource"]["text"], "matched": h["matched"],
             "types": [t.get("iri") for t in h["types"]]} for h in hits]})
    resp = Response(render_template("search.html", q=q, hits=hits))
    resp.headers["Vary"] = "Accept"
    return resp


# --- validation report ------------------------------------------------------------------------


def _report_path() -> Path:
    b = engine.backend()
    if b.kind != "oxigraph":
        raise NotFound("the validation report is kept for the embedded store only")
    gen = current_generation(Path(current_app.config["STORE_DIR"]))
    path = gen.parent / (gen.name + ".report.ttl")
    if not path.is_file():
        raise NotFound(f"no SHACL report was written for generation {gen.name}")
    return path


@functools.cache
def _shapes() -> Graph:
    """The shapes, parsed once per process: they name the node shape and label of each result."""
    return validate.load_shapes()


def read_report(path: Path) -> ValidationReport:
    """The report the build wrote beside the served generation, read into the same rows as
    `brikg validate` (so the JSON of /validation and of the command are the same document)."""
    return validate.read_report(path, _shapes())


@bp.route("/validation")
def validation():
    path = _report_path()
    media = negotiate([HTML, "text/turtle", "text/plain", "application/json"], default=HTML)
    if media == "text/turtle":
        resp = Response(path.read_bytes(), content_type="text/turtle; charset=utf-8")
    else:
        report = read_report(path)
        if media == "application/json":  # the same document as `brikg validate --format json`
            resp = Response(json.dumps(report.as_json(), ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
        elif media == "text/plain":
            resp = Response(report.text() + "\n", content_type="text/plain; charset=utf-8")
        else:
            resp = Response(render_template("validation.html", report=report, generation=path.name[:-11],
                                            ui=UI[lang()]))
    resp.headers["Vary"] = "Accept"
    return resp
