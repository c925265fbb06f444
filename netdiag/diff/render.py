"""Text and Markdown (a pull-request comment) of a :class:`SnapshotDiff`. Pure.

Every name comes from the snapshot and may be hostile: control characters are
shown escaped (:func:`clean`), and Markdown table cells and code spans are
escaped on top.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from netdiag.audit.findings import Finding
from netdiag.diff.dnsdiff import DnsChange
from netdiag.diff.reach import CellState, ReachChange
from netdiag.diff.report import SnapshotDiff
from netdiag.policy.matrixdiff import PortKey

#: Names listed per change before "(+N more)".
SHOWN = 5
#: Changes shown in full in Markdown before the rest is summarised.
MD_CHANGES = 50

_VERB = {
    "opened": "opened",
    "closed": "closed",
    "ports": "ports changed",
    "implementation-defined": "now implementation-defined",
    "defined": "no longer implementation-defined",
}
_SIGN = {"opened": "+", "closed": "-", "ports": "~", "implementation-defined": "?", "defined": "~"}


def clean(text: str) -> str:
    """Control and format characters escaped (``\\x1b``, ``\\u202e``): never sent raw."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if unicodedata.category(ch)[0] in ("C", "Z") and ch != " ":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def ports_text(ports: Iterable[PortKey]) -> str:
    def one(p: PortKey) -> str:
        if p[1] is None:
            return f"{p[0]}/*"
        return f"{p[1]}" + (f"-{p[2]}" if p[2] is not None else "") + f"/{p[0]}"

    return ", ".join(one(p) for p in ports) or "none"


def state_text(s: CellState) -> str:
    if not s.allowed:
        head = "denied"
    elif s.implementation_defined:
        head = f"implementation-defined {ports_text(s.ports)}"
    else:
        head = f"allowed {ports_text(s.ports)}"
    return f"{head} — {s.why}" if s.why else head


def names(items: Sequence[str], shown: int = SHOWN) -> str:
    head = ", ".join(clean(i) for i in items[:shown])
    return head + (f" (+{len(items) - shown} more)" if len(items) > shown else "")


def _what(c: ReachChange) -> str:
    if c.kind == "opened":
        return ports_text(c.after.ports)
    if c.kind == "closed":
        return ports_text(c.before.ports)
    parts = []
    if c.ports_added:
        parts.append("+" + ports_text(c.ports_added))
    if c.ports_removed:
        parts.append("-" + ports_text(c.ports_removed))
    return " ".join(parts) or ports_text(c.after.ports)


def _cells(c: ReachChange) -> str:
    src, dst = c.sources, c.destinations
    plural = "s" if c.cells != 1 else ""
    return f"{c.cells} cell{plural}: {len(src)} source(s) × {len(dst)} destination(s)"


def reach_lines(c: ReachChange) -> Iterator[str]:
    yield f"{_SIGN[c.kind]} {_VERB[c.kind]} {_what(c)}  ({_cells(c)})"
    yield f"    from: {names(c.sources)}"
    yield f"    to:   {names(c.destinations)}"
    yield f"    e.g. {clean(c.example[0])} -> {clean(c.example[1])}"
    yield f"      before: {clean(state_text(c.before))}"
    yield f"      after:  {clean(state_text(c.after))}"


def dns_line(c: DnsChange) -> str:
    who = names(c.namespaces) + (f" ({len(c.pods)} pod{'s' if len(c.pods) != 1 else ''})")
    return (
        f"{c.kind:<18} {clean(c.name)} from {who}: "
        f"{clean(c.before.text())} => {clean(c.after.text())}"
    )


def finding_line(sign: str, f: Finding) -> str:
    return f"{sign} {f.effective_severity.value:<7} {f.check.id}  {clean(f.message)}"


def summary_line(d: SnapshotDiff) -> str:
    parts = [
        f"{d.cells(k)} cells {_VERB[k]}"
        for k in ("opened", "closed", "ports", "implementation-defined", "defined")
        if d.cells(k)
    ]
    if d.dns is not None and d.dns.changes:
        parts.append(f"{len(d.dns.changes)} DNS change(s)")
    if d.audit_added or d.audit_removed:
        parts.append(f"audit +{len(d.audit_added)}/-{len(d.audit_removed)}")
    return "; ".join(parts) if parts else "no changes"


