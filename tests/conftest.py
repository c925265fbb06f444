"""Test-wide setup.

The Textual app lives in ``tui/`` but installs as ``netdiag_tui``; when the
tests run from a source checkout without installing, map it here.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if "netdiag_tui" not in sys.modules and importlib.util.find_spec("netdiag_tui") is None:
    spec = importlib.util.spec_from_file_location(
        "netdiag_tui", ROOT / "tui" / "__init__.py", submodule_search_locations=[str(ROOT / "tui")]
    )
    if spec is not None and spec.loader is not None and (ROOT / "tui" / "__init__.py").exists():
        module = importlib.util.module_from_spec(spec)
        sys.modules["netdiag_tui"] = module
        spec.loader.exec_module(module)

#: Tests that need system tools or root must fail, not skip, in CI.
IN_CI = os.environ.get("CI", "").lower() == "true"
