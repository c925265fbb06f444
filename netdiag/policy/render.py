"""Text presentations of matrices and verdicts (pure: strings in, strings out).

Colour is a flag decided at the edge (the CLI honours ``NO_COLOR`` and ttys);
every colour is paired with a glyph, so nothing depends on colour alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netdiag.policy.matrix import Matrix
from netdiag.policy.verdict import ConnectionVerdict, PathVerdict, Side, Verdict
from netdiag.visible import visible

ASCII_GLYPHS = {Verdict.ALLOWED: ".", Verdict.DENIED: "X", Verdict.UNKNOWN: "?"}
UNICODE_GLYPHS = {Verdict.ALLOWED: "✓", Verdict.DENIED: "✗", Verdict.UNKNOWN: "?"}
COLOURS = {Verdict.ALLOWED: "32", Verdict.DENIED: "31", Verdict.UNKNOWN: "33"}
NOT_APPLICABLE = "-"
SYNTHETIC_MARK = "*"


@dataclass(frozen=True, slots=True, kw_only=True)
class Style:
    color: bool = False
    unicode: bool = False
    width: int = 120

    def glyph(self, verdict: Verdict) -> str:
        g = (UNICODE_GLYPHS if self.unicode else ASCII_GLYPHS)[verdict]
        return self.paint(g, verdict)

    def paint(self, text: str, verdict: Verdict) -> str:
        return f"\x1b[{COLOURS[verdict]}m{text}\x1b[0m" if self.color else text


def truth_table(matrix: Matrix) -> str:
    """The upstream e2e ``TruthTable.PrettyPrint`` format: tab-separated ``.``/``X``/``?``."""
    lines = ["\t".join(["-", *(visible(c.id) for c in matrix.cols)])]
    for i, row in enumerate(matrix.rows):
        cells = [ASCII_GLYPHS[matrix.cell(i, j).verdict] for j in range(len(matrix.cols))]
        lines.append("\t".join([visible(row.id), *cells]))
    return "\n".join(lines)


def _label(node_id: str, synthetic: bool) -> str:
    # A name is one row: its newlines, tabs and escape sequences are shown, not obeyed.
    return visible(node_id) + (SYNTHETIC_MARK if synthetic else "")


def matrix_lines(matrix: Matrix, style: Style) -> Iterator[str]:
    """Rows = sources, columns = destinations; wide tables split into column blocks.

    When full names do not fit, columns are headed by row numbers instead.
    """
    labels = [_label(n.id, n.synthetic_ip) for n in matrix.rows]
    if not labels:
        yield "(no endpoints)"
        return
    n = len(labels)
    col_w = max(len(s) for s in labels) + 1
    numbered = n * col_w + max(len(s) for s in labels) + 2 > style.width
    if numbered:
        digits = len(str(n))
        labels = [f"{i + 1:>{digits}} {s}" for i, s in enumerate(labels)]
        heads = [str(i + 1) for i in range(n)]
        col_w = digits + 1
    else:
        heads = labels
    row_w = max(len(s) for s in labels)
    per_block = max(1, (style.width - row_w - 2) // col_w)
    for start in range(0, n, per_block):
        cols = range(start, min(n, start + per_block))
        if start:
            yield ""
        if n > per_block:
            yield f"destinations {start + 1}-{cols[-1] + 1} of {n}:"
        yield " " * (row_w + 2) + "".join(heads[j].ljust(col_w) for j in cols).rstrip()
        for i, label in enumerate(labels):
            parts = []
            for j in cols:
                if matrix.is_external_pair(i, j):
                    glyph = NOT_APPLICABLE
                else:
                    glyph = style.glyph(matrix.cell(i, j).verdict)
                parts.append(glyph + " " * (col_w - 1))
            yield label.ljust(row_w + 2) + "".join(parts).rstrip()
    yield from _legend(matrix, style)


def _legend(matrix: Matrix, style: Style) -> Iterator[str]:
    yield ""
    g = style.glyph
    yield (
        f"rows: sources, columns: destinations   {g(Verdict.ALLOWED)} allowed  "
        f"{g(Verdict.DENIED)} denied  {g(Verdict.UNKNOWN)} implementation-defined  "
        f"{NOT_APPLICABLE} external to external"
    )
    if matrix.query is not None:
        yield f"ports: {matrix.query}"
    if any(n.synthetic_ip for n in matrix.rows):
        yield (
            f"{SYNTHETIC_MARK} synthetic IP (pod expanded from a workload template): "
            "no ipBlock matches it"
        )
    for note in matrix.notes:
        yield f"note: {note}"


def verdict_lines(v: ConnectionVerdict, style: Style) -> Iterator[str]:
    word = style.paint(v.verdict.value.upper(), v.verdict)
    lead = f"{style.glyph(v.verdict)} " if style.unicode else ""
    head = f"{lead}{v.src} → {v.dst}: {word}"
    if v.query is not None:
        head += f" for {v.query}"
    elif v.verdict is not Verdict.DENIED:
        head += f" on {v.ports}"
    yield head
    for p in v.paths:
        yield from _path_lines(p, style, len(v.paths) > 1)
    for note in v.notes:
        yield f"note: {note}"


def _path_lines(p: PathVerdict, style: Style, several: bool) -> Iterator[str]:
    indent = "  "
    if several or p.via:
        yield f"  {style.glyph(p.verdict)} {p.via or f'{p.src} → {p.dst}'}: {p.verdict.value}" + (
            f" on {p.ports}" if p.ports and p.verdict is not Verdict.DENIED else ""
        )
        indent = "    "
    yield from _side_lines(p.egress, indent)
    yield from _side_lines(p.ingress, indent)


#: Layers of the chain other than NetworkPolicy v1 and the default.
_V1_ONLY = frozenset({"networkpolicy", "default"})


def _side_lines(side: Side, indent: str) -> Iterator[str]:
    what = f"{side.direction.value} of {side.subject}"
    if any(d.layer not in _V1_ONLY for d in side.decisions):
        yield from _chain_lines(side, what, indent)
        return
    if not side.applicable:
        yield f"{indent}{what}: not a pod, no policy applies"
        return
    if not side.isolated:
        if side.notes and "itself" in side.notes[0]:
            yield f"{indent}{what}: open ({side.notes[0]})"
        else:
            yield f"{indent}{what}: not isolated (no policy selects it)"
        return
    yield f"{indent}{what}: isolated by {', '.join(side.policies)}"
    for m in side.matches:
        peer = "every peer" if m.peer is None else f"peer {m.peer} ({m.peer_text})"
        yield f"{indent}  allowed by {m.policy} rule {m.rule}, {peer}, {m.port_text}: {m.ports}"
    if not side.matches:
        miss = side.nearest_miss
        yield f"{indent}  no rule matched" + (
            f"; nearest miss: {miss.policy} rule {miss.rule}: {miss.reason}"
            if miss and miss.rule >= 0
            else ""
        )
    if side.unknown:
        yield f"{indent}  ? {side.unknown}"
    for note in side.notes:
        yield f"{indent}  note: {note}"


def _clean(text: str) -> str:
    """Control characters (names and rule names are user input) shown escaped."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def _chain_lines(side: Side, what: str, indent: str) -> Iterator[str]:
    """A side decided through the layer chain: each decision, in evaluation order."""
    for line in _chain_text(side, what, indent):
        yield _clean(line)


