"""A local HTTP stand-in of the OpenMetadata REST API (the endpoints and shapes the SDK and our server use).

Runs in a thread on a free loopback port. Error bodies follow OpenMetadata's `{"code", "message"}` shape so the SDK
raises its own `APIError`. Knobs: `version` (for mismatch), `token`, `forbidden` (403 on table reads), `delay`
(seconds before each answer), `html` (answer the UI's index.html like a wrong hostPort would)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.openmetadata.entities import World

PREFIX = "/api/v1"


def _matches(table: dict[str, Any], words: list[str]) -> float:
    name = table["name"].lower()
    desc = (table.get("description") or "").lower()
    cols = [c["name"].lower() for c in table.get("columns", [])]
    score = 0.0
    for w in words:
        score += 3 * (w in name) + 2 * any(w in c for c in cols) + 1 * (w in desc)
    return score


def _only_fields(source: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return source
    out: dict[str, Any] = {}
    for f in fields:
        top, _, sub = f.partition(".")
        if top not in source:
            continue
        if sub and isinstance(source[top], list):
            out[top] = [{sub: item.get(sub)} for item in source[top] if isinstance(item, dict)]
        else:
            out[top] = source[top]
    return out


class Standin:
    def __init__(self, world: World, token: str, version: str = "2.0.6") -> None:
        self.world = world
        self.token = token
        self.version = version
        self.forbidden = False
        self.delay = 0.0
        self.html = False
        self.requests: list[str] = []
        self._by_id = {t["id"]: t for t in world.tables.values()}
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Standin:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self) -> None:
        self.version, self.forbidden, self.delay, self.html = "2.0.6", False, 0.0, False
        self.requests.clear()

    # --- routing -----------------------------------------------------------------------------------------------------

    def route(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        if path == "/system/version":
            return 200, {"version": self.version, "revision": "c0ffee1", "timestamp": 1_717_000_000_000}
        if path.startswith("/tables/name/"):
            if self.forbidden:
                return 403, {
                    "code": 403,
                    "message": "Principal: CatalogPrincipal{name='oncall-mcp-bot'} operations [ViewBasic] not allowed",
                }
            fqn = unquote(path.removeprefix("/tables/name/"))
            table = self.world.tables.get(fqn)
            if table is None:
                return 404, {"code": 404, "message": f"table instance for {fqn} not found"}
            fields = (query.get("fields") or [""])[0].split(",")
            drop = {f for f in ("owners", "tags") if f not in fields}
            return 200, {k: v for k, v in table.items() if k not in drop}
        if path.startswith("/tables/"):
            parts = path.split("/")[2:]  # id, versions, [version]
            table = self._by_id.get(parts[0])
            if table is None:
                return 404, {"code": 404, "message": f"table instance for {parts[0]} not found"}
            versions = self.world.versions[table["fullyQualifiedName"]]
            if parts[1:] == ["versions"]:
                newest_first = sorted(versions, key=lambda v: -v["version"])
                return 200, {"entityType": "table", "versions": [json.dumps(v) for v in newest_first]}
            if len(parts) == 3 and parts[1] == "versions":
                found = [v for v in versions if f"{v['version']:.1f}" == parts[2] or str(v["version"]) == parts[2]]
                if not found:
                    return 404, {"code": 404, "message": f"table version {parts[2]} not found"}
                return 200, found[0]
            if len(parts) == 1:
                return 200, table
        if path == "/search/query":
            return 200, self.search(query)
        if path.startswith("/lineage/table/name/"):
            fqn = unquote(path.removeprefix("/lineage/table/name/"))
            table = self.world.tables.get(fqn)
            if table is None:
                return 404, {"code": 404, "message": f"table instance for {fqn} not found"}
            ref = {"id": table["id"], "type": "table", "name": table["name"], "fullyQualifiedName": fqn}
            return 200, self.world.lineage.get(fqn) or {
                "entity": ref,
                "nodes": [],
                "upstreamEdges": [],
                "downstreamEdges": [],
            }
        return 404, {"code": 404, "message": f"HTTP 404 Not Found: {path}"}

    def search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        if (query.get("index") or [""])[0] != "table_search_index":
            return {"hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []}}
        q = (query.get("q") or [""])[0].lower()
        start = int((query.get("from") or ["0"])[0])
        size = int((query.get("size") or ["10"])[0])
        fields = query.get("include_source_fields") or []
        words = [w for w in q.replace("*", " ").split() if w]
        scored = [(1.0 if not words else _matches(t, words), t) for t in self.world.tables.values()]
        scored = sorted([st for st in scored if st[0] > 0], key=lambda st: (-st[0], st[1]["fullyQualifiedName"]))
        page = scored[start : start + size]
        return {
            "took": 2,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {
                "total": {"value": len(scored), "relation": "eq"},
                "max_score": page[0][0] if page else None,
                "hits": [
                    {
                        "_index": "table_search_index",
                        "_id": t["id"],
                        "_score": s,
                        "_source": _only_fields({k: v for k, v in t.items() if k != "changeDescription"}, fields),
                    }
                    for s, t in page
                ],
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                standin.requests.append(self.path)
                if standin.delay:
                    time.sleep(standin.delay)
                if standin.html:
                    self._send(200, b"<!doctype html><html><body>OpenMetadata</body></html>", "text/html")
                    return
                if self.headers.get("Authorization") != f"Bearer {standin.token}":
                    body = {"code": 401, "message": "Not Authorized! Token verification failed"}
                    self._send(401, json.dumps(body).encode(), "application/json")
                    return
                if not url.path.startswith(PREFIX):
                    self._send(404, b'{"code":404,"message":"not found"}', "application/json")
                    return
                status, body = standin.route(url.path.removeprefix(PREFIX), parse_qs(url.query))
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
