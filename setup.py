"""Package discovery that pyproject.toml alone cannot express.

The Textual app lives in the top-level ``tui/`` folder (the layout the user asked
for) but installs under the unique import name ``netdiag_tui``; setuptools'
``packages.find`` cannot rename, so list its subpackages here.
"""

from setuptools import find_packages, setup

tui_packages = ["netdiag_tui"] + [f"netdiag_tui.{p}" for p in find_packages("tui")]
setup(
    packages=find_packages(include=["netdiag", "netdiag.*"]) + tui_packages,
    package_dir={"netdiag_tui": "tui"},
)
