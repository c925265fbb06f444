"""``dns capture -w FILE`` before and after the capture: no root needed here.

The capture itself is tested in network namespaces (test_capture_netns.py);
these are the paths that must fail — or clean up — before libpcap is touched.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netdiag.dns.capture.live import Output
from netdiag.dns.capture.pcap import read_frames
from netdiag.errors import InputError, UsageError
from tests.helpers import run_cli


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_unwritable_path_fails_before_the_capture_starts(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dns.pcap"
    result = run_cli(["dns", "capture", "-i", "lo", "-w", str(target)])
    assert result.exit_code == 2
    line = _one_error_line(result.stderr)
    assert line == f"error: -w {target}: cannot write: No such file or directory"
    assert "listening" not in result.stderr and result.stdout == ""


def test_a_directory_is_not_a_capture_file(tmp_path: Path) -> None:
    result = run_cli(["dns", "capture", "-i", "lo", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert _one_error_line(result.stderr) == f"error: -w {tmp_path}: cannot write: Is a directory"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-r", "x.pcap", "-w", "y.pcap"], "-w FILE saves a live capture: it needs -i IFACE"),
        (["-i", "lo", "--write-format", "pcapng"], "--write-format needs -w FILE"),
        (["-i", "lo", "-w", "-"], "-w -: writing the capture to standard output"),
        (["-i", "lo", "-w", "x", "--write-format", "erf"], "'erf' is not one of"),
    ],
)
def test_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may be created here
    result = run_cli(["dns", "capture", *args])
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_capture_that_never_starts_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "dns.pcap"
    result = run_cli(["dns", "capture", "-i", "nd-no-such-if0", "-w", str(target)])
    assert result.exit_code == 2 and "nd-no-such-if0" in _one_error_line(result.stderr)
    assert not target.exists()


def test_a_file_that_existed_is_kept_when_the_capture_never_starts(tmp_path: Path) -> None:
    target = tmp_path / "old.pcap"
    target.write_bytes(b"previous capture")
    output = Output(str(target), "pcap")
    output.close(started=False)
    assert target.exists()  # truncated, as tcpdump -w would, but not deleted


def test_output_writes_header_and_frames_at_once(tmp_path: Path) -> None:
    target = tmp_path / "live.pcapng"
    output = Output(str(target), "pcapng")
    output.start(1, "eth0")
    frame = bytes(14) + b"\x45" + bytes(19)
    ts = output.write(1_764_500_000.25, frame)
    with open(target, "rb") as fh:  # before close: flushed already
        assert list(read_frames(str(target), fh)) == [(ts, 1, frame)]
    output.close(started=True)
    assert output.packets == 1 and output.error_or_none() is None


def test_write_failure_is_reported_after_the_capture() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    output = Output("/dev/full", "pcap")
    output.start(1, "eth0")  # the header hits ENOSPC on its flush
    assert output.error is not None
    assert output.write(2.0, b"x") == 2.0  # no writer: nothing written, time unchanged
    output.close(started=True)
    error = output.error_or_none()
    assert isinstance(error, InputError) and error.exit_code == 2
    assert error.message == "-w /dev/full: write failed after 0 packets: No space left on device"
    assert os.path.exists("/dev/full")


def test_standard_output_is_refused() -> None:
    with pytest.raises(UsageError):
        Output("-", "pcap")
