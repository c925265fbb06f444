"""Plain-text tables for a ``netdiag/capture/v1`` report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    cells = [[str(h) for h in headers]] + [["-" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def _who(item: dict[str, Any]) -> str:
    return f"{item['pod']} ({item['client']})" if item.get("pod") else str(item["client"])


def _explanation_lines(chain: dict[str, Any]) -> list[str]:
    """Why the resolver is undecided, or what the walk ruled out (netdiag.dns.capture.explain)."""
    e = chain.get("profile_explanation")
    if not e:
        return []
    lines = [f"  decided: {d['text']}" for d in e["decided_by"]]
    if e["why"]:
        lines.append(f"  undecided: {e['why']}")
        seps = [s["text"] for s in e["would_separate"]]
        for i, text in enumerate(seps[:2]):
            lines.append(f"  {'would tell apart:' if i == 0 else ' ' * 17} {text}")
        if len(seps) > 2:
            lines.append(f"  {' ' * 17} … {len(seps) - 2} more with -o json")
        if not seps:
            lines.append("  would tell apart: no single change of answer, trailing dot or ndots")
    return lines


def _chain_lines(chain: dict[str, Any]) -> list[str]:
    profile = chain["profile"] or "/".join(chain["consistent_profiles"]) or "unknown"
    marks = f"  [{', '.join(chain['marks'])}]" if chain["marks"] else ""
    lines = [
        f"{_who(chain)}  {chain['name']}  {chain['outcome']}  "
        f"{chain['wire_queries']} quer{'y' if chain['wire_queries'] == 1 else 'ies'}  "
        f"{chain['duration_ms']:.1f} ms  resolver: {profile}" + marks
    ]
    lines += _explanation_lines(chain)
    for q in chain["queries"]:
        shown = q["answers"][:3]
        more = len(q["answers"]) - len(shown)
        answers = " ".join(shown) + (f" … (+{more})" if more else "")
        extra = f" ×{q['attempts']}" if q["attempts"] > 1 else ""
        flags = f"  [{', '.join(q['marks'])}]" if q["marks"] else ""
        tcp = " tcp" if "tcp" in q["transport"] else ""
        lines.append(f"  {q['type']:<5} {q['name']}  {q['rcode']}{extra}{tcp}  {answers}".rstrip())
        if flags:
            lines[-1] += flags
    return lines


def render_text(report: dict[str, Any]) -> str:
    out: list[str] = []
    p = report["packets"]
    out.append(
        f"packets: {p['total']} total, {p['dns']} DNS, {p['not_dns']} non-DNS on DNS ports, "
        f"{p['malformed']} malformed"
    )
    out.append("")
    out.append("CLIENTS")
    rows = [
        (
            _who(c),
            c["lookups"],
            c["successful"],
            c["queries"],
            c["queries_per_success"],
            f"{c['nxdomain_share'] * 100:.0f}%",
            ", ".join(f"{k}:{v}" for k, v in c["marks"].items()),
        )
        for c in report["clients"]
    ]
    out += _table(("CLIENT", "LOOKUPS", "OK", "QUERIES", "Q/OK", "NXDOMAIN", "MARKS"), rows)
    out.append("")
    out.append("CHAINS")
    for chain in report["chains"]:
        out += _chain_lines(chain)
    out.append("")
    out.append("SLOWEST")
    out += _table(
        ("CLIENT", "NAME", "MS", "OUTCOME", "MARKS"),
        [
            (_who(s), s["name"], f"{s['duration_ms']:.1f}", s["outcome"], ", ".join(s["marks"]))
            for s in report["slowest"]
        ],
    )
    out += _advice(report["clients"])
    return "\n".join(out) + "\n"


def _advice(clients: Sequence[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for c in clients:
        if c["fqdn"]:
            out += ["", f"FQDN ADVICE for {_who(c)}: {c['fqdn_saving']} queries saved"]
            out += _table(
                ("NAME", "WRITE AS", "LOOKUPS", "QUERIES", "AS FQDN", "SAVED"),
                [
                    (f["name"], f["fqdn"], f["lookups"], f["queries"], f["as_fqdn"], f["saved"])
                    for f in c["fqdn"]
                ],
            )
        best = max(c["ndots"], key=lambda a: a["net"], default=None)
        if best is not None and best["net"] > 0:
            out.append(
                f"ndots: options ndots:{best['ndots']} would save {best['net']} queries for "
                f"{_who(c)} ({best['saved']} saved, {best['extra']} extra; musl never "
                "searches names with that many dots)"
            )
    return out
