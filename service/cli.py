"""The `brikg` command: build, serve, validate, query and export the graph.

It lives in the outermost package because `serve` needs the web service; the other commands
only call the pipeline in `kg`. Every command takes `--store DIR` (default: `$BRIKG_STORE` or
`./brikg-store`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from kg import __version__, guard, results
from kg.errors import BrikgError, CorpusErrors, ValidationFailed
from kg.store import OxigraphStore, current_generation, default_store_dir
from kg.vocab import PREFIXES


def _err(msg: str) -> None:
    print(f"brikg: error: {msg}", file=sys.stderr)


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    from kg.build import build

    try:
        kwargs = {"data_dir": Path(args.data)} if args.data else {}
        result = build(Path(args.corpus), Path(args.store), keep_going=args.keep_going, progress=_progress, **kwargs)
    except CorpusErrors as exc:
        for e in exc.errors:
            _err(str(e))
        _err("build stopped; nothing was published (the previous graph, if any, is still served)")
        return 1
    except ValidationFailed as exc:
        _err(str(exc))
        _err("build stopped; nothing was published (the previous graph, if any, is still served)")
        return 1
    except BrikgError as exc:
        _err(f"{exc}\nbuild stopped; nothing was published")
        return 1
    for skipped in result.skipped:
        _err(f"skipped: {skipped}")
    return 0


#: --limit NAME -> app setting; NAME is how a 400 `query-refused` answer names the limit.
LIMIT_SETTINGS = {
    "max_bytes": "MAX_QUERY_BYTES", "max_depth": "MAX_QUERY_DEPTH", "max_triple_patterns": "MAX_TRIPLE_PATTERNS",
    "max_binds": "MAX_BINDS", "max_operators": "MAX_OPERATORS", "max_variables": "MAX_VARIABLES",
}


def cmd_serve(args: argparse.Namespace) -> int:
    from service import configure_logging, create_app, httpserver

    configure_logging(args.log_level)
    config = {
        "STORE_DIR": args.store, "QUERY_WORKERS": args.workers, "QUERY_TIMEOUT": args.timeout,
        "SERVICE_ALLOWLIST": args.allow_service or [], "MAX_ROWS": args.max_rows,
        "RESULT_CACHE_BYTES": int(max(args.cache_mb, 0) * 1024 * 1024),
        "QUEUE_TIMEOUT": args.queue_timeout, "MAX_CONTENT_LENGTH": args.max_body,
    }
    for item in args.limit or []:  # --limit max_depth=100 (names as in the 400 query-refused answers)
        name, _, value = item.partition("=")
        if name not in LIMIT_SETTINGS or not value.isdigit():
            _err(f"--limit {item!r}: use NAME=INTEGER with NAME one of {', '.join(LIMIT_SETTINGS)}")
            return 2
        config[LIMIT_SETTINGS[name]] = int(value)
    try:
        token = _update_token(args.update_token_file)
    except OSError as exc:
        _err(f"cannot read the update token: {exc}")
        return 1
    if token:
        config["UPDATE_TOKEN"] = token
    if args.endpoint:
        config.update(BACKEND="sparql", SPARQL_ENDPOINT=args.endpoint)
    else:
        try:
            current_generation(Path(args.store))
        except BrikgError as exc:
            _err(str(exc))
            return 1
    if args.processes < 1 or args.threads < 1:
        _err("--processes and --threads must be at least 1")
        return 2
    settings = dict(
        threads=args.threads, ident=f"brikg/{__version__}", channel_timeout=args.channel_timeout,
        # waitress cuts off far larger bodies; up to twice the limit the app answers 413 in its own format
        max_request_body_size=2 * config["MAX_CONTENT_LENGTH"] + 65536, clear_untrusted_proxy_headers=True,
    )

    def make_app():
        app = create_app(config)
        with app.app_context():  # start the query workers now, not on the first request
            from service import engine

            engine.backend()
        return app

    _progress(f"brikg {__version__} serving {args.endpoint or args.store} on http://{args.host}:{args.port}/ "
              f"(SPARQL endpoint /sparql, {args.http}, {args.processes} web process(es) with {args.workers} "
              "query worker(s) each)")
    if args.http == "granian":
        store_dir = None if args.endpoint else Path(args.store)

        def make_front():
            from service.front import Front

            app = make_app()
            return Front(
                app, threads=args.threads, body_timeout=args.channel_timeout, max_body=config["MAX_CONTENT_LENGTH"],
                cache_bytes=config["RESULT_CACHE_BYTES"], cache_entry_bytes=app.config["RESULT_CACHE_ENTRY_BYTES"],
                generation=(lambda: current_generation(store_dir).name) if store_dir else None,
                server_header=f"brikg/{__version__}",
            )

        return httpserver.serve_granian(make_front, args.processes, host=args.host, port=args.port,
                                        header_timeout=args.channel_timeout)
    if args.processes > 1:  # pre-fork: one listening socket, one app per process
        return httpserver.serve_processes(make_app, args.processes, host=args.host, port=args.port, **settings)
    # waitress, plus 408 for requests that never complete and 405 for CONNECT/TRACE
    httpserver.serve(make_app(), host=args.host, port=args.port, **settings)
    return 0


def _update_token(path: str | None) -> str | None:
    """The bearer token that enables updates: first line of `path`, else $BRIKG_UPDATE_TOKEN.

    Never an argument value, so it stays out of `ps` and shell history.
    """
    if path:
        token = Path(path).read_text(encoding="utf-8").strip().splitlines()
        if not token or not token[0].strip():
            raise OSError(f"{path} is empty")
        return token[0].strip()
    return os.environ.get("BRIKG_UPDATE_TOKEN") or None


def cmd_validate(args: argparse.Namespace) -> int:
    from kg import iris, validate
    from kg.reason import REASONING_GRAPHS

    path = current_generation(Path(args.store))
    store = ox.Store.read_only(str(path))
    data = validate.store_to_graph(store, exclude={str(iris.ONTOLOGY_GRAPH), str(iris.BUILD_GRAPH),
                                                   *REASONING_GRAPHS})  # not asserted data
    report = validate.validate_graph(data, inplace=True)  # `data` is a throw-away copy of the store
    if args.format == "text":
        out = report.text() + "\n"
    elif args.format == "turtle":
        out = report.graph.serialize(format="turtle")
    else:
        out = json.dumps(report.as_json(), ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(out, encoding="utf-8")
        _progress(f"wrote {args.out}")
    else:
        sys.stdout.write(out)
    _progress(f"{report.violations} violation(s), {report.warnings} warning(s)")
    return 1 if report.violations else 0


def _shorten(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for p, ns in PREFIXES.items():
            if term.value.startswith(ns):
                return f"{p}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term)


def cmd_query(args: argparse.Namespace) -> int:
    from kg import query as q

    text = args.query
    if not text.lstrip().upper().startswith(("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX", "BASE", "#")):
        p = Path(text)
        if p.is_file():
            text = p.read_text(encoding="utf-8")
    prof = guard.check(text, guard.Limits(max_bytes=10_000_000))
    store = OxigraphStore(Path(args.store))
    if args.format == "table":
        if prof.form in ("CONSTRUCT", "DESCRIBE"):
            args.format = "turtle"
        else:
            out = store.run(q.QueryJob(text, form=prof.form, solutions_format="json", max_rows=args.max_rows,
                                       infer=args.infer, names_graphs=prof.names_graphs))
            doc = json.loads(out.body)
            if "boolean" in doc:
                print("true" if doc["boolean"] else "false")
                return 0
            from kg.store import _term_from_json

            names = doc["head"]["vars"]
            rows = [[_shorten(_term_from_json(b[n])) if n in b else "" for n in names]
                    for b in doc["results"]["bindings"]]
            widths = [min(max([len(n)] + [len(r[i]) for r in rows]), 80) for i, n in enumerate(names)]
            print(" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
            print("-+-".join("-" * w for w in widths))
            for r in rows:
                print(" | ".join(c[:80].ljust(w) for c, w in zip(r, widths, strict=True)))
            sys.stdout.flush()  # the count goes to stderr: after the table, not inside it
            _progress(f"{len(rows)} row(s)")
            return 0
    fmt = results.format_named(args.format)
    if fmt is None:
        _err(f"unknown format {args.format!r}")
        return 2
    graph = prof.form in ("CONSTRUCT", "DESCRIBE")
    job = q.QueryJob(text, form=prof.form, max_rows=args.max_rows, prefixes=PREFIXES,
                     solutions_format=fmt.name if not graph else "json",
                     graph_format=fmt.name if graph else "turtle", infer=args.infer,
                     names_graphs=prof.names_graphs)
    sys.stdout.buffer.write(store.run(job).body)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the whole graph with `kg.dump.write_dump`, the function behind `/dumps/...`."""
    from kg import dump

    fmt = results.format_named(args.format)
    if fmt is None or fmt.name not in dump.FORMATS:
        _err(f"unknown RDF format {args.format!r}; use one of {', '.join(dump.FORMATS)}")
        return 2
    gz = args.gzip or bool(args.out and args.out.endswith(".gz"))
    store = OxigraphStore(Path(args.store))
    store.generation()  # fails with a clear message when nothing is built
    t0 = time.perf_counter()
    if args.out:
        with open(args.out, "wb") as f:
            dump.write_dump(store, dump.FORMATS[fmt.name], f, gzip=gz)
        _progress(f"wrote {args.out} ({Path(args.out).stat().st_size} bytes, {time.perf_counter() - t0:.2f} s)")
    else:
        dump.write_dump(store, dump.FORMATS[fmt.name], sys.stdout.buffer, gzip=gz)
        sys.stdout.buffer.flush()
    return 0


