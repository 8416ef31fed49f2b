"""The landing page: what this is, how to query it, links. All text is escaped by Jinja."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from service import engine

bp = Blueprint("home", __name__)

_PAPERS = """
PREFIX bri: <https://w3id.org/brikg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?paper ?title WHERE { ?paper a bri:Paper ; dcterms:title ?title }
ORDER BY ?paper ?title
"""


@bp.route("/")
def index():
    rows = engine.backend().select(_PAPERS)
    papers: dict[str, list[str]] = {}
    for r in rows:
        papers.setdefault(r["paper"].value, []).append(r["title"].value)
    return render_template("index.html", papers=papers, endpoint=url_for("sparql.sparql", _external=True))
