"""Which cluster a question is about, and loading it.

Three sources: manifests on disk (``cluster``, ``-`` for stdin), the live API
(``context``/``kubeconfig``/``live``), or — with neither — the bundled demo
cluster. The upstream settings (``upstream_zone``, ``upstream``) belong to the
source too: they decide how names outside the cluster domain are answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netdiag.errors import UsageError

if TYPE_CHECKING:
    from netdiag.cluster.model import ClusterSnapshot

#: Printed (by the front door's ``note`` callback) when no source was named.
DEMO_NOTE = "no --cluster/--context/--live given: using the bundled demo cluster"


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    cluster: tuple[str, ...] = ()
    context: str | None = None
    kubeconfig: str | None = None
    live: bool = False
    keep_going: bool = False
    #: Namespace to limit live listing to, when the question allows it.
    namespace: str | None = None
    #: RFC 1035 zone file answering names outside the cluster domain.
    upstream_zone: str | None = None
    #: A real DNS server (``HOST[:PORT]``) answering names outside the cluster domain.
    upstream: str | None = None

    def __post_init__(self) -> None:
        if self.cluster and self.is_live:
            raise UsageError(
                "--cluster cannot be combined with --context/--kubeconfig/--live",
                hint="choose manifests on disk or a live cluster",
            )

    @property
    def is_live(self) -> bool:
        return self.live or self.context is not None or self.kubeconfig is not None

    @property
    def is_demo(self) -> bool:
        return not self.cluster and not self.is_live


def load_snapshot(
    source: Source,
    *,
    note: Callable[[str], None] | None = None,
    warn: Callable[[str], None] | None = None,
    quiet_progress: bool = False,
) -> ClusterSnapshot:
    """Load the snapshot ``source`` names.

    ``note`` receives the demo notice, ``warn`` a live source's warnings (a
    front door that owns the terminal, like the TUI, passes its own). The
    cyclic garbage collector is paused while loading: parsing allocates
    millions of containers that all stay alive until the snapshot is built, so
    each collection only re-walks them (measured at 5,000 pods: 10-30 % of a
    YAML load, about half of a live list's CPU). Reference counting still frees
    everything that dies; the collector resumes before the question is asked.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(source, note, warn, quiet_progress)
    finally:
        if paused:
            gc.enable()


def _load(
    source: Source,
    note: Callable[[str], None] | None,
    warn: Callable[[str], None] | None,
    quiet_progress: bool,
) -> ClusterSnapshot:
    if source.cluster:
        from netdiag.sources.manifests import load_manifests

        return load_manifests(source.cluster, keep_going=source.keep_going)
    if source.is_live:
        from netdiag.sources.live import load_live

        return load_live(
            context=source.context,
            kubeconfig=source.kubeconfig,
            namespace=source.namespace,
            progress=(lambda _query, _count: None) if quiet_progress else None,
            warn=warn,
        )
    from netdiag.sources.demo import load_demo

    if note is not None:
        note(DEMO_NOTE)
    return load_demo()
