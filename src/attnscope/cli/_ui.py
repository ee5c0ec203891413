"""Console output of the CLI: verbosity, progress on a terminal, and the one-line errors.

Global options (``--debug``, ``--verbose``/``-v``, ``--quiet``/``-q``) are accepted anywhere
on the command line; :func:`run_app` strips them before typer parses the rest, so that a
parsing error can still be shown with its traceback under ``--debug``.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["STATE", "note", "progress_bar", "run_app", "silent", "spinner"]

#: ``debug`` keeps tracebacks; ``verbosity`` is 0 (quiet), 1 (default) or 2 (verbose).
STATE: dict[str, Any] = {"debug": False, "verbosity": 1, "checkpoint": None}

_GLOBAL_FLAGS = {"--debug": None, "--verbose": 2, "-v": 2, "--quiet": 0, "-q": 0}


def strip_global_flags(argv: list[str]) -> list[str]:
    """Set :data:`STATE` from the global flags in ``argv`` and return the other arguments."""
    rest: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            return rest + argv[i:]
        if arg not in _GLOBAL_FLAGS:
            rest.append(arg)
        elif arg == "--debug":
            STATE["debug"] = True
        else:
            STATE["verbosity"] = _GLOBAL_FLAGS[arg]
    return rest


def silent() -> bool:
    """No output but errors: under ``--quiet``, and on every ``torchrun`` rank but 0 (rank 0
    reports for all; the others printed the same tables and a 'wrote' line for files they
    never wrote)."""
    if STATE["verbosity"] == 0:
        return True
    if "torch" not in sys.modules and "RANK" not in os.environ:
        return False  # no process group without torch: `--help`-fast commands stay light
    from attnscope.train import is_main_process

    return not is_main_process()


def interactive() -> bool:
    """Progress is drawn only on a terminal (stderr), and not when :func:`silent`."""
    return sys.stderr.isatty() and not silent()


def note(message: str) -> None:
    """A step message on stderr under ``--verbose`` (nothing otherwise)."""
    if STATE["verbosity"] > 1 and not silent():
        print(message, file=sys.stderr, flush=True)


@contextmanager
def spinner(description: str) -> Iterator[None]:
    """A spinner with elapsed time on stderr while a step of unknown length runs."""
    note(description)
    if not interactive():
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn(description),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as prog:
        prog.add_task(description, total=None)
        yield


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[[str], None]]:
    """A bar of ``total`` steps on stderr; yields ``advance(label)`` (a no-op off a terminal)."""
    if not interactive():

        def advance_quietly(label: str) -> None:
            note(f"{description}: {label} done")

        yield advance_quietly
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[label]}"),
        console=Console(stderr=True),
        transient=True,
    ) as prog:
        task = prog.add_task(description, total=total, label="")

        def advance(label: str) -> None:
            prog.update(task, advance=1, label=label)

        yield advance


def _error(message: str) -> None:
    text = " ".join(str(message).split())
    print(f"error: {text}", file=sys.stderr, flush=True)


def _usage_message(exc: Any) -> str:
    """One line for a typer usage error: lower-case message, suggestion, where to get help."""
    message = " ".join(exc.format_message().split()).replace(". Did you mean", "; did you mean")
    ctx = getattr(exc, "ctx", None)
    if message.startswith("No such command") and "did you mean" not in message.lower() and ctx:
        wrong = message.split("'")[1] if message.count("'") >= 2 else ""
        names = ctx.command.list_commands(ctx)
        close = difflib.get_close_matches(wrong, names, n=1, cutoff=0.5)
        message = message.rstrip(".")
        message += f"; did you mean '{close[0]}'?" if close else f"; commands: {', '.join(names)}."
    message = message[:1].lower() + message[1:].rstrip(".")
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every ``finally`` (atomic writes) runs."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def _interrupted(what: str) -> str:
    """The one line after Ctrl-C / SIGTERM; names ``fit``'s checkpoint when one was saved."""
    saved = STATE["checkpoint"]
    if saved is not None and Path(saved).is_dir():
        return (
            f"{what}; the run was not written, but its last finished epoch is saved in "
            f"{saved}: repeat the command with --resume to continue."
        )
    return f"{what}; nothing was written for the interrupted step."


def run_app(app: Any, argv: list[str] | None) -> int:
    """Run the typer ``app``; user errors become one ``error:`` line and exit status 2.

    Usage errors (unknown option or command, missing or invalid argument), attnscope's
    :class:`~attnscope.errors.DataError` / :class:`~attnscope.errors.ConfigError` and files
    that cannot be opened exit with 2, other failures with 1 (one line naming the error);
    ``--debug`` re-raises them all with the traceback.
    """
    import signal
    import threading

    import typer

    from attnscope.errors import ConfigError, DataError

    STATE.update(debug=False, verbosity=1, checkpoint=None)
    args = strip_global_flags(list(sys.argv[1:] if argv is None else argv))
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        status = app(args=args, standalone_mode=False, prog_name="attnscope")
        if status == 130:  # typer turns Ctrl-C into a return value of 130
            _error(_interrupted("interrupted"))
            return 130
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        if STATE["debug"]:
            raise
        _error(_interrupted("interrupted"))
        return 130
    except Terminated:
        _error(_interrupted("terminated (SIGTERM)"))
        return 143
    except (DataError, ConfigError) as exc:
        if STATE["debug"]:
            raise
        _error(str(exc))
        return 2
    except typer.TyperException as exc:  # typer's usage errors and file errors
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare 'attnscope': the help
            print(exc.format_message())
            return 0
        if STATE["debug"]:
            raise
        _error(_usage_message(exc))
        return 2
    except MemoryError:
        if STATE["debug"]:
            raise
        _error("out of memory; use fewer samples (--n-samples) or a smaller model (--set).")
        return 2
    except OSError as exc:  # a file that cannot be read or written
        if STATE["debug"]:
            raise
        _error(f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc))
        return 2
    except Exception as exc:
        if STATE["debug"]:
            raise
        _error(
            f"internal error {type(exc).__name__}: {exc} (a bug: run again with --debug "
            "for the traceback and report it)"
        )
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