def cmd_eval_extraction(args: argparse.Namespace) -> int:
    """Score the automatic loader against the curated data (kg/evaluate.py says how items match)."""
    from kg.evaluate import evaluate

    kwargs = {"data_dir": Path(args.data)} if args.data else {}
    result = evaluate(Path(args.corpus), **kwargs)
    print(result.table())
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="brikg", description=__doc__.split("\n\n")[0])
    p.add_argument("--version", action="version", version=f"brikg {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    store_help = f"store directory (default: ${'{'}BRIKG_STORE{'}'} or ./{default_store_dir().name})"

    b = sub.add_parser("build", help="build the graph from a folder of papers and publish it")
    b.add_argument("--corpus", required=True, metavar="DIR", help="folder holding the paper text files")
    b.add_argument("--store", default=str(default_store_dir()), metavar="DIR", help=store_help)
    b.add_argument("--data", metavar="DIR", help="curated data folder (default: the kg/data of this installation)")
    b.add_argument("--keep-going", action="store_true",
                   help="report broken files by name and publish the papers that load")
    b.set_defaults(func=cmd_build)

    s = sub.add_parser("serve", help="serve the graph: SPARQL endpoint and web pages")
    s.add_argument("--store", default=str(default_store_dir()), metavar="DIR", help=store_help)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=2, help="query worker processes (default 2)")
    s.add_argument("--threads", type=int, default=8, help="HTTP threads per web process (default 8)")
    s.add_argument("--processes", type=int, default=1,
                   help="web processes sharing the port, each with its own query workers and answer cache "
                        "(default 1; use about one per core)")
    s.add_argument("--http", choices=["granian", "waitress"], default="granian",
                   help="HTTP server: granian (Rust, the default) or waitress (pure Python); "
                        "see docs/decisions/0011-http-front.md")
    s.add_argument("--timeout", type=float, default=30.0, help="query time limit in seconds (default 30)")
    s.add_argument("--max-rows", type=int, default=100_000, help="result rows per query (default 100000)")
    s.add_argument("--cache-mb", type=float, default=64,
                   help="memory for answers to repeated queries, kept until the next publish (default 64; "
                        "0 keeps none, ETags still work)")
    s.add_argument("--channel-timeout", type=int, default=20,
                   help="seconds a request may take to arrive (then 408) and an idle connection is kept "
                        "(default 20)")
    s.add_argument("--limit", action="append", metavar="NAME=N",
                   help="a query limit, e.g. max_depth=64 (repeatable; see docs/errors.md)")
    s.add_argument("--allow-service", action="append", metavar="URL",
                   help="a SPARQL endpoint SERVICE may call (repeatable; default none)")
    s.add_argument("--queue-timeout", type=float, default=10.0,
                   help="seconds a query waits for a free worker before 503 busy (default 10)")
    s.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES",
                   help="largest request body before 413 (default 1048576)")
    s.add_argument("--update-token-file", metavar="FILE",
                   help="enable SPARQL Update for requests bearing the token in FILE "
                        "(or set $BRIKG_UPDATE_TOKEN); default: read-only")
    s.add_argument("--endpoint", metavar="URL", help="serve a remote SPARQL 1.1 endpoint instead of the store")
    s.add_argument("--log-level", default=None)
    s.set_defaults(func=cmd_serve)

    v = sub.add_parser("validate", help="check the published graph against the SHACL shapes")
    v.add_argument("--store", default=str(default_store_dir()), metavar="DIR", help=store_help)
    v.add_argument("--format", choices=["text", "turtle", "json"], default="text")
    v.add_argument("--out", metavar="FILE")
    v.set_defaults(func=cmd_validate)

    q = sub.add_parser("query", help="run a SPARQL query (text or a .rq file) on the published graph")
    q.add_argument("--store", default=str(default_store_dir()), metavar="DIR", help=store_help)
    q.add_argument("--format", default="table",
                   help="table (default), json, xml, csv, tsv; turtle, ntriples, jsonld, rdfxml for graphs")
    q.add_argument("--max-rows", type=int, default=1_000_000)
    q.add_argument("--infer", action="store_true",
                   help="answer from asserted plus inferred facts (OWL 2 RL, made at build time); "
                   "default: asserted facts only")
    q.add_argument("query", metavar="QUERY_OR_FILE")
    q.set_defaults(func=cmd_query)

    x = sub.add_parser("eval-extraction",
                       help="precision and recall of the automatic extraction against the curated data")
    x.add_argument("--corpus", required=True, metavar="DIR", help="folder holding the paper text files")
    x.add_argument("--data", metavar="DIR", help="curated data folder (default: the kg/data of this installation)")
    x.set_defaults(func=cmd_eval_extraction)

    e = sub.add_parser("export", help="write the whole graph as one RDF file")
    e.add_argument("--store", default=str(default_store_dir()), metavar="DIR", help=store_help)
    e.add_argument("--format", required=True, help="turtle, ntriples, nquads, trig, jsonld or rdfxml")
    e.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    e.add_argument("--gzip", action="store_true",
                   help="gzip the output (implied by an --out name ending in .gz); same bytes as /dumps/...gz")
    e.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrikgError as exc:
        _err(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
