"""``?``: every key of every binding, grouped k9s-style, with ids for keymaps.

Groups: General (the app's keys, on every screen), Navigation (moving in the focused
list or grid), the current screen's own keys, then the ``:`` commands. Each row lists
all the keys of a binding (``down j``, ``home g``) after the user's keymap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

COMMAND_HELP = (
    (":resolve :matrix :policies :overview", "switch screens (a unique prefix is enough: :mat)"),
    (":ns NAME  /  :ns  /  0", "limit every screen to a namespace / all namespaces"),
    (":port 443/TCP  /  :port", "matrix for one port, listed or not / any port"),
    (":save  :reload  :help", "ctrl+s, ctrl+r, ?"),
    (":q  :quit  /  ctrl+q", "quit (ctrl+c copies text in an input)"),
    ("tab in the : prompt", "complete the command"),
    ("ctrl+p", "command palette"),
)
CLOSE = "esc, ? or q closes this help"


def _bindings(node: type[DOMNode] | DOMNode) -> list[Binding]:
    """netdiag's own bindings of a node's class (Textual's generic ones are left out)."""
    out: list[Binding] = []
    cls = node if isinstance(node, type) else type(node)
    for base in reversed(cls.__mro__):
        if "BINDINGS" in base.__dict__ and base.__module__.startswith("netdiag_tui"):
            out.extend(Binding.make_bindings(base.__dict__["BINDINGS"]))
    return out


def binding_rows(app: App[object], bindings: Iterable[Binding]) -> list[tuple[str, str, str]]:
    """(all keys, description, id) per binding id, keys as the keymap has them."""
    keymap: dict[str, str] = getattr(app, "_keymap", {}) or {}
    rows: dict[str, tuple[list[str], str]] = {}
    for b in bindings:
        if not b.description or b.system:
            continue
        ident = b.id or b.action
        keys = keymap[b.id].split(",") if b.id and b.id in keymap else [b.key]
        entry = rows.setdefault(ident, ([], b.description))
        for key in keys:
            shown = app.get_key_display(Binding(key.strip(), b.action))
            if shown not in entry[0]:
                entry[0].append(shown)
    return [
        (" ".join(keys), what, ident if "." in ident else "")
        for ident, (keys, what) in rows.items()
    ]


def _is_navigation(b: Binding) -> bool:
    return b.action.startswith(("move", "page", "edge", "scroll", "cursor", "select_cursor"))


def help_text(below: Screen[object]) -> Text:
    app = below.app
    focused = below.focused
    screen_bindings = _bindings(below)
    widget_bindings = _bindings(focused) if focused is not None else []
    general = [*_bindings(app), Binding("ctrl+q", "quit", "Quit")]
    groups = (
        ("General", general),
        ("Navigation", [b for b in widget_bindings if _is_navigation(b)]),
        (
            f"This screen ({type(below).__name__.removesuffix('Screen').lower()})",
            screen_bindings + [b for b in widget_bindings if not _is_navigation(b)],
        ),
    )
    text = Text()
    for title, bindings in groups:
        rows = binding_rows(app, bindings)
        if not rows:
            continue
        text.append(f"{title}\n", style="bold underline")
        for keys, what, ident in rows:
            text.append(f"  {keys:<22}", style="bold")
            text.append(f"{what:<34}")
            text.append(f"{ident}\n", style="dim")
        text.append("\n")
    text.append("Commands\n", style="bold underline")
    for command, what in COMMAND_HELP:
        text.append(f"  {command:<40}", style="bold")
        text.append(f"{what}\n")
    return text


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    /* Opaque: drawing the screen below through a translucent backdrop cost the
       event loop ~100 ms on a 2,000-pod matrix (tests/tui/test_event_loop.py). */
    HelpScreen { align: center middle; background: $background; }
    HelpScreen > Vertical {
        width: 100; max-width: 100%; height: 90%; border: thick $accent; background: $panel;
    }
    HelpScreen #help-title { padding: 0 1; background: $boost; }
    HelpScreen VerticalScroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        title = Text("Keys", style="bold")
        title.append(f"  ({CLOSE}; remap by id in keymap.toml, see docs/tui.md)", style="")
        with Vertical():
            yield Static(title, id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_text(self.below), id="help-keys")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
