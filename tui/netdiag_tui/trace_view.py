"""The resolve screen's values: a DNS trace (``netdiag.dns.resolver.trace``) laid out for display.

Part of the TUI's engine adapter (:mod:`netdiag_tui.engine` re-exports it);
the layout reads the stable ``netdiag/resolve/v1`` document, not engine internals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netdiag.app.session import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRow:
    name: str
    type: str
    rcode: str
    answers: tuple[str, ...] = ()
    nameserver: str = ""
    winner: bool = False
    #: Sent over TCP (``use-vc``, or repeating a truncated UDP reply).
    tcp: bool = False
    #: The UDP reply had TC set: empty, too big for the library's UDP limit.
    truncated: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceView:
    name: str
    resolver: str
    family: str
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    origin: str = ""
    queries: tuple[QueryRow, ...] = ()
    resolved: bool = False
    #: The name that answered and its records (``A 10.0.0.1``), when resolved.
    winner: str = ""
    answers: tuple[str, ...] = ()
    #: ``service default/x`` — what the name landed on.
    target: str = ""
    target_namespace: str = ""
    shadowed: tuple[str, ...] = ()
    cost: str = ""
    advice: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: What the model did besides the search walk (autopath, getaddrinfo re-runs, …).
    notes: tuple[str, ...] = ()
    error: str = ""
    #: For a selected pod: can it reach the name, on which ports, or what blocks
    #: it (``netdiag reach POD NAME``); empty without a pod.
    reach: str = ""
    reach_ok: bool = False


def trace(
    session: Session,
    name: str,
    *,
    namespace: str = "default",
    pod: str | None = None,
    resolver: str = "glibc",
    family: str = "unspec",
) -> TraceView:
    """``netdiag resolve``'s trace of ``name`` as seen from a pod (or namespace)."""
    from netdiag.dns.resolver.report import to_json
    from netdiag.errors import NetdiagError

    try:
        result = session.trace(
            name,
            namespace=None if pod else namespace,
            pod=f"{namespace}/{pod}" if pod else None,
            resolver=resolver,
            family=family,
        )
    except NetdiagError as e:
        return TraceView(name=name, resolver=resolver, family=family, error=e.message)
    view = trace_view(to_json(result), name=name, resolver=resolver, family=family)
    if pod:
        reach, ok = _reach(session, f"{namespace}/{pod}", name, resolver, family)
        view = replace(view, reach=reach, reach_ok=ok)
    return view


def _reach(session: Session, pod: str, name: str, resolver: str, family: str) -> tuple[str, bool]:
    """One line: reachable on which ports, or the first blocking hop."""
    from netdiag.errors import NetdiagError
    from netdiag.policy.verdict import Verdict

    try:
        r = session.reach_name(pod, name, resolver=resolver, family=family)
    except NetdiagError as e:
        return e.message, False
    if r.verdict is Verdict.ALLOWED:
        ports = [a.connection.ports for a in r.addresses]
        common = ports[0] if ports else None
        for p in ports[1:]:
            common = common & p if common is not None else p
        return f"reachable from {pod}" + (f" on {common}" if common else ""), True
    word = "not reachable" if r.verdict is Verdict.DENIED else "implementation-defined"
    return f"{word} from {pod}: blocked at {r.blocker}", False


def _count(n: object, one: str, many: str = "") -> str:
    """``1 round trip``, ``2 round trips`` (as ``netdiag resolve`` says it)."""
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def _record_text(r: Any) -> str:
    if isinstance(r, str):
        return r
    kind, data = r.get("type", ""), r.get("data", "")
    return str(data) if kind in ("A", "AAAA") else f"{kind} {data}"


def trace_view(data: dict[str, Any], *, name: str, resolver: str, family: str) -> TraceView:
    """A ``netdiag/resolve/v1`` document (the stable contract) laid out for the screen."""
    rc = data.get("resolv_conf") or {}
    answer = data.get("answer") or None
    winner = str(answer["name"]) if answer else ""
    rows: list[QueryRow] = []
    marked = False
    for q in data.get("queries") or ():
        answers = tuple(_record_text(a) for a in q.get("answers") or ())
        is_winner = not marked and bool(winner) and q.get("name") == winner and bool(answers)
        marked = marked or is_winner
        rows.append(
            QueryRow(
                name=str(q.get("name", "")),
                type=str(q.get("type", "")),
                rcode=str(q.get("rcode", "")),
                answers=answers,
                nameserver=str(q.get("nameserver") or ""),
                winner=is_winner,
                tcp=q.get("transport") == "tcp",
                truncated=bool(q.get("truncated")),
            )
        )
    target = data.get("target") or None
    cost = data.get("cost") or {}
    cost_text = (
        f"{_count(cost.get('queries', len(rows)), 'query', 'queries')}, "
        f"{cost.get('nxdomains', 0)} NXDOMAIN, "
        f"{_count(cost.get('round_trips', 0), 'round trip')}"
        + (f", {_count(cost['timeouts'], 'timeout')}" if cost.get("timeouts") else "")
        if isinstance(cost, dict)
        else str(cost)
    )
    return TraceView(
        name=name,
        resolver=resolver,
        family=family,
        nameservers=tuple(rc.get("nameservers") or ()),
        search=tuple(rc.get("search") or ()),
        options=tuple(str(o) for o in rc.get("options") or ()),
        origin=str(rc.get("origin") or ""),
        queries=tuple(rows),
        resolved=bool(data.get("resolved", answer is not None)),
        winner=winner,
        answers=tuple(_record_text(r) for r in (answer or {}).get("records") or ()),
        target=(
            f"{target['kind']} {target.get('namespace') + '/' if target.get('namespace') else ''}"
            f"{target['name']}"
            if target
            else ""
        ),
        target_namespace=str((target or {}).get("namespace") or ""),
        shadowed=tuple(str(s.get("fqdn") or s) for s in data.get("shadowed") or ()),
        cost=cost_text,
        advice=tuple(
            f"{a.get('text')} (saves {a.get('queries_saved')} queries)"
            if isinstance(a, dict)
            else str(a)
            for a in data.get("advice") or ()
        ),
        warnings=tuple(str(w) for w in data.get("warnings") or ()),
        notes=tuple(str(n) for n in data.get("notes") or ()),
        error=str(data.get("error") or "") if not data.get("resolved", True) else "",
    )
