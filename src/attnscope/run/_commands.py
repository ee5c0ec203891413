"""Run directories: what ``attnscope fit`` writes, and how every command opens one.

Using a run on new data (``predict`` / ``evaluate``) is :mod:`attnscope.run._predict`.
A run directory holds ``config.toml`` (everything to reproduce the run),
``model.safetensors`` + ``model.json``, ``metrics.json``, ``split.json``,
``attributions/*.npz``, ``trust.json`` and ``report.html``. Work is done in memory and
files are written only once it has succeeded, each atomically, so a failed command
leaves no half-written run behind.
"""

from __future__ import annotations

import shutil
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import atomic_dir, check_out_dir, write_json
from attnscope.data import Dataset, run_split
from attnscope.data._digest import row_digests
from attnscope.data._split import check_shares
from attnscope.errors import ConfigError, DataError

__all__ = [
    "RUN_FILES",
    "check_complete",
    "checkpoint_dir",
    "fit_run",
    "load_data",
    "load_model",
    "no_run",
    "save_test_predictions",
]


#: Files every complete run directory holds (``fit`` writes them in one atomic step).
RUN_FILES = ("config.toml", "model.json", "model.safetensors", "split.json")


def load_model(run: str | Path) -> Any:
    """The fitted estimator of a complete run directory.

    Raises
    ------
    ConfigError
        ``run`` is not a directory, or lacks a file of :data:`RUN_FILES` (an incomplete
        or foreign folder): every command refuses it rather than use part of a run.
    """
    from attnscope.estimators import BaseClassifier

    path = Path(run)
    if not path.is_dir():
        raise no_run(path)
    check_complete(path)
    return BaseClassifier.load(path)


def no_run(path: Path) -> ConfigError:
    """The error for a RUN argument that is not a directory (a data file given first, or none)."""
    if path.is_file():
        return ConfigError(
            f"{path} is a file, not a run directory; give the run directory 'attnscope fit' "
            "wrote first, then the data (RUN DATA)."
        )
    return ConfigError(f"run directory {path} not found; train a model with 'attnscope fit'.")


def check_complete(run: Path) -> None:
    """ConfigError naming the missing files when ``run`` lacks one of :data:`RUN_FILES`."""
    missing = [name for name in RUN_FILES if not (run / name).is_file()]
    if missing:
        raise ConfigError(
            f"{run} is not a complete run directory (missing {', '.join(missing)}); "
            "re-run 'attnscope fit' (with --force to replace it)."
        )


def load_data(
    path: str | Path | Dataset, *, data_format: str | None = None, **options: Any
) -> Dataset:
    """Read any supported data file or folder (format detected unless given); a Dataset as is."""
    if isinstance(path, Dataset):
        return path
    p = Path(path)
    if not p.exists() and not any(p.parent.glob(p.name + ".*")):
        raise DataError(f"{p} does not exist.")
    if data_format == "npz" or (data_format is None and p.suffix == ".npz"):
        from attnscope.io import read_dataset

        return read_dataset(p)
    from attnscope.io import read_data

    return read_data(p, format=data_format, **options)


def _input_paths(*sources: Any) -> list[str]:
    """Every path named in ``sources`` (a path, a Dataset, or dicts/lists of options)."""
    found: list[str] = []
    for src in sources:
        if isinstance(src, dict):
            found += _input_paths(*src.values())
        elif isinstance(src, list | tuple):
            found += _input_paths(*src)
        elif isinstance(src, str | Path) and str(src):
            found.append(str(src))
    return found


