"""A local HTTP stand-in of the GitHub REST API (the calls PyGithub makes for the github server).

No GitHub-compatible server can run here, so this follows the documented REST shapes closely enough that the real
PyGithub client parses every answer: repos, contents, commits (list and single, with files/patch), git trees,
blobs and refs, branches (with `protected`), file create/update, pulls (list/create/files). Errors use GitHub's
statuses and bodies (404 Not Found, 422 No commit found / Reference already exists, 401 Bad credentials, 403/429
rate limits with Retry-After). `faults` injects failures; `requests` records what the client sent.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

PREFIX = "/api/v3"


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Commit:
    sha: str
    files: dict[str, bytes]
    parent: str | None
    message: str
    author: tuple[str, str]
    date: str


@dataclass
class Repo:
    owner: str
    name: str
    default_branch: str = "main"
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    # git modes other than 100644, by path: "120000" lists a symlink, "160000" a submodule (type `commit`)
    modes: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def commit(
        self,
        files: dict[str, str | bytes | None],
        message: str,
        author: tuple[str, str] = ("Dev", "dev@x.io"),
        date: str = "2026-01-01T00:00:00Z",
        branch: str | None = None,
    ) -> str:
        branch = branch or self.default_branch
        parent = self.branches.get(branch)
        tree = dict(self.commits[parent].files) if parent else {}
        for path, data in files.items():
            if data is None:
                tree.pop(path, None)
            else:
                tree[path] = data.encode() if isinstance(data, str) else data
        sha = hashlib.sha1(f"{parent}{message}{date}{sorted(tree.items())}".encode()).hexdigest()
        self.commits[sha] = Commit(sha, tree, parent, message, author, date)
        self.branches[branch] = sha
        return sha

    def resolve(self, ref: str) -> str | None:
        if ref in self.branches:
            return self.branches[ref]
        if ref in self.commits:
            return ref
        hits = [s for s in self.commits if len(ref) >= 7 and s.startswith(ref)]
        return hits[0] if len(hits) == 1 else None


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "fault"})
    path_contains: str = ""
    times: int = 1


class GitHubStandin:
    def __init__(self, token: str | None = "ghp_standin") -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, str | None]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def add_repo(self, owner: str, name: str, default_branch: str = "main") -> Repo:
        repo = Repo(owner, name, default_branch)
        self.repos[repo.full_name] = repo
        return repo

    def __enter__(self) -> GitHubStandin:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # JSON shapes ----------------------------------------------------------------------------------------------
    def api(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def user(self, login: str) -> dict[str, Any]:
        return {
            "login": login,
            "id": abs(hash(login)) % 10**6,
            "type": "User",
            "url": self.api(f"/users/{login}"),
            "html_url": f"https://github.example/{login}",
            "site_admin": False,
        }

    def repo_json(self, r: Repo) -> dict[str, Any]:
        return {
            "id": abs(hash(r.full_name)) % 10**8,
            "node_id": "R_1",
            "name": r.name,
            "full_name": r.full_name,
            "private": True,
            "owner": self.user(r.owner),
            "html_url": f"https://github.example/{r.full_name}",
            "url": self.api(f"/repos/{r.full_name}"),
            "default_branch": r.default_branch,
            "fork": False,
            "archived": False,
            "visibility": "private",
            "permissions": {"admin": False, "push": True, "pull": True},
        }

    def commit_json(self, r: Repo, c: Commit, with_files: bool) -> dict[str, Any]:
        name, email = c.author
        person = {"name": name, "email": email, "date": c.date}
        out: dict[str, Any] = {
            "sha": c.sha,
            "node_id": "C_" + c.sha[:8],
            "url": self.api(f"/repos/{r.full_name}/commits/{c.sha}"),
            "html_url": f"https://github.example/{r.full_name}/commit/{c.sha}",
            "commit": {
                "author": person,
                "committer": person,
                "message": c.message,
                "tree": {"sha": self.tree_sha(c), "url": self.api(f"/repos/{r.full_name}/git/trees/{c.sha}")},
                "url": self.api(f"/repos/{r.full_name}/git/commits/{c.sha}"),
                "comment_count": 0,
            },
            "author": self.user(name.split()[0].lower()),
            "committer": self.user(name.split()[0].lower()),
            "parents": [{"sha": c.parent, "url": self.api(f"/repos/{r.full_name}/commits/{c.parent}")}]
            if c.parent
            else [],
        }
        if with_files:
            files = self.changed(r, c)
            out["files"] = files
            adds = sum(f["additions"] for f in files)
            dels = sum(f["deletions"] for f in files)
            out["stats"] = {"additions": adds, "deletions": dels, "total": adds + dels}
        return out

    @staticmethod
    def tree_sha(c: Commit) -> str:
        return hashlib.sha1(f"tree{sorted(c.files.items())}".encode()).hexdigest()

    def changed(self, r: Repo, c: Commit) -> list[dict[str, Any]]:
        before = r.commits[c.parent].files if c.parent else {}
        out = []
        for path in sorted(set(before) | set(c.files)):
            old, new = before.get(path), c.files.get(path)
            if old == new:
                continue
            a = (old or b"").decode("utf-8", "replace").splitlines()
            b = (new or b"").decode("utf-8", "replace").splitlines()
            patch = "\n".join(list(difflib.unified_diff(a, b, lineterm=""))[2:])
            status = "added" if old is None else "removed" if new is None else "modified"
            adds = sum(1 for ln in patch.splitlines() if ln.startswith("+"))
            dels = sum(1 for ln in patch.splitlines() if ln.startswith("-"))
            out.append(
                {
                    "sha": blob_sha(new or b""),
                    "filename": path,
                    "status": status,
                    "additions": adds,
                    "deletions": dels,
                    "changes": adds + dels,
                    "patch": patch,
                    "blob_url": f"https://github.example/{r.full_name}/blob/{c.sha}/{path}",
                    "raw_url": f"https://github.example/{r.full_name}/raw/{c.sha}/{path}",
                    "contents_url": self.api(f"/repos/{r.full_name}/contents/{path}?ref={c.sha}"),
                }
            )
        return out

    def content_json(self, r: Repo, path: str, data: bytes, ref: str) -> dict[str, Any]:
        big = len(data) > 1_000_000
        return {
            "type": "file",
            "encoding": "none" if big else "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": blob_sha(data),
            "content": "" if big else base64.encodebytes(data).decode(),
            "url": self.api(f"/repos/{r.full_name}/contents/{path}?ref={ref}"),
            "git_url": self.api(f"/repos/{r.full_name}/git/blobs/{blob_sha(data)}"),
            "html_url": f"https://github.example/{r.full_name}/blob/{ref}/{path}",
            "download_url": f"https://raw.github.example/{r.full_name}/{ref}/{path}",
        }

    def ref_json(self, r: Repo, branch: str) -> dict[str, Any]:
        sha = r.branches[branch]
        return {
            "ref": f"refs/heads/{branch}",
            "node_id": "REF_1",
            "url": self.api(f"/repos/{r.full_name}/git/refs/heads/{branch}"),
            "object": {"sha": sha, "type": "commit", "url": self.api(f"/repos/{r.full_name}/git/commits/{sha}")},
        }

    def pr_json(self, r: Repo, pr: dict[str, Any]) -> dict[str, Any]:
        def side(branch: str, sha: str) -> dict[str, Any]:
            return {
                "label": f"{r.owner}:{branch}",
                "ref": branch,
                "sha": sha,
                "user": self.user(r.owner),
                "repo": self.repo_json(r),
            }

        return {
            "id": 1000 + pr["number"],
            "node_id": f"PR_{pr['number']}",
            "number": pr["number"],
            "state": pr["state"],
            "title": pr["title"],
            "body": pr["body"],
            "draft": pr["draft"],
            "locked": False,
            "merged": False,
            "user": self.user("oncall-bot"),
            "url": self.api(f"/repos/{r.full_name}/pulls/{pr['number']}"),
            "html_url": f"https://github.example/{r.full_name}/pull/{pr['number']}",
            "created_at": pr["created_at"],
            "updated_at": pr["created_at"],
            "head": side(pr["head"], r.branches.get(pr["head"], "")),
            "base": side(pr["base"], pr["base_sha"]),
        }

    # request handling -------------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                merged = {
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Remaining": "4999",
                    "X-GitHub-Media-Type": "github.v3; format=json",
                    **(headers or {}),
                }
                for k, v in merged.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _dispatch(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                auth = self.headers.get("Authorization")
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                with standin.lock:
                    standin.requests.append((method, url.path, auth))
                    for fault in standin.faults:
                        if fault.times > 0 and fault.path_contains in url.path:
                            fault.times -= 1
                            self._send(fault.status, fault.body, fault.headers)
                            return
                    if standin.token and auth != f"token {standin.token}":
                        self._send(
                            401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
                        )
                        return
                    try:
                        status, payload, headers = standin.route(method, url.path, query, body)
                    except KeyError:
                        status, payload, headers = 404, {"message": "Not Found"}, {}
                self._send(status, payload, headers)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_PUT(self) -> None:
                self._dispatch("PUT")

        return Handler

    def route(self, method: str, path: str, q: dict[str, str], body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if not path.startswith(PREFIX + "/repos/"):
            raise KeyError(path)
        rest = unquote(path[len(PREFIX) + len("/repos/") :])
        m = re.match(r"^([^/]+)/([^/]+)(?:/(.*))?$", rest)
        if not m:
            raise KeyError(path)
        r = self.repos[f"{m.group(1)}/{m.group(2)}"]
        sub = m.group(3) or ""
        nf: tuple[int, Any, dict[str, str]] = (404, {"message": "Not Found"}, {})

        if method == "GET" and sub == "":
            return 200, self.repo_json(r), {}
        if method == "GET" and sub == "commits":
            return self.list_commits(r, q)
        if method == "GET" and sub.startswith("commits/"):
            sha = r.resolve(sub[len("commits/") :])
            if sha is None:
                return 422, {"message": f"No commit found for SHA: {sub[8:]}"}, {}
            return 200, self.commit_json(r, r.commits[sha], True), {}
        if method == "GET" and sub.startswith("git/trees/"):
            key = sub[len("git/trees/") :]
            c = next((c for c in r.commits.values() if key in (c.sha, self.tree_sha(c))), None)
            if c is None:
                return nf
            dirs = sorted({"/".join(p.split("/")[:i]) for p in c.files for i in range(1, p.count("/") + 1)})
            entries = [
                {
                    "path": d,
                    "mode": "040000",
                    "type": "tree",
                    "sha": hashlib.sha1(d.encode()).hexdigest(),
                    "url": self.api(f"/repos/{r.full_name}/git/trees/{d}"),
                }
                for d in dirs
            ]
            entries += [
                {
                    "path": p,
                    "mode": r.modes.get(p, "100644"),
                    "type": "commit" if r.modes.get(p) == "160000" else "blob",
                    "sha": blob_sha(d),
                    "size": len(d),
                    "url": self.api(f"/repos/{r.full_name}/git/blobs/{blob_sha(d)}"),
                }
                for p, d in sorted(c.files.items())
            ]
            return (
                200,
                {
                    "sha": self.tree_sha(c),
                    "url": self.api(f"/repos/{r.full_name}/git/trees/{key}"),
                    "tree": entries,
                    "truncated": False,
                },
                {},
            )
        if method == "GET" and sub.startswith("git/blobs/"):
            oid = sub[len("git/blobs/") :]
            for c in r.commits.values():
                for data in c.files.values():
                    if blob_sha(data) == oid:
                        return (
                            200,
                            {
                                "sha": oid,
                                "node_id": "B_1",
                                "size": len(data),
                                "encoding": "base64",
                                "content": base64.encodebytes(data).decode(),
                                "url": self.api(f"/repos/{r.full_name}/git/blobs/{oid}"),
                            },
                            {},
                        )
            return nf
        if method == "GET" and sub.startswith("contents/"):
            fpath = sub[len("contents/") :].strip("/")
            ref = q.get("ref", r.default_branch)
            sha = r.resolve(ref)
            if sha is None:
                return 404, {"message": f"No commit found for the ref {ref}"}, {}
            files = r.commits[sha].files
            if fpath in files:
                return 200, self.content_json(r, fpath, files[fpath], ref), {}
            children = sorted({p[len(fpath) + 1 :].split("/")[0] for p in files if p.startswith(fpath + "/")})
            if children:
                return (
                    200,
                    [
                        {
                            "type": "file" if f"{fpath}/{c}" in files else "dir",
                            "name": c,
                            "path": f"{fpath}/{c}",
                            "sha": "0" * 40,
                            "size": 0,
                            "url": self.api(f"/repos/{r.full_name}/contents/{fpath}/{c}"),
                        }
                        for c in children
                    ],
                    {},
                )
            return nf
        if method == "GET" and sub.startswith("git/ref/heads/"):
            branch = sub[len("git/ref/heads/") :]
            return (200, self.ref_json(r, branch), {}) if branch in r.branches else nf
        if method == "GET" and sub.startswith("branches/"):
            branch = sub[len("branches/") :]
            if branch not in r.branches:
                return 404, {"message": "Branch not found"}, {}
            sha = r.branches[branch]
            return (
                200,
                {
                    "name": branch,
                    "protected": branch in r.protected,
                    "commit": {"sha": sha, "url": self.api(f"/repos/{r.full_name}/commits/{sha}")},
                    "protection": {
                        "enabled": branch in r.protected,
                        "required_status_checks": {"enforcement_level": "off", "contexts": []},
                    },
                    "_links": {"self": self.api(f"/repos/{r.full_name}/branches/{branch}")},
                },
                {},
            )
        if method == "POST" and sub == "git/refs":
            ref, sha = body.get("ref", ""), body.get("sha", "")
            if not ref.startswith("refs/heads/") or sha not in r.commits:
                return 422, {"message": "Invalid request"}, {}
            branch = ref[len("refs/heads/") :]
            if branch in r.branches:
                return 422, {"message": "Reference already exists"}, {}
            r.branches[branch] = sha
            return 201, self.ref_json(r, branch), {}
        if method == "PUT" and sub.startswith("contents/"):
            fpath = sub[len("contents/") :]
            branch = body.get("branch", r.default_branch)
            if branch not in r.branches:
                return 404, {"message": f"Branch {branch} not found"}, {}
            if branch in r.protected:
                return 403, {"message": "Protected branch update failed"}, {}
            current = r.commits[r.branches[branch]].files.get(fpath)
            if current is not None and body.get("sha") != blob_sha(current):
                return 409 if body.get("sha") else 422, {"message": f"{fpath} does not match {body.get('sha')}"}, {}
            data = base64.b64decode(body["content"])
            sha = r.commit(
                {fpath: data},
                body["message"],
                ("oncall-bot", "bot@x.io"),
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                branch,
            )
            c = r.commits[sha]
            return (
                (200 if current is not None else 201),
                {
                    "content": self.content_json(r, fpath, data, branch),
                    "commit": {
                        "sha": sha,
                        "url": self.api(f"/repos/{r.full_name}/git/commits/{sha}"),
                        "message": c.message,
                        "author": {"name": c.author[0], "email": c.author[1], "date": c.date},
                        "parents": [{"sha": c.parent}],
                    },
                },
                {},
            )
        if method == "GET" and sub == "pulls":
            prs = [p for p in r.pulls if q.get("state", "open") in ("all", p["state"])]
            if "head" in q:
                prs = [p for p in prs if f"{r.owner}:{p['head']}" == q["head"]]
            if "base" in q:
                prs = [p for p in prs if p["base"] == q["base"]]
            prs.sort(key=lambda p: -p["number"])
            return 200, [self.pr_json(r, p) for p in prs], {}
        if method == "POST" and sub == "pulls":
            head, base = body.get("head", ""), body.get("base", "")
            if head not in r.branches or base not in r.branches:
                return 422, {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]}, {}
            if any(p["head"] == head and p["state"] == "open" for p in r.pulls):
                return (
                    422,
                    {
                        "message": "Validation Failed",
                        "errors": [{"message": f"A pull request already exists for {r.owner}:{head}."}],
                    },
                    {},
                )
            pr = {
                "number": len(r.pulls) + 1,
                "title": body.get("title", ""),
                "body": body.get("body", ""),
                "head": head,
                "base": base,
                "base_sha": r.branches[base],
                "state": "open",
                "draft": bool(body.get("draft", False)),
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            r.pulls.append(pr)
            return 201, self.pr_json(r, pr), {}
        m2 = re.match(r"^pulls/(\d+)/files$", sub)
        if method == "GET" and m2:
            pr = next(p for p in r.pulls if p["number"] == int(m2.group(1)))
            base = r.commits[pr["base_sha"]].files
            head = r.commits[r.branches[pr["head"]]].files
            return (
                200,
                [
                    {
                        "filename": p,
                        "status": "modified" if p in base else "added",
                        "sha": blob_sha(head[p]),
                        "additions": 1,
                        "deletions": 0,
                        "changes": 1,
                        "patch": "",
                    }
                    for p in sorted(head)
                    if base.get(p) != head[p]
                ],
                {},
            )
        raise KeyError(path)

    def list_commits(self, r: Repo, q: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        sha = r.resolve(q.get("sha", r.default_branch))
        if sha is None:
            return 404, {"message": "Not Found"}, {}
        since = datetime.fromisoformat(q["since"].replace("Z", "+00:00")) if "since" in q else None
        path = q.get("path", "").strip("/")
        out = []
        cur: str | None = sha
        while cur:
            c = r.commits[cur]
            before = r.commits[c.parent].files if c.parent else {}
            touched = [p for p in set(before) | set(c.files) if before.get(p) != c.files.get(p)]
            hit = not path or any(p == path or p.startswith(path + "/") for p in touched)
            if hit and (since is None or datetime.fromisoformat(c.date.replace("Z", "+00:00")) >= since):
                out.append(c)
            cur = c.parent
        per_page = int(q.get("per_page", 30))
        page = int(q.get("page", 1))
        chunk = out[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(out):
            nq = "&".join(f"{k}={v}" for k, v in {**q, "page": str(page + 1)}.items())
            headers["Link"] = f'<{self.api(f"/repos/{r.full_name}/commits")}?{nq}>; rel="next"'
        return 200, [self.commit_json(r, c, False) for c in chunk], headers
