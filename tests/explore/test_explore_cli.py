"""``aieco explore``'s flags: checked before anything starts, each failure one line."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys

import pytest

from experiments.explore.cli import address_of, free_port, is_loopback, parser

needs_solara = pytest.mark.skipif(importlib.util.find_spec("solara") is None,
                                  reason="the explorer's extra (solara) is not installed, so "
                                         "every start fails first on that")


def explore(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m experiments.explore ARGS`` (what ``aieco explore ARGS`` runs)."""
    return subprocess.run([sys.executable, "-m", "experiments.explore", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("aieco: error: ")
    return lines[0]


def test_defaults_listen_on_this_machine_only():
    ns = parser().parse_args([])
    assert (ns.host, ns.port, ns.sweep, ns.out, ns.threads) == (
        "127.0.0.1", 8765, None, "outputs", 1)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_the_printed_address_can_be_opened():
    assert address_of("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert address_of("::1", 8765) == "http://[::1]:8765/"
    assert address_of("0.0.0.0", 8765).startswith("http://127.0.0.1:8765/ here, or http://")


def test_help_describes_the_pages():
    result = explore("--help")
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout and "--sweep DIR" in result.stdout


@needs_solara
@pytest.mark.parametrize(("args", "wanted"), [
    (["--port", "70000"], "--port=70000 is invalid: must be an integer in [0, 65535]"),
    (["--port", "x"], "argument --port: invalid int value: 'x'"),
    (["--prot", "8000"], "did you mean '--port'?"),
    (["--threads", "0"], "--threads=0 is invalid: must be an integer in [1, "),
    (["--sweep", "/nonexistent/folder"], "--sweep=/nonexistent/folder is invalid: not a folder"),
])
def test_bad_flags_fail_in_one_line(args, wanted):
    assert wanted in one_error_line(explore(*args))


@needs_solara
def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path):
    line = one_error_line(explore("--sweep", str(tmp_path)))
    assert "is invalid: not a sweep" in line


@needs_solara
def test_a_port_in_use_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        line = one_error_line(explore("--port", str(port)))
    assert f"--port={port} on --host=127.0.0.1 is in use" in line


def test_port_zero_picks_a_free_port():
    port = free_port("127.0.0.1", 0)
    assert 0 < port < 65536
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # it was released
