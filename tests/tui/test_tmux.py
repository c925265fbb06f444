"""Drive the real program in tmux as a user would: type, switch screens, read the screen."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import require_tool

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.system


class Tmux:
    def __init__(self, tmux: str, tmp_path: Path) -> None:
        # A private server socket and config: never touches the user's own tmux.
        conf = tmp_path / "tmux.conf"
        conf.write_text("set -g default-size 160x48\nset -g status off\n")
        self.base = [tmux, "-L", f"netdiag-test-{os.getpid()}-{tmp_path.name}", "-f", str(conf)]
        self.session = "netdiag"
        self.tmp_path = tmp_path

    def run(self, *args: str) -> str:
        out = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=20)
        return out.stdout

    def start(self, command: str) -> None:
        env = {
            "PYTHONPATH": str(ROOT),
            "XDG_CONFIG_HOME": str(self.tmp_path),  # no user keymap
            "TERM": "xterm-256color",
            "TEXTUAL_ANIMATIONS": "none",
        }
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        subprocess.run(
            [
                *self.base,
                "new-session",
                "-d",
                "-s",
                self.session,
                "-x",
                "160",
                "-y",
                "48",
                # pytest may export COLUMNS/LINES; the app must measure the real pane.
                f"cd {shlex.quote(str(ROOT))} && env -u COLUMNS -u LINES {exports} {command}"
                "; sleep 30",
            ],
            check=True,
            timeout=20,
        )

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{text}")

    def kill(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def tmux(tmp_path: Path):  # type: ignore[no-untyped-def]
    session = Tmux(require_tool("tmux"), tmp_path)
    yield session
    session.kill()


def test_a_user_resolves_the_seed_name_and_sees_the_default_deny(tmux: Tmux) -> None:
    tmux.start(f"{shlex.quote(sys.executable)} -m netdiag tui")
    tmux.wait_for(lambda s: "type a name to trace it" in s, "the resolve screen")

    tmux.keys("tke-six-six-six", literal=True)
    screen = tmux.wait_for(
        lambda s: "landed on service default/tke-six-six-six" in s, "the trace of the seed name"
    )
    # the default namespace wins; the kube-system service of the same name is shadowed
    assert "in namespace default" in screen
    assert "shadowed: tke-six-six-six.kube-system.svc.cluster.local." in screen
    assert "◀ winner" in screen

    tmux.keys("F3")
    screen = tmux.wait_for(lambda s: "src \\ dst" in s and "✗" in s, "the matrix")
    toolbox = next(line for line in screen.splitlines() if "default/toolbox" in line)
    assert "✓" in toolbox and "✗" in toolbox  # open to most, but shop's default-deny bites

    # walk to default/toolbox -> shop/api-… and ask why
    row = int(toolbox.split()[0])
    header = next(line for line in screen.splitlines() if "src \\ dst" in line)
    shop_col = next(int(line.split()[0]) for line in screen.splitlines() if " shop/api-" in line)
    assert header  # the header row is there, numbered like the rows
    tmux.keys(*(["j"] * (row - 1)), *(["l"] * (shop_col - 1)), "Enter")
    screen = tmux.wait_for(lambda s: "ingress of shop/api-" in s, "the explanation")
    assert "✗ denied" in screen
    assert "shop/default-deny" in screen

    tmux.keys(":")
    tmux.wait_for(lambda s: ":resolve :matrix" in s, "the command prompt")
    tmux.keys("q", "Enter")
    tmux.wait_for(lambda s: "src \\ dst" not in s, "the app to quit")


def test_a_new_user_types_baidu_com_and_gets_the_cli_answer(tmux: Tmux) -> None:
    # stderr thrown away: Textual draws there, the app must still be visible
    tmux.start(f"{shlex.quote(sys.executable)} -m netdiag tui 2>/dev/null")
    tmux.wait_for(lambda s: "type a name to trace it" in s, "the resolve screen")
    tmux.keys("baidu.com", literal=True)  # launch focus is not in the box: typing goes there
    screen = tmux.wait_for(lambda s: "39.156.66.10" in s, "the answer netdiag resolve gives")
    assert "✓ baidu.com. → 39.156.66.10" in screen
    assert "EAI_NONAME" not in screen
    # ':' and '?' are never part of a name: they open the prompt and the help
    tmux.keys("?")
    tmux.wait_for(lambda s: "closes this help" in s, "the help")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "closes this help" not in s, "the help to close")
    tmux.keys(":")
    tmux.wait_for(lambda s: ":resolve :matrix" in s, "the command prompt")
    tmux.keys("q", "Enter")
    tmux.wait_for(lambda s: "39.156.66.10" not in s, "the app to quit")


def test_ns_rescopes_the_screens_of_every_mode(tmux: Tmux) -> None:
    tmux.start(f"{shlex.quote(sys.executable)} -m netdiag tui")
    tmux.wait_for(lambda s: "type a name to trace it" in s, "the resolve screen")
    tmux.keys("F3")
    tmux.wait_for(lambda s: "Matrix(all)" in s and "src \\ dst" in s, "the matrix")
    tmux.keys("F5")
    tmux.wait_for(lambda s: "Audit findings" in s, "the overview")
    tmux.keys(":")
    tmux.wait_for(lambda s: ":resolve :matrix" in s, "the command prompt")
    tmux.keys("ns shop", literal=True)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "ns: shop" in s, "the status line to say ns: shop")
    tmux.keys("F3")  # opened before :ns, in another mode: it must follow the scope too
    screen = tmux.wait_for(lambda s: "Matrix(shop)" in s, "the matrix title to say shop")
    assert "Matrix(all)" not in screen and "default/toolbox" not in screen
    tmux.keys(":")
    tmux.wait_for(lambda s: ":resolve :matrix" in s, "the command prompt")
    tmux.keys("q", "Enter")
