"""Broken or hostile kubeconfigs: one ConfigError (exit 3) naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from netdiag.errors import ConfigError, ExitCode
from netdiag.sources.kubeconfig import connect


def config(server: str = "http://127.0.0.1:1", user: str = "{token: t}") -> str:
    return (
        "apiVersion: v1\nkind: Config\n"
        f'clusters: [{{name: c, cluster: {{server: "{server}"}}}}]\n'
        f"users: [{{name: u, user: {user}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )


CASES = {
    "syntax": ("a: [\n", "malformed YAML: did not find expected node content"),
    "tabs": ("clusters:\n\t- name: x\n", ":2:1: malformed YAML: found character"),
    "nul": ("a: b\0\n", "malformed YAML: unacceptable character #x0000"),
    "list": ("- 1\n- 2\n", "expected a mapping (apiVersion, kind: Config, ...), got list"),
    "scalar": ("hello\n", "expected a mapping (apiVersion, kind: Config, ...), got str"),
    "contexts-ints": ("contexts: [1, 2]\n", "contexts[0]: must be a mapping with name"),
    "clusters-map": ("clusters: {a: b}\n", "clusters: must be a list"),
    "name-int": ("users: [{name: 5}]\n", "users[0].name: must be a string"),
    "current-list": ("current-context: [a]\n", "current-context: must be a string"),
    "deep": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "malformed YAML"),
    "empty-server": (config(server=""), "context 'x': cluster 'c' has no server"),
    "alias-bomb": (
        "extensions:\n"
        + "".join(
            "  {}: &{} [{}]\n".format(c, c, ",".join([("*" + p) if p else "x"] * 9))
            for p, c in zip(["", *"abcdefghi"], "abcdefghij", strict=True)
        ),
        "YAML alias expansions",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_kubeconfig_is_one_config_error(tmp_path: Path, name: str) -> None:
    text, expected = CASES[name]
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        connect(kubeconfig=str(path)).close()
    assert info.value.exit_code is ExitCode.CONFIG
    assert info.value.message.startswith(f"kubeconfig {path}")
    assert expected in info.value.message
    assert "\n" not in info.value.message


def test_device_as_kubeconfig() -> None:
    with pytest.raises(ConfigError, match="kubeconfig /dev/zero: not a regular file"):
        connect(kubeconfig="/dev/zero")


def test_failing_exec_plugin_is_our_error_not_a_log_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    user = "{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/false}}"
    path = tmp_path / "kubeconfig"
    path.write_text(config(user=user))
    with pytest.raises(ConfigError, match=r"context 'x': exec: process returned 1") as info:
        connect(kubeconfig=str(path))
    assert info.value.hint is not None and "users[].user.exec" in info.value.hint
    out, err = capfd.readouterr()
    assert "ERROR:root" not in out + err
