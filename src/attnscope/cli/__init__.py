"""Command line interface (typer): a thin layer over the library calls."""

from attnscope.cli._app import _entry as main
from attnscope.cli._app import app
from attnscope.cli._app import main as run

__all__ = ["app", "main", "run"]