def fit_run(
    data_path: str | Path | Dataset,
    *,
    model: str,
    out: str | Path,
    params: dict[str, Any] | None = None,
    reader_options: dict[str, Any] | None = None,
    data_format: str | None = None,
    test_size: float = 0.2,
    split_seed: int = 0,
    split: str = "random",
    force: bool = False,
    data_config: dict[str, Any] | None = None,
    baselines: bool = True,
    resume: bool = False,
    checkpoint: bool = True,
    setting: str | None = None,
) -> dict[str, Any]:
    """Read data, fit ``model`` on a stratified train split and write the run directory.

    ``setting`` names a parameter set of :data:`attnscope.estimators.SETTINGS` laid under
    ``params``; it is recorded in ``config.toml`` and ``metrics.json``.

    The split depends only on ``split_seed`` and the data, never on the model, so two
    models fitted on one file are tested on the same samples. ``data_path`` may be a
    Dataset already read; ``data_config`` then replaces the ``[data]`` table of
    ``config.toml`` (what the CLI read, with absolute paths).

    ``split="homology"`` keeps near-duplicate DNA (8-mer Jaccard >= 0.7) on one side
    (:func:`attnscope.data.homology_split`); ``metrics.json`` records the split and, for
    DNA, the share of test sequences with a near-duplicate in training.

    Unless ``baselines`` is False (or there is no held-out share), the reviewer's
    baselines of :mod:`attnscope.run._baselines` are fitted on the same training samples
    and scored on the same held-out samples, into ``baselines``, with a ``verdict``
    sentence on whether the model earns its place.

    A genotype cohort left on disk (``read_plink(lazy=True)``, ``fit --stream``) trains
    from blocks (HEMERA) and fits no baselines (they would load the whole matrix).

    Under ``torchrun`` every rank trains (DistributedDataParallel, see
    :func:`attnscope.train.fit_module`) and rank 0 alone writes the run directory.

    With ``checkpoint`` (the default) training saves its state after every epoch in the
    hidden sibling folder ``.<out>.checkpoint`` (:func:`checkpoint_dir`), removed once the
    run is written. When a fit is interrupted the folder stays, and the same call with
    ``resume=True`` continues from the last saved epoch, to the same weights as an
    uninterrupted fit (:mod:`attnscope.train._resume`).

    Returns
    -------
    dict
        ``n_train``, ``n_test``, ``seconds`` and ``test`` (predictive metrics on the
        held-out share, empty when ``test_size`` is 0), ``baselines`` and ``verdict``.
    """
    from attnscope import __version__
    from attnscope.estimators import make_estimator
    from attnscope.run._config import write_config
    from attnscope.train import checkpointing, is_main_process

    out = Path(out)
    inputs = _input_paths(data_path, reader_options, data_config)
    check_out_dir(out, force, inputs)  # --force never replaces the data or user files
    check_shares(test_size=test_size)
    reader_options = dict(reader_options or {})
    est = make_estimator(model, params, setting=setting)
    data = load_data(data_path, data_format=data_format, **reader_options)
    start = time.perf_counter()
    split_info: dict[str, Any] = {"method": "none"}
    _ = data.y  # unlabelled: the reader's hint (the option that gives labels), before a split
    if test_size > 0:
        try:
            train_idx, test_idx, split_info = run_split(
                data, test_size=test_size, split=split, random_state=split_seed
            )
        except DataError as exc:  # name the data and the option that changes the split
            name, text = _data_name(data_path, data_config), str(exc)
            where = "" if text.startswith(name) else f"{name}: "
            raise DataError(f"{where}{text} (--test-size {test_size})") from exc
        train, test = data.subset(train_idx), data.subset(test_idx)
    else:
        train, test = data, None
    saved = checkpoint_dir(out)
    if resume and not saved.is_dir():
        raise ConfigError(
            f"--resume: {out} has no checkpoint of an interrupted fit (looked for {saved}); "
            "run the command without --resume."
        )
    if checkpoint and not resume and saved.is_dir() and is_main_process():
        shutil.rmtree(saved)  # an older interrupted fit of this --out: start afresh
    fingerprint = {
        "model": model,
        "params": {k: v for k, v in est.get_params().items() if k not in ("device", "verbose")},
        "split": [test_size, split_seed, split],
        "train_samples": _digest(train.sample_ids, train.y),
    }
    saving = (
        checkpointing(saved, resume=resume, fingerprint=fingerprint, writes=is_main_process())
        if checkpoint or resume
        else nullcontext()
    )
    with saving:
        est.fit(train)
    test_metrics = est.evaluate(test) if test is not None else {}
    seconds = time.perf_counter() - start
    compared = (
        _compare(model, train, test, test_metrics, split_seed)
        if baselines and test is not None and not getattr(data, "on_disk", False)
        else {}  # a cohort streamed from disk: the baselines would load it whole
    )
    summary = {
        "model": model,
        "setting": setting,
        # the data set as given (class counts of every sample), and the training share's
        "data": data.describe() | {"train_class_counts": train.describe().get("class_counts")},
        "n_train": len(train),
        "n_test": len(test) if test is not None else 0,
        "seconds": seconds,
        "history": est.history_.to_dict(),
        "test": test_metrics,
        "split": split_info,
        **compared,
    }
    if not is_main_process():  # under torchrun, rank 0 alone writes the run
        return summary
    # The run is built in a hidden sibling folder and renamed into place when complete.
    with atomic_dir(out, force=force, inputs=inputs) as building:
        est.save(building)
        if test is not None:
            save_test_predictions(building, est, test)
        write_config(
            building / "config.toml",
            {
                "attnscope_version": __version__,
                "model": model,
                "setting": setting,
                "format": data_format,
                "test_size": test_size,
                "split_seed": split_seed,
                "split": split,
                "params": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in est.get_params().items()
                },
                "data": _data_table(data, data_path, data_config, reader_options),
            },
        )
        split_ids: dict[str, Any] = {
            "train": train.sample_ids.tolist(),
            "test": test.sample_ids.tolist() if test else [],
        }
        digests = row_digests(train)  # the same samples under new ids are still training ones
        if digests is not None:
            split_ids["train_digests"] = digests.tolist()
        write_json(building / "split.json", split_ids)
        write_json(building / "metrics.json", summary)
    shutil.rmtree(saved, ignore_errors=True)  # the run is complete: nothing to resume
    return summary


