"""The failure index behind list_failed_tasks / error_signatures / search_logs: complete counts beyond the old walk
cap, cursors when the budget cuts a list, incremental refresh, deletions, a prebuilt read-only index, coverage."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mcp import Client

from oncall_mcp.servers.airflow_logs.access import LogAccess
from oncall_mcp.servers.airflow_logs.index.batch import build
from oncall_mcp.servers.airflow_logs.index.live import LiveIndex
from oncall_mcp.servers.airflow_logs.server import build_server
from oncall_mcp.servers.airflow_logs.settings import AirflowLogsSettings
from tests.airflow_logs.logs import af2, write
from tests.nextsteps import assert_steps_runnable

FAILED = af2("INFO", "Marking task as FAILED. dag_id=d, task_id=t", "taskinstance.py:1138", 59)
SUCCESS = af2("INFO", "Marking task as SUCCESS. dag_id=d, task_id=t", "taskinstance.py:1138", 59)


def failed_log(error: str) -> str:
    return "\n".join([af2("INFO", "processed batch 54 rows=1374"), af2("ERROR", error, "etl.py:44", 3), FAILED]) + "\n"


def success_log() -> str:
    return "\n".join([af2("INFO", "processed batch 54 rows=1374"), SUCCESS]) + "\n"


def store(root: Path, failed: int = 40, ok: int = 60) -> Path:
    """`failed` failed attempts in two error kinds over two DAGs, `ok` successes; newest has the highest i."""
    t0 = 1_750_000_000
    for i in range(failed):
        error = (
            f"psycopg2.errors.UndefinedColumn: column col_{i} does not exist"
            if i % 4 == 0
            else f"botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject "
            f"operation: Access Denied for s3://lake/part-{i}.parquet"
        )
        write(root, f"dag_id=dag_{i % 2}/run_id=r{i:03d}/task_id=load/attempt=1.log", failed_log(error), t0 + i)
    for i in range(ok):
        write(root, f"dag_id=dag_{i % 2}/run_id=ok{i:03d}/task_id=load/attempt=1.log", success_log(), t0 + i)
    return root


def settings(root: Path, tmp: Path, **kw: object) -> AirflowLogsSettings:
    return AirflowLogsSettings(source=str(root), index_dir=tmp / "index", **kw)  # type: ignore[arg-type]


async def call(server, tool: str, **args):
    async with Client(server.mcp) as c:
        r = await c.call_tool(tool, args)
    assert not r.is_error, r.content
    return r.structured_content


async def test_counts_are_complete_beyond_the_walk_cap(tmp_path: Path) -> None:
    """The old tools walked at most max_files logs; the index counts every failed attempt in the window."""
    root = store(tmp_path / "logs", failed=40, ok=60)
    server = build_server(settings(root, tmp_path, max_files=10))
    d = await call(server, "error_signatures")
    counts = {s["template"].split(":")[0].split()[-1]: s["count"] for s in d["signatures"]}
    assert counts == {"ClientError": 30, "UndefinedColumn": 10}  # the class name, as Airflow 3 writes it
    assert d["files_analysed"] == 40 and d["distinct_signatures"] == 2
    assert d["coverage"]["complete"] and d["coverage"]["files_indexed"] == 100 and d["coverage"]["as_of"]
    top = d["signatures"][0]
    assert top["error_category"] == "permission_denied" and top["example_run_id"] == "r039"
    assert_steps_runnable(d)
    d = await call(server, "list_failed_tasks", limit=500)
    assert d["total"] == 40 and d["truncation"]["reason"] == "budget" and d["truncation"]["next_cursor"]
    assert d["attempts"][0]["run_id"] == "r039" and d["attempts"][0]["error_category"] == "permission_denied"
    assert d["attempts"][0]["line_number"] == 2
    assert_steps_runnable(d)
    d = await call(server, "list_failed_tasks", dag_id="dag_1", since="2025-06-15T15:06:50Z")
    assert {a["dag_id"] for a in d["attempts"]} == {"dag_1"} and d["total"] == len(d["attempts"]) > 0


async def test_budget_cut_pages_with_a_cursor(tmp_path: Path) -> None:
    root = store(tmp_path / "logs", failed=40, ok=0)
    server = build_server(settings(root, tmp_path, output_tokens=1000))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        args = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        d = await call(server, "list_failed_tasks", **args)
        seen += [a["log_ref"] for a in d["attempts"]]
        pages += 1
        t = d["truncation"]
        if not t["truncated"]:
            break
        assert t["reason"] == "budget" and "cursor=" in t["how_to_get_more"]
        assert "raise limit" not in t["how_to_get_more"]
        cursor = t["next_cursor"]
    assert pages > 1 and len(seen) == len(set(seen)) == 40
    # the limit (not the budget) cut: a cursor too, and the hint may say limit
    d = await call(server, "error_signatures", limit=1)
    assert d["truncation"]["reason"] == "limit" and d["truncation"]["next_cursor"]
    d2 = await call(server, "error_signatures", limit=1, cursor=d["truncation"]["next_cursor"])
    assert d2["signatures"][0]["template"] != d["signatures"][0]["template"]
    async with Client(server.mcp) as c:
        r = await c.call_tool("list_failed_tasks", {"cursor": d["truncation"]["next_cursor"]})
    assert r.is_error and "cursor is not from this tool" in r.content[0].text


async def test_refresh_is_incremental_and_notices_deletions(tmp_path: Path) -> None:
    root = store(tmp_path / "logs", failed=8, ok=20)
    s = settings(root, tmp_path, index_full_relist_h=0)  # every refresh lists everything, so deletions are seen
    live = LiveIndex(LogAccess(s), s)
    first = live.refresh_now()
    assert first.complete and first.changed == 28 and first.analysed == 8
    again = live.refresh_now()
    assert again.changed == 0 and again.analysed == 0  # nothing re-read
    new = write(root, "dag_id=dag_0/run_id=new/task_id=load/attempt=1.log", failed_log("ZeroDivisionError: x"))
    third = live.refresh_now()
    assert third.changed == 1 and third.analysed == 1
    new.unlink()
    fourth = live.refresh_now()
    assert fourth.removed == 1 and live.store.counts() == (28, 8)
    # through the tools: a new failure shows up on the next call
    server = build_server(settings(root, tmp_path, index_wait_s=60))  # a loaded machine makes small refreshes slow
    d = await call(server, "list_failed_tasks")
    assert d["total"] == 8
    write(root, "dag_id=dag_0/run_id=newer/task_id=load/attempt=1.log", failed_log("KeyError: 'x'"), time.time())
    time.sleep(1.1)  # the next call asks for a refresh (calls within a second share one)
    d = await call(server, "list_failed_tasks")
    assert d["total"] == 9 and d["attempts"][0]["run_id"] == "newer"


def test_a_small_failed_log_is_read_once(tmp_path: Path) -> None:
    """Deciding the outcome reads the last 64 KB; when that is the whole log, the failure analysis reuses those bytes
    instead of a second read (one GET per attempt on S3). A bigger failed log is read twice: tail, then whole."""
    root = store(tmp_path / "logs", failed=3, ok=2)
    filler = "\n".join(af2("INFO", f"processed batch {i} rows=1374") for i in range(2000)) + "\n"  # > 64 KB
    write(root, "dag_id=dag_0/run_id=big/task_id=load/attempt=1.log", filler + failed_log("KeyError: 'big'"))
    s = settings(root, tmp_path)
    access = LogAccess(s)
    reads: dict[str, int] = {}
    chunks = access.store.chunks

    def counting(key: str, *args: object, **kw: object):
        reads[key] = reads.get(key, 0) + 1
        return chunks(key, *args, **kw)

    access.store.chunks = counting  # type: ignore[method-assign]
    stats = LiveIndex(access, s).refresh_now()
    assert stats.changed == 6 and stats.analysed == 4
    big_key = "dag_id=dag_0/run_id=big/task_id=load/attempt=1.log"
    assert reads.pop(big_key) == 2
    assert sorted(reads.values()) == [1] * 5


def test_incremental_local_walk_skips_settled_folders(tmp_path: Path) -> None:
    """Folders unchanged for longer than the look-back window are not entered by an incremental refresh; a new
    attempt in a new run folder is found, and a full relisting still sees everything."""
    root = store(tmp_path / "logs", failed=4, ok=4)
    old = time.time() - 10 * 86400
    for folder, _, _ in os.walk(root):
        if Path(folder) != root and not Path(folder).name.startswith("dag_id="):
            os.utime(folder, (old, old))
    s = settings(root, tmp_path, index_lookback_h=48)
    live = LiveIndex(LogAccess(s), s)
    assert live.refresh_now().listed == 8  # the first build lists everything
    write(root, "dag_id=dag_1/run_id=fresh/task_id=load/attempt=1.log", failed_log("KeyError: 'k'"))
    stats = live.refresh_now()
    assert stats.listed == 1 and stats.changed == 1 and not stats.full_listing
    full = live.builder.refresh(full=True)  # type: ignore[union-attr]
    assert full.listed == 9 and full.changed == 0


async def test_prebuilt_index_opened_read_only(tmp_path: Path) -> None:
    root = store(tmp_path / "logs", failed=6, ok=4)
    s = settings(root, tmp_path)
    report = build(s, str(tmp_path / "out"))
    assert report["complete"] and report["files_indexed"] == 10 and report["failed_attempts"] == 6
    index = Path(report["index"])
    before = (index.stat().st_mtime_ns, index.stat().st_size)
    os.chmod(index, 0o444)
    server = build_server(AirflowLogsSettings(source=str(root), index_path=index))
    d = await call(server, "list_failed_tasks")
    assert d["total"] == 6 and d["coverage"]["prebuilt"] is True
    d = await call(server, "search_logs", query="access denied writing the lake")
    assert d["hits"] and "AccessDenied" in d["hits"][0]["text"]
    assert (index.stat().st_mtime_ns, index.stat().st_size) == before


async def test_cli_index_build(tmp_path: Path, capsys) -> None:
    from oncall_mcp.suite.cli import main

    root = store(tmp_path / "logs", failed=2, ok=2)
    out = tmp_path / "idx.sqlite"
    assert main(["index", "build", "--source", str(root), "--out", str(out)]) == 0
    assert '"files_indexed": 4' in capsys.readouterr().out and out.is_file()


async def test_unknown_dag_and_bad_since_are_tool_errors(tmp_path: Path) -> None:
    root = store(tmp_path / "logs", failed=2, ok=0)
    server = build_server(settings(root, tmp_path))
    async with Client(server.mcp) as c:
        r = await c.call_tool("list_failed_tasks", {"dag_id": "dag_9"})
        assert r.is_error and "dag_0" in r.content[0].text
        r = await c.call_tool("error_signatures", {"since": "yesterday-ish"})
        assert r.is_error and "since" in r.content[0].text
        r = await c.call_tool("list_failed_tasks", {})
        assert not r.is_error


async def test_search_filters_on_an_unknown_dag_or_task_are_tool_errors(tmp_path: Path) -> None:
    """search_logs names the closest DAGs/tasks like list_failed_tasks and error_signatures, instead of 0 hits."""
    root = store(tmp_path / "logs", failed=4, ok=0)
    server = build_server(settings(root, tmp_path))
    async with Client(server.mcp) as c:
        for args, named in (
            ({"dag_id": "dag_9"}, "dag_0"),
            ({"task_id": "lod"}, "load"),
            ({"dag_id": "dag_1", "task_id": "loading"}, "load"),
        ):
            r = await c.call_tool("search_logs", {"query": "access denied", **args})
            assert r.is_error and "not found" in r.content[0].text and named in r.content[0].text, (args, r.content)
        r = await c.call_tool("search_logs", {"query": "access denied", "dag_id": "dag_1", "task_id": "load"})
        assert not r.is_error and r.structured_content["hits"]


def bash_log(rc: int, output: list[str]) -> str:
    lines = [
        af2("INFO", "Running command: ['/usr/bin/bash', '-c', 'python job.py']", "subprocess.py:75", 1),
        *[af2("INFO", o, "subprocess.py:93", 2) for o in output],
        af2("INFO", f"Command exited with return code {rc}", "subprocess.py:97", 3),
        af2("ERROR", "Task failed with exception", "taskinstance.py:1937", 4),
        "Traceback (most recent call last):",
        '  File "/home/airflow/.local/lib/python3.10/site-packages/airflow/operators/bash.py", line 243, in execute',
        "    raise AirflowException(",
        f"airflow.exceptions.AirflowException: Bash command failed. The command returned a non-zero exit code {rc}.",
        FAILED,
    ]
    return "\n".join(lines) + "\n"


async def test_a_hit_shows_the_line_it_cites(tmp_path: Path) -> None:
    """Text, log_ref and line_number of a hit are one occurrence: the newest one, with its own text. Exit codes are
    kept in the template, so an older exit-137 (out of memory) line is not cited at a newer exit-2 log."""
    root = tmp_path / "logs"
    t0 = 1_764_000_000
    write(root, "dag_id=d/run_id=oom/task_id=t/attempt=1.log", bash_log(137, ["bash: line 1:  4821 Killed  job"]), t0)
    write(root, "dag_id=d/run_id=tar/task_id=t/attempt=1.log", bash_log(2, ["tar: Error is not recoverable"]), t0 + 9)
    for i, host in enumerate(("10.0.0.5", "10.0.0.7")):  # one template, two occurrences with different text
        error = f"psycopg2.OperationalError: could not connect to server {host}:5432: Connection refused"
        write(root, f"dag_id=e/run_id=r{i}/task_id=load/attempt=1.log", failed_log(error), t0 + 20 + i)
    server = build_server(settings(root, tmp_path))
    async with Client(server.mcp) as c:
        cited = []
        for query, args in (
            ("ran out of memory", {}),
            ("connection refused", {}),
            ("connection refused", {"dag_id": "e", "task_id": "load"}),
            ("bash command failed non-zero exit code", {}),
        ):
            d = (await c.call_tool("search_logs", {"query": query, **args})).structured_content
            assert d["hits"], query
            for h in d["hits"]:
                excerpt = await c.call_tool("read_log", {"log_ref": h["log_ref"], "around_line": h["line_number"]})
                line = next(
                    x["text"] for x in excerpt.structured_content["lines"] if x["line_number"] == h["line_number"]
                )
                assert line == h["text"], (query, h)
                cited.append((h["run_id"], h["text"]))
    assert ("oom", "airflow.exceptions.AirflowException: Bash command failed. The command returned a non-zero "
            "exit code 137.") in cited  # fmt: skip
    assert not any(run == "tar" and "137" in text for run, text in cited)
    assert any(run == "r1" and "10.0.0.7" in text for run, text in cited)
    assert not any("10.0.0.5" in text for _, text in cited)  # the older occurrence's text is never shown


async def test_info_lines_of_a_failed_attempt_are_not_searchable(tmp_path: Path) -> None:
    """Only error lines of a failed attempt become search templates: its INFO context lines (even ones the
    root-cause ranking keeps as candidates) never come back, whatever the query."""
    root = tmp_path / "logs"
    log = [
        af2("INFO", "Executing <Task(S3KeySensor): wait_for_partition> on 2026-11-20 00:00:00+00:00", "ti.py:1382", 1),
        af2("INFO", "Parsed 835 records; 0 values could not be converted", "export_csv.py:44", 2),
        af2("INFO", "Sensor criteria met, partition available after 12 pokes", "export_csv.py:50", 3),
        af2("ERROR", "Task failed with exception", "taskinstance.py:1937", 30),
        "Traceback (most recent call last):",
        '  File "/opt/airflow/dags/etl/load.py", line 57, in load',
        "    row['total'] = row['amount'] * 2",
        "KeyError: 'amount'",
        "pandas.errors.PerformanceWarning: DataFrame is highly fragmented. Consider joining all columns at once",
        FAILED,
    ]
    write(root, "dag_id=d/run_id=r1/task_id=t/attempt=1.log", "\n".join(log) + "\n", 1_764_000_000)
    server = build_server(settings(root, tmp_path))
    async with Client(server.mcp) as c:
        for query in ("bad value in the csv", "values could not be converted", "sensor gave up waiting", "executing"):
            d = (await c.call_tool("search_logs", {"query": query})).structured_content
            assert not any(" INFO - " in h["text"] for h in d["hits"]), (query, d["hits"])
        d = (await c.call_tool("search_logs", {"query": "dataframe highly fragmented"})).structured_content
        assert d["hits"] == []  # a warning has an exception's shape, not an error's meaning
        d = (await c.call_tool("search_logs", {"query": "KeyError amount"})).structured_content
        assert [h["text"] for h in d["hits"]][:1] == ["KeyError: 'amount'"]


async def test_an_answer_read_during_a_refresh_is_not_complete(tmp_path: Path, monkeypatch) -> None:
    """A refresh commits batch by batch: what a call reads meanwhile is part old, part new, so coverage says
    complete: false (and refreshing: true) until a call reads with no refresh running."""
    import threading

    from oncall_mcp.servers.airflow_logs.index import live
    from oncall_mcp.servers.airflow_logs.index.builder import IndexBuilder

    root = store(tmp_path / "logs", failed=4, ok=0)
    s = settings(root, tmp_path, index_refresh_s=0)
    server = build_server(s)
    d = await call(server, "list_failed_tasks")
    assert d["total"] == 4 and d["coverage"]["complete"] and not d["coverage"]["refreshing"]
    monkeypatch.setattr(s, "index_wait_s", 0.0)  # calls now answer at once instead of waiting for a quick refresh
    entered, release = threading.Event(), threading.Event()
    original = IndexBuilder.refresh

    def held_refresh(self: IndexBuilder, stop_at: float | None = None, full: bool = False):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(10)
        return original(self, stop_at, full)

    monkeypatch.setattr(IndexBuilder, "refresh", held_refresh)
    monkeypatch.setattr(live, "MIN_REFRESH_GAP_S", 0.0)
    write(root, "dag_id=dag_0/run_id=new/task_id=load/attempt=1.log", failed_log("KeyError: 'amount'"), time.time())
    await call(server, "list_failed_tasks")  # asks for a refresh, which now runs in the background
    assert entered.wait(10)
    d = await call(server, "list_failed_tasks")
    cov = d["coverage"]
    assert cov["refreshing"] and not cov["complete"] and "refresh was running" in cov["note"], cov
    release.set()
    for _ in range(100):
        d = await call(server, "list_failed_tasks")
        if d["coverage"]["complete"]:
            break
        time.sleep(0.05)
    assert d["coverage"]["complete"] and not d["coverage"]["refreshing"] and d["total"] == 5


def old_schema_index(path: Path) -> None:
    """An index file as release 1 wrote it: occurrences without their own text, an INFO line as a template."""
    import sqlite3

    from oncall_mcp.servers.airflow_logs.index.store import SCHEMA

    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA.replace("    text TEXT,\n", ""))
    con.execute("INSERT INTO meta VALUES ('schema_version', '1'), ('as_of', '1750000000.0')")
    con.execute(
        "INSERT INTO templates (template, example, severity, category, concepts) VALUES (?, ?, 1, '', '')",
        ("INFO - Parsed <n> records", "INFO - Parsed 835 records; 0 values could not be converted"),
    )
    con.execute("INSERT INTO templates_fts (rowid, words) VALUES (1, 'info parsed records values could not converted')")
    con.commit()
    con.close()


async def test_an_index_of_an_older_schema_is_rebuilt_or_refused_clearly(tmp_path: Path) -> None:
    """A cache index written by an older release is emptied on open and rebuilt from the logs (no crash, none of
    its old templates); an old prebuilt index is a clear tool error and the server keeps serving."""
    from oncall_mcp.servers.airflow_logs.index.live import index_file

    root = store(tmp_path / "logs", failed=4, ok=2)
    s = settings(root, tmp_path)
    old_schema_index(index_file(s))
    server = build_server(s)
    d = await call(server, "search_logs", query="values could not be converted")
    assert d["hits"] == [] and d["coverage"]["complete"] and d["coverage"]["files_indexed"] == 6
    d = await call(server, "search_logs", query="access denied")
    assert d["hits"] and "AccessDenied" in d["hits"][0]["text"]
    prebuilt = tmp_path / "prebuilt.sqlite"
    old_schema_index(prebuilt)
    server = build_server(AirflowLogsSettings(source=str(root), index_path=prebuilt))
    async with Client(server.mcp) as c:
        r = await c.call_tool("list_failed_tasks", {})
        assert r.is_error and "schema version 1" in r.content[0].text and "index build" in r.content[0].text
        r = await c.call_tool("list_attempts", {"dag_id": "dag_0"})
        assert not r.is_error
