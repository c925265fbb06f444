"""A Textual compositor whose line cuts never outlive the map they were computed from.

Textual 8.2.8's ``Compositor`` rebuilds its full map lazily (``full_map``) and then
resets the visible widgets, but not ``_cuts`` (where each screen line is split between
widgets); and ``visible_widgets`` reads the old map while a rebuild is pending. When a
mode screen is opened while its rows arrive from a worker, the cuts can be those of the
screen before its widgets were arranged: every line is then drawn from the widget at
x=0 and the screen stays blank until the next layout (seen about one time in three
opening the policies screen from another mode).
"""

from __future__ import annotations

from textual._compositor import Compositor, CompositorMap
from textual.geometry import Region
from textual.widget import Widget


class CutsSafeCompositor(Compositor):
    @property
    def full_map(self) -> CompositorMap:
        if self._full_map_invalidated:
            self._cuts = None
        return super().full_map

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        if self._full_map_invalidated and self._visible_map is None:
            _ = self.full_map  # rebuild first: never derive cuts from a stale map
        return super().visible_widgets
