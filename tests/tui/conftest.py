"""Fixtures for the TUI tests: the demo cluster, a generated matrix, headless app helpers."""

from __future__ import annotations

import os

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def small_snapshot():  # type: ignore[no-untyped-def]
    """A hand-built snapshot: used where a test needs to edit the cluster."""
    from netdiag.cluster.meta import Labels
    from netdiag.cluster.model import (
        ClusterDNS,
        ClusterSnapshot,
        Container,
        ContainerPort,
        Namespace,
        Pod,
        Service,
        ServicePort,
    )
    from netdiag.cluster.networkpolicy import NetworkPolicy
    from netdiag.cluster.selectors import LabelSelector

    def pod(ns: str, name: str, app: str, ip: str) -> Pod:
        return Pod(
            namespace=ns,
            name=name,
            labels=Labels({"app": app}),
            ips=(ip,),
            containers=(Container(name="c", ports=(ContainerPort(container_port=80),)),),
        )

    return ClusterSnapshot(
        namespaces=tuple(
            Namespace(name=n, labels=Labels({"kubernetes.io/metadata.name": n}))
            for n in ("default", "kube-system", "shop")
        ),
        pods=(
            pod("default", "web-0", "web", "10.0.0.10"),
            pod("default", "web-1", "web", "10.0.0.11"),
            pod("shop", "cart-0", "cart", "10.0.1.10"),
            pod("kube-system", "coredns-0", "kube-dns", "10.0.2.10"),
        ),
        services=(
            Service(
                namespace="default",
                name="tke-six-six-six",
                cluster_ips=("10.96.0.66",),
                ports=(ServicePort(port=80),),
                selector=Labels({"app": "web"}),
            ),
            Service(
                namespace="kube-system",
                name="tke-six-six-six",
                cluster_ips=("10.96.1.66",),
                ports=(ServicePort(port=80),),
            ),
        ),
        network_policies=(
            NetworkPolicy(
                namespace="default",
                name="default-deny",
                pod_selector=LabelSelector(),
                policy_types=("Ingress",),
            ),
        ),
        dns=ClusterDNS(dns_ips=("10.96.0.10",)),
        source="test fixture",
    )


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the terminal shows right now, as plain text (for asserting what a user sees)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        record=True,
        color_system=None,
        legacy_windows=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let messages, workers and the follow-up messages they post all finish.

    The source watchers (group ``watch``) run for the app's lifetime: not awaited.
    """
    from textual.worker import WorkerCancelled

    for _ in range(3):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "watch"]
        if busy:  # an empty list would mean "every worker" to wait_for_complete
            try:
                await app.workers.wait_for_complete(busy)
            except WorkerCancelled:  # superseded by a newer exclusive run: fine
                pass
    await pilot.pause()


def demo_app(tmp_path, **kw):  # type: ignore[no-untyped-def]
    """The app on the bundled demo cluster, without watching and without a user keymap."""
    from netdiag.sources.demo import load_demo
    from netdiag_tui.app import NetdiagApp

    kw.setdefault("watch", False)
    return NetdiagApp(load_demo(), keymap_file=tmp_path / "no-keymap.toml", **kw)