def text_lines(d: SnapshotDiff) -> Iterator[str]:
    yield f"before: {clean(d.before)}"
    yield f"after:  {clean(d.after)}"
    yield f"granularity: {d.granularity}; compared: {', '.join(d.parts)}"
    if "reachability" in d.parts:
        yield ""
        yield f"reachability: {len(d.reach)} change(s)" if d.reach else "reachability: unchanged"
        for c in d.reach:
            yield from reach_lines(c)
    if d.dns is not None:
        yield ""
        yield f"dns: {len(d.dns.changes)} change(s)" if d.dns.changes else "dns: unchanged"
        yield from (f"  {dns_line(c)}" for c in d.dns.changes)
    if "audit" in d.parts:
        yield ""
        if d.audit_added or d.audit_removed:
            yield f"audit: {len(d.audit_added)} added, {len(d.audit_removed)} removed"
        else:
            yield "audit: unchanged"
        yield from (f"  {finding_line('+', f)}" for f in d.audit_added)
        yield from (f"  {finding_line('-', f)}" for f in d.audit_removed)
    for note in d.notes:
        yield f"note: {clean(note)}"
    yield ""
    yield summary_line(d)


# -- Markdown -----------------------------------------------------------------------


def md_text(text: str) -> str:
    """Cell/paragraph text: control characters escaped, Markdown punctuation neutralised."""
    out = clean(text)
    for ch in "\\`*_[]<>|#!~":
        out = out.replace(ch, "\\" + ch)
    return out


def md_code(text: str) -> str:
    """A code span that no backtick in ``text`` can close (CommonMark 6.1)."""
    body = clean(text).replace("|", "\\|")
    run = longest = 0
    for ch in body:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _md_names(items: Sequence[str]) -> str:
    shown = ", ".join(md_code(i) for i in items[:SHOWN])
    return shown + (f" (+{len(items) - SHOWN} more)" if len(items) > SHOWN else "")


def markdown(d: SnapshotDiff) -> str:
    """A pull-request comment: a summary table, then the changes, each part its own section."""
    lines = [
        "## netdiag diff",
        "",
        f"{md_text(d.before)} → {md_text(d.after)} (granularity: {d.granularity})",
        "",
        "| change | count |",
        "| --- | ---: |",
    ]
    for k in ("opened", "closed", "ports", "implementation-defined", "defined"):
        lines.append(f"| cells {_VERB[k]} | {d.cells(k)} |")
    lines.append(f"| DNS changes | {len(d.dns.changes) if d.dns else 0} |")
    lines.append(f"| audit findings added | {len(d.audit_added)} |")
    lines.append(f"| audit findings removed | {len(d.audit_removed)} |")
    if d.reach:
        lines += ["", "### Reachability", ""]
        for c in d.reach[:MD_CHANGES]:
            lines.append(
                f"- **{_VERB[c.kind]}** {md_text(_what(c))} — {md_text(_cells(c))}  \n"
                f"  from {_md_names(c.sources)} to {_md_names(c.destinations)}  \n"
                f"  e.g. {md_code(c.example[0])} → {md_code(c.example[1])}: "
                f"before {md_text(state_text(c.before))}; after {md_text(state_text(c.after))}"
            )
        if len(d.reach) > MD_CHANGES:
            lines.append(f"- … and {len(d.reach) - MD_CHANGES} more (see `-o json`)")
    if d.dns is not None and d.dns.changes:
        lines += ["", "### DNS", "", "| change | name | from | before | after |"]
        lines.append("| --- | --- | --- | --- | --- |")
        for dc in d.dns.changes[:MD_CHANGES]:
            who = f"{_md_names(dc.namespaces)} ({len(dc.pods)} pods)"
            lines.append(
                f"| {dc.kind} | {md_code(dc.name)} | {who} | "
                f"{md_text(dc.before.text())} | {md_text(dc.after.text())} |"
            )
        if len(d.dns.changes) > MD_CHANGES:
            lines.append(f"\n… and {len(d.dns.changes) - MD_CHANGES} more (see `-o json`)")
    if d.audit_added or d.audit_removed:
        lines += ["", "### Audit", "", "| | severity | check | message |"]
        lines.append("| --- | --- | --- | --- |")
        for sign, found in (("added", d.audit_added), ("removed", d.audit_removed)):
            for f in found:
                lines.append(
                    f"| {sign} | {f.effective_severity.value} | {md_code(f.check.id)} | "
                    f"{md_text(f.message)} |"
                )
    lines += ["", f"**{md_text(summary_line(d))}**"]
    lines += [f"> note: {md_text(n)}" for n in d.notes]
    return "\n".join(lines) + "\n"
