"""Commands shared by the ``:`` prompt and Textual's command palette (``ctrl+p``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from netdiag_tui.host import Host

#: palette title -> (``:`` command, help)
PALETTE = (
    ("Resolve screen", "resolve", "DNS trace of a name, as you type"),
    ("Matrix screen", "matrix", "who can reach whom"),
    ("Policies screen", "policies", "NetworkPolicies, selected pods, rules, YAML"),
    ("Overview screen", "overview", "source, counts, CNI, DNS, warnings"),
    ("All namespaces", "ns", "clear the namespace scope"),
    ("Save view", "save", "export the matrix/graph or an SVG screenshot"),
    ("Reload snapshot", "reload", "read the source again"),
    ("Help", "help", "keys and their ids"),
)


class NetdiagCommands(Provider):
    def _run(self, command: str) -> Callable[[], None]:
        app = cast("Host", self.app)
        return partial(app.run_command, command)

    async def discover(self) -> Hits:
        for title, command, help in PALETTE:
            yield DiscoveryHit(title, self._run(command), help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = cast("Host", self.app)
        entries = list(PALETTE) + [
            (f"Namespace {ns.name}", f"ns {ns.name}", "limit every screen to this namespace")
            for ns in app.snapshot.namespaces
        ]
        for title, command, help in entries:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._run(command), help=help)
