"""route_alert: pick the routing rule for a failure and turn its targets into teams to notify and copy.

Rules from the registry's `routing:` list are tried in order, then the built-in defaults below; the first rule whose
`when` matches applies. `notify` is a fallback chain (the first target that resolves to a team is used); `cc` lists
every target that resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oncall_mcp.servers.ownership.followups import route_followups
from oncall_mcp.servers.ownership.models import Recipient, RecipientReason, ResolveOwnerResult, RouteAlertResult
from oncall_mcp.servers.ownership.patterns import glob_to_regex
from oncall_mcp.servers.ownership.registry import RuleSpec, When
from oncall_mcp.servers.ownership.resolver import resolve
from oncall_mcp.servers.ownership.state import Snapshot

INFRA = ["connection", "killed", "dependency_missing", "resource_exhausted"]

DEFAULT_RULES: list[RuleSpec] = [
    RuleSpec(
        name="upstream-late",
        when=When(
            error_category=["upstream_not_ready", "timeout", "resource_missing", "data_quality", "unknown"],
            upstream_late=True,
        ),
        notify=["upstream_owner", "dag_owner"],
        cc=["dag_owner"],
        page=True,
        reason="the task failed because data it waits for is late: the upstream dataset's owner can fix it",
    ),
    RuleSpec(
        name="permission-to-platform",
        when=When(error_category=["permission_denied"]),
        notify=["platform", "dag_owner"],
        cc=["dag_owner"],
        reason="grants and credentials are managed by the platform team",
    ),
    RuleSpec(
        name="infrastructure-to-platform",
        when=When(error_category=INFRA),  # type: ignore[arg-type]
        notify=["platform", "dag_owner"],
        cc=["dag_owner"],
        reason="connections, worker kills, full disks and missing packages are infrastructure problems",
    ),
    RuleSpec(
        name="out-of-memory",
        when=When(error_category=["out_of_memory"]),
        notify=["dag_owner"],
        cc=["platform"],
        reason="memory use is set by the task's own code and query; the platform team can raise limits",
    ),
    RuleSpec(
        name="schema-error-in-own-sql",
        when=When(error_category=["schema_mismatch", "syntax"]),
        notify=["dag_owner"],
        cc=["table_owner"],
        reason="the error is in the task's own SQL or code; the table owners are copied in case a schema changed",
    ),
    RuleSpec(
        name="bad-input-data",
        when=When(error_category=["data_quality", "resource_missing"], tables=True),
        notify=["table_owner", "dag_owner"],
        cc=["dag_owner"],
        reason="the data or object the task reads is wrong or missing: its owner can fix it",
    ),
    RuleSpec(
        name="upstream-unknown",
        when=When(error_category=["upstream_not_ready"]),
        notify=["dag_owner"],
        reason="no late upstream was named, so the DAG owner investigates first",
    ),
    RuleSpec(
        name="default-to-dag-owner",
        notify=["dag_owner", "fallback"],
        reason="the task's own code or configuration failed",
    ),
]

CATEGORY_TEXT = {
    "schema_mismatch": "a schema mismatch (a column or type its SQL expects is not there)",
    "syntax": "a syntax error in its SQL or code",
    "timeout": "a timeout",
    "upstream_not_ready": "waiting for upstream data that did not arrive",
    "out_of_memory": "running out of memory",
    "killed": "being killed (signal, eviction or zombie)",
    "permission_denied": "a permission error",
    "connection": "a connection error",
    "rate_limited": "being throttled by an API (rate limit or quota)",
    "service_error": "a server error (HTTP 5xx) from a service it calls",
    "resource_exhausted": "the worker running out of disk space, disk quota or file handles",
    "resource_missing": "a missing table, file or object",
    "dependency_missing": "a missing package or dependency",
    "data_quality": "a data-quality check",
    "user_code": "an error in its own code",
    "unknown": "an error not yet classified",
}


def _globs_match(patterns: list[str], value: str) -> bool:
    return not patterns or any(re.fullmatch(glob_to_regex(p, "\x00", subtree=False), value) for p in patterns)


def rule_matches(when: When, category: str, dag_id: str, task_id: str, tables: list[str], late: list[str]) -> bool:
    if when.error_category and category not in when.error_category:
        return False
    if when.upstream_late is not None and bool(late) != when.upstream_late:
        return False
    if when.tables is not None and bool(tables) != when.tables:
        return False
    try:
        return _globs_match(when.dag_id, dag_id) and _globs_match(when.task_id, task_id)
    except ValueError:
        return False


TARGET_REASON: dict[str, RecipientReason] = {
    "dag_owner": "failed_task_owner",
    "upstream_owner": "late_upstream_owner",
    "table_owner": "table_owner",
    "platform": "platform_team",
    "fallback": "fallback_team",
}


@dataclass
class _Resolved:
    teams: list[str] = field(default_factory=list)
    because: dict[str, list[str]] = field(default_factory=dict)
    reason: dict[str, RecipientReason] = field(default_factory=dict)  # the first reason a team was added for
    unresolved: list[str] = field(default_factory=list)


def _explain(res: ResolveOwnerResult) -> str:
    ev = res.decided_by
    if ev is None:
        return ""
    return f"{ev.source} {ev.matched!r} at {ev.location}" if ev.location else f"{ev.source} {ev.matched!r}"


class Router:
    def __init__(self, snap: Snapshot, dag_id: str, task_id: str, tables: list[str], late: list[str]) -> None:
        self.snap = snap
        self.dag_id, self.task_id, self.tables, self.late = dag_id, task_id, tables, late
        self._cache: dict[str, ResolveOwnerResult] = {}

    def unmapped_owners(self) -> list[str]:
        """People or groups some source named as owner that no registry team lists (find_team may place them)."""
        return list(dict.fromkeys(o for res in self._cache.values() for o in res.unmapped_owners))

    def owner(self, asset: str, kind: str = "auto") -> ResolveOwnerResult:
        if asset not in self._cache:
            self._cache[asset] = resolve(self.snap, asset, kind)
        return self._cache[asset]

    def target(self, target: str) -> _Resolved:
        out = _Resolved()
        defaults = self.snap.registry.loaded.spec.defaults
        reason = TARGET_REASON.get(target, "named_by_rule")

        def add(team: str, why: str) -> None:
            if team not in out.teams:
                out.teams.append(team)
                out.reason[team] = reason
            out.because.setdefault(team, []).append(why)

        def assets(names: list[str], label: str, kind: str = "auto") -> None:
            for name in dict.fromkeys(names):
                res = self.owner(name, kind)
                if not res.owners:
                    out.unresolved.append(name)
                for t in res.owners:
                    add(t.name, f"{label} {name} is owned by {t.name} ({_explain(res)})")

        if target == "dag_owner":
            assets([f"{self.dag_id}.{self.task_id}"], "task", "task")
            if not out.teams:
                out.unresolved = []
                assets([self.dag_id], "DAG", "dag")
            if out.teams:
                out.unresolved = []
        elif target == "upstream_owner":
            assets(self.late, "late upstream")
        elif target == "table_owner":
            assets(self.tables, "table in the error")
        elif target == "platform" and defaults.platform_team:
            add(defaults.platform_team, f"{defaults.platform_team} is the platform team (defaults.platform_team)")
        elif target == "fallback" and defaults.fallback_team:
            add(defaults.fallback_team, f"{defaults.fallback_team} is the fallback team (defaults.fallback_team)")
        elif target.startswith("team:"):
            name = target[5:]
            spec = self.snap.registry.teams.get(name.lower())
            if spec:
                add(spec.name, f"the routing rule names {spec.name}")
        return out


def _rules(snap: Snapshot) -> list[tuple[RuleSpec, str]]:
    reg = snap.registry
    own = [(r, f"{reg.name}:{reg.loaded.line_of('routing', i)}") for i, r in enumerate(reg.loaded.spec.routing)]
    return own + [(r, "built-in default") for r in DEFAULT_RULES]


def route(
    snap: Snapshot, dag_id: str, task_id: str, category: str, tables: list[str], late: list[str]
) -> RouteAlertResult:
    rule, source = next(
        (r, s) for r, s in _rules(snap) if rule_matches(r.when, category, dag_id, task_id, tables, late)
    )
    router = Router(snap, dag_id, task_id, tables, late)
    teams = snap.registry.teams
    notify_res = _Resolved()
    unresolved: list[str] = []
    for target in rule.notify:
        res = router.target(target)
        unresolved += [u for u in res.unresolved if u not in unresolved]
        if res.teams:
            notify_res = res
            break
    fallback = snap.registry.loaded.spec.defaults.fallback_team
    if not notify_res.teams and fallback:
        notify_res = router.target("fallback")
    cc_res = _Resolved()
    for target in rule.cc:
        res = router.target(target)
        unresolved += [u for u in res.unresolved if u not in unresolved]
        for t in res.teams:
            if t not in notify_res.teams and t not in cc_res.teams:
                cc_res.teams.append(t)
                cc_res.because[t] = res.because[t]
                cc_res.reason[t] = res.reason[t]

    def recipient(team: str, chosen: _Resolved, page: bool) -> Recipient:
        spec = teams[team.lower()]
        return Recipient(
            team=spec.name,
            slack_channel=spec.slack_channel,
            oncall_rotation=spec.oncall_rotation,
            page=page and bool(spec.oncall_rotation),
            escalation=spec.escalation,
            reason=chosen.reason[team],
            because="; ".join(dict.fromkeys(chosen.because[team])),
        )

    notify = [recipient(t, notify_res, rule.page) for t in notify_res.teams]
    cc = [recipient(t, cc_res, False) for t in cc_res.teams]
    result = RouteAlertResult(
        dag_id=dag_id,
        task_id=task_id,
        error_category=category,
        notify=notify,
        cc=cc,
        rule=rule.name,
        rule_source=source,
        why=_why(dag_id, task_id, category, rule, notify, cc, late),
        unresolved=unresolved,
    )
    if rule.page and notify and not any(r.page for r in notify):
        result.why += " Paging was asked for, but no notified team has an on-call rotation: post in the channel."
    result.next_steps = route_followups(result, late, router.unmapped_owners())
    if not result.next_steps:
        result.next_steps_text = "none: post `why` to the notified channels and page only where page=true"
    return result


def _why(
    dag_id: str,
    task_id: str,
    category: str,
    rule: RuleSpec,
    notify: list[Recipient],
    cc: list[Recipient],
    late: list[str],
) -> str:
    parts = [f"Task {task_id} of DAG {dag_id} failed: {CATEGORY_TEXT.get(category, category)} ({category})."]
    if late and "upstream_owner" in (*rule.notify, *rule.cc):
        parts.append(f"Late upstream: {', '.join(late)}.")
    for r in notify:
        where = ", ".join(x for x in (r.oncall_rotation if r.page else None, r.slack_channel) if x)
        verb = "Page" if r.page else "Notify"
        parts.append(f"{verb} {r.team}{f' ({where})' if where else ''} because {r.because}.")
    if cc:
        parts.append(
            "Copy "
            + "; ".join(f"{r.team}{f' ({r.slack_channel})' if r.slack_channel else ''} because {r.because}" for r in cc)
            + "."
        )
    parts.append(f"Rule {rule.name}: {rule.reason}." if rule.reason else f"Rule {rule.name}.")
    return " ".join(parts)