def _chain_text(side: Side, what: str, indent: str) -> Iterator[str]:
    layers = tuple(dict.fromkeys(d.layer for d in side.decisions))
    if {"calico", "cilium"} & set(layers):
        # A CNI's chain has its own order (docs/policy.md, "Layers per CNI").
        yield f"{indent}{what}: decided by {' → '.join(layers)}"
    else:
        yield f"{indent}{what}: judged by admin → networkpolicy → baseline → default"
    passed = False
    # Only the v1 chain (admin → networkpolicy → baseline) has a NetworkPolicy layer to
    # name; Calico and Cilium hold the NetworkPolicies in their own layers.
    v1_said = any(d.layer in ("networkpolicy", "calico", "cilium") for d in side.decisions)
    for d in side.decisions:
        if passed and not v1_said and d.layer != "admin":
            # Where the Pass went: the NetworkPolicy layer had nothing to say.
            yield f"{indent}  networkpolicy: no NetworkPolicy isolates {side.subject}: passes on"
            v1_said = True
        passed = passed or d.action == "Pass"
        if d.layer == "default":
            yield f"{indent}  default: Allow on {d.ports} (no layer decided these ports)"
            continue
        who = f"{d.kind} {d.policy}" if d.policy else d.kind
        if d.priority is not None:
            who += f" (priority {d.priority})"
        rule = f" rule {d.rule}" if d.rule else ""
        line = f"{indent}  {d.layer}: {who}{rule}: {d.action} on {d.ports}"
        if d.action in ("Pass", "default pass"):
            line += " → evaluation continues at the next tier or layer"
        yield line + (f" ({d.detail})" if d.detail else "")
    if not any(d.action in ("Accept", "Allow") for d in side.decisions):
        miss = side.nearest_miss
        if miss is not None:
            yield f"{indent}  nearest miss: {miss.reason}"
    if side.unknown:
        yield f"{indent}  ? {side.unknown}"
    for note in side.notes:
        yield f"{indent}  note: {note}"
