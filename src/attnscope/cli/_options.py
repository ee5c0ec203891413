"""Options shared by the commands that read data (fit, predict, evaluate, explain, trust)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "AllSamplesOpt",
    "ClassOpt",
    "DataArg",
    "DeviceOpt",
    "FitDataArg",
    "FormatOpt",
    "LabelColOpt",
    "LabelsOpt",
    "ModalityOpt",
    "NamesOpt",
    "PhenoOpt",
    "SplitOpt",
    "request",
    "run_data",
]

DataArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Data file(s) or folder (format detected); default: the data the run was fitted on.",
        show_default=False,
    ),
]
FitDataArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Data file(s) or folder (format detected). Several DNA files: one class per "
        "file, named by the file stem.",
        show_default=False,
    ),
]
FormatOpt = Annotated[str | None, typer.Option("--format", help="Force the data format.")]
LabelsOpt = Annotated[
    Path | None,
    typer.Option(help="Labels / phenotype file (sample id, label); FASTA, tables, genotypes."),
]
PhenoOpt = Annotated[Path | None, typer.Option(help="Same as --labels (PLINK's name).")]
LabelColOpt = Annotated[
    str | None,
    typer.Option(help="Label column (table, h5ad obs key, phenotype column, FASTA field)."),
]
NamesOpt = Annotated[
    str | None, typer.Option(help="Comma-separated modality names of a MOGONET folder.")
]
SplitOpt = Annotated[
    str | None, typer.Option(help="train, test or all (MOGONET, Genomic Benchmarks folders).")
]
ClassOpt = Annotated[
    list[str] | None,
    typer.Option("--class", help="NAME=FILE: every sequence in FILE is class NAME (repeatable)."),
]
DeviceOpt = Annotated[
    str | None,
    typer.Option(help="cpu, cuda, cuda:N, mps or auto (default: where the model is)."),
]
AllSamplesOpt = Annotated[
    bool,
    typer.Option(
        "--all-samples",
        help="Also score the samples the run trained on (the output says so).",
    ),
]
ModalityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--modality", help="NAME=TABLE: one table per modality, with --labels (repeatable)."
    ),
]


def request(
    data: list[Path] | None,
    *,
    format: str | None = None,
    labels: Path | None = None,
    pheno: Path | None = None,
    label_col: str | None = None,
    names: str | None = None,
    split: str | None = None,
    classes: list[str] | None = None,
    modalities: list[str] | None = None,
) -> Any:
    """A :class:`~attnscope.cli._data.DataRequest` from the shared options."""
    from attnscope.cli._data import DataRequest
    from attnscope.errors import ConfigError

    if labels is not None and pheno is not None:
        raise ConfigError("give --labels or --pheno (the same option), not both.")
    return DataRequest.from_cli(
        data,
        format=format,
        labels=labels if labels is not None else pheno,
        label_col=label_col,
        names=names,
        split=split,
        classes=classes,
        modalities=modalities,
    )


def run_data(run: Path, req: Any, *, labelled: bool = True) -> Any:
    """The data for a command on ``run``: ``req``, or the run's own when ``req`` is empty.

    The run's label options fill in those ``req`` does not give; ``labelled=False``
    (predict) also reads sequence tables without a label column. New labels may hold
    one class (see :func:`attnscope.data.labels_of_new_data`).
    """
    from attnscope.cli._data import load_request
    from attnscope.data import labels_of_new_data
    from attnscope.errors import ConfigError
    from attnscope.run._commands import check_complete, no_run

    run = Path(run)
    if not run.is_dir():
        raise no_run(run)
    check_complete(run)  # before its data: without config.toml it would be read unlabelled
    stored = _stored_request(run)
    if req.empty:
        if stored.empty:
            raise ConfigError(f"{run} does not say which data it was fitted on; pass DATA.")
        gone = [p for p in [*stored.paths, *stored.classes.values(), *stored.modalities.values()]
                if not Path(p).exists()]  # fmt: skip
        if gone:
            raise ConfigError(
                f"{run} was fitted on {gone[0]}, which is no longer there (moved or deleted?); "
                "give the data after the run (e.g. attnscope predict RUN DATA)."
            )
        with labels_of_new_data():
            return load_request(req.merged(stored), labelled=labelled)
    with labels_of_new_data():
        return load_request(
            _with_run_format(req, stored), defaults=stored.options, labelled=labelled
        )


def _with_run_format(req: Any, stored: Any) -> Any:
    """``req`` read with the run's ``--format`` when it names none and its file is of the
    kind the run's file was (a 0/1/2 table fitted with ``--format dosage`` and a new CSV:
    read as the detected 'expression' it was refused by the genotype model)."""
    from dataclasses import replace

    from attnscope.errors import DataError
    from attnscope.io import detect_format

    if req.format or not stored.format or len(req.paths) != 1 or len(stored.paths) != 1:
        return req
    try:
        same_kind = detect_format(req.paths[0]) == detect_format(stored.paths[0])
    except (OSError, DataError):  # the run's file is gone: nothing to compare with
        return req
    return replace(req, format=stored.format) if same_kind else req


def _stored_request(run: Path) -> Any:
    """The data a run was fitted on, from its ``config.toml`` ``[data]`` table."""
    from attnscope.cli._data import DataRequest
    from attnscope.run import read_config

    path = run / "config.toml"
    section = read_config(path) if path.is_file() else {}
    stored = DataRequest.from_config(section.get("data", {}), base=run)
    if section.get("format") and not stored.format:
        stored.format = section["format"]
    return stored


def run_data_files(run: Path, req: Any) -> list[str]:
    """The files :func:`run_data` reads for ``req`` (the run's own when ``req`` names
    none), for outputs that must not replace them; what an unreadable run would name is
    left to :func:`run_data` to report."""
    from attnscope.errors import ConfigError, DataError

    try:
        stored = _stored_request(Path(run))
    except (ConfigError, DataError, OSError):
        return req.files
    return req.merged(stored).files
