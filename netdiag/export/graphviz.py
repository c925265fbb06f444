"""SVG and PNG by running Graphviz's ``dot`` on our DOT text (an edge: a subprocess).

The PyPI ``graphviz`` package is only a wrapper around the same program, so we
run it directly. Missing ``dot`` is a :class:`~netdiag.errors.ToolMissingError`
(exit 5) with the install hint.
"""

from __future__ import annotations

import shutil
import subprocess

from netdiag.errors import ExitCode, NetdiagError, ToolMissingError

IMAGE_FORMATS = ("svg", "png")
INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; Fedora: dnf install graphviz; "
    "macOS: brew install graphviz), or export -f dot and render it elsewhere"
)


class GraphvizError(NetdiagError):
    """``dot`` ran but failed or timed out."""

    exit_code = ExitCode.TOOL_MISSING


def dot_program() -> str:
    path = shutil.which("dot")
    if path is None:
        raise ToolMissingError(
            "Graphviz 'dot' is not installed (needed to draw SVG and PNG)", hint=INSTALL_HINT
        )
    return path


def render_image(dot_text: str, fmt: str, *, timeout: float = 600.0) -> bytes:
    """Lay out and draw ``dot_text`` as ``svg`` or ``png``; returns the file's bytes."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"not an image format: {fmt}")
    program = dot_program()
    args = [program, f"-T{fmt}"]
    if fmt == "png":
        args.append("-Gdpi=110")
    try:
        done = subprocess.run(
            args, input=dot_text.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise GraphvizError(
            f"Graphviz 'dot' did not finish drawing {fmt} within {timeout:.0f} s",
            hint="draw fewer nodes: --granularity workload|namespace, -n NS or --port",
        ) from e
    except OSError as e:
        raise ToolMissingError(f"cannot run Graphviz 'dot': {e}", hint=INSTALL_HINT) from e
    if done.returncode < 0:
        # SIGKILL from outside, usually the kernel's OOM killer on huge graphs.
        raise GraphvizError(
            f"Graphviz 'dot -T{fmt}' was killed by signal {-done.returncode}",
            hint="probably out of memory: draw fewer edges with -n NS, --port or "
            "--granularity namespace",
        )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit status {done.returncode}"
        raise GraphvizError(f"Graphviz 'dot -T{fmt}' failed: {first}")
    return done.stdout
