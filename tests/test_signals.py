"""SIGTERM and Ctrl-C inside a command: exit 143 / 130, one line, and nothing on disk."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import typer

from attnscope._utils.files import atomic_dir
from attnscope.cli._ui import run_app


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_mid_write_exits_and_leaves_nothing(tmp_path: Path, capsys, sig, code) -> None:
    app = typer.Typer()

    @app.command()
    def build(out: Path) -> None:
        with atomic_dir(out) as building:
            (building / "model.json").write_text("{}")
            os.kill(os.getpid(), sig)  # delivered here, half-way through the run
            (building / "config.toml").write_text("")

    @app.command()
    def other() -> None:  # two commands: typer then takes the command name
        pass

    before = signal.getsignal(signal.SIGTERM)
    # a shell's background job ignores SIGINT: give it Python's default (Ctrl-C) behaviour
    interrupt = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert run_app(app, ["build", str(tmp_path / "run")]) == code
    finally:
        signal.signal(signal.SIGINT, interrupt)
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # neither the run nor its hidden partial folder
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back
