"""How the policies screen shows a Calico or Cilium policy: its place and its rules."""

from __future__ import annotations

from rich.text import Text

from netdiag.cluster.calico import CalicoPolicy, CalicoTier
from netdiag.cluster.cilium import CiliumPolicy
from netdiag.cluster.policykinds import ForeignPolicy


def cni_label(fp: ForeignPolicy) -> str:
    """The row: Calico policies by tier and order, Cilium ones by kind."""
    m = fp.model
    if isinstance(m, CalicoPolicy):
        order = "-" if m.order is None else f"{m.order:g}"
        return f"{m.tier}/{order} {m.display_kind} {m.key}"
    if isinstance(m, CalicoTier):
        order = "-" if m.order is None else f"{m.order:g}"
        return f"Tier {m.name} (order {order}, {m.default_action.value} at its end)"
    return f"{fp.kind} {fp.key}"


def cni_counts(fp: ForeignPolicy) -> tuple[str, str]:
    m = fp.model
    if isinstance(m, CalicoPolicy):
        return str(len(m.ingress)), str(len(m.egress))
    if isinstance(m, CiliumPolicy):
        n_in = sum(len(s.ingress) + len(s.ingress_deny) for s in m.specs)
        n_eg = sum(len(s.egress) + len(s.egress_deny) for s in m.specs)
        return str(n_in), str(n_eg)
    return "-", "-"


def cni_text(fp: ForeignPolicy) -> Text:
    """A Calico policy's rules in evaluation order; a Cilium policy's allow and deny rules."""
    m = fp.model
    text = Text()
    text.append(f"{cni_label(fp)}\n", style="bold")
    if isinstance(m, CalicoPolicy):
        text.append(f"selector: {m.selector or 'all()'}; types: {', '.join(sorted(m.types))}\n")
        text.append("rules in order; the first Allow/Deny decides, Pass goes to the next tier\n")
        for rule in (*m.ingress, *m.egress):
            text.append(f"  {rule.path}: {rule.action.value}\n")
    elif isinstance(m, CiliumPolicy):
        text.append("deny rules win over allow rules\n")
        for spec in m.specs:
            sel = spec.endpoint_selector if spec.endpoint_selector is not None else "nodeSelector"
            text.append(f"{spec.path}: selects {sel}\n")
            for crule in (*spec.ingress, *spec.ingress_deny, *spec.egress, *spec.egress_deny):
                action = "Deny" if crule.deny else "Allow"
                l7 = f" (L7 {', '.join(crule.l7)} not evaluated)" if crule.l7 else ""
                text.append(f"  {crule.path}: {action}{l7}\n")
    return text