def _data_table(
    data: Dataset,
    data_path: Any,
    data_config: dict[str, Any] | None,
    reader_options: dict[str, Any],
) -> dict[str, Any]:
    """The ``[data]`` table: how the data was read, with the orientation an expression
    table was read in (new tables without the labels that decided it are read alike)."""
    table = (
        dict(data_config)
        if data_config is not None
        else {"path": str(Path(str(data_path)).resolve()), **reader_options}
    )
    orientation = data.meta.get("orientation")
    if isinstance(orientation, str) and "orientation" not in table and _expression_file(table):
        table["orientation"] = orientation
    return table


def _expression_file(table: dict[str, Any]) -> bool:
    """Whether ``[data]`` names one expression table (the reader that takes an orientation;
    a PANCAN folder or a named data set reads one too, but takes none)."""
    from attnscope.io import detect_format

    fmt = table.get("format")
    if fmt:
        return str(fmt).lower().replace("-", "_") == "expression"
    if not isinstance(table.get("path"), str):
        return False
    try:
        return detect_format(table["path"]) == "expression"
    except (DataError, ConfigError, OSError):
        return False


def checkpoint_dir(out: str | Path) -> Path:
    """Where ``fit_run`` keeps its per-epoch checkpoint for ``out``: ``.<name>.checkpoint``."""
    path = Path(out)
    return path.parent / f".{path.name}.checkpoint"


def _digest(*arrays: Any) -> str:
    """A short hash of arrays' values (which samples, with which labels)."""
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        h.update(np.asarray(a).astype(str).tobytes())
    return h.hexdigest()[:16]


def _compare(
    model: str, train: Dataset, test: Dataset, test_metrics: dict[str, Any], seed: int
) -> dict[str, Any]:
    """``baselines``, ``verdict`` (and ``verdict_rule``, ``association``) for metrics.json."""
    from attnscope.run._baselines import earns_place, fit_baselines, verdict, verdict_margin

    scores, extra = fit_baselines(train, test, random_state=seed)
    if not scores:
        return extra
    best = max(scores.values(), key=lambda v: np.nan_to_num(v["auroc"], nan=-1.0))
    margin = verdict_margin(best["auroc"], test.y)
    auroc = float(test_metrics.get("auroc", np.nan))
    return {
        "baselines": scores,
        "verdict": verdict(model, auroc, scores, margin),
        "earns_place": earns_place(auroc, scores, margin),  # None: nothing to compare
        "verdict_rule": (
            f"margin {margin:.3f} AUROC = Hanley-McNeil standard error of the best baseline's "
            f"AUROC on these {len(test)} held-out samples (at least 0.01): a smaller "
            "difference is noise; the model earns its place only above it."
        ),
        **extra,
    }


def _data_name(data_path: Any, data_config: dict[str, Any] | None) -> str:
    """The file a Dataset was read from (its path in the run's [data] table), for messages."""
    if not isinstance(data_path, Dataset):
        return str(data_path)
    config = data_config or {}
    named = [config["path"]] if config.get("path") else list(config.get("paths", []))
    for key in ("classes", "modalities"):  # fit pos.fa neg.fa / --modality NAME=TABLE
        named += [f"{k}={v}" for k, v in dict(config.get(key) or {}).items()]
    return ", ".join(str(p) for p in named) if named else "the data"


def save_test_predictions(out: str | Path, estimator: Any, test: Dataset) -> Path:
    """Write ``test_predictions.npz`` (sample ids, true codes, probabilities) for the report."""
    from attnscope._utils.files import write_with

    proba = estimator.predict_proba(test)
    y_true = estimator._codes(test)

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, sample_ids=test.sample_ids.astype(str), y_true=y_true, proba=proba)

    return write_with(Path(out) / "test_predictions.npz", _write)
