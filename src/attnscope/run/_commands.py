"""Run directories: what ``attnscope fit / predict / evaluate`` read and write.

A run directory holds ``config.toml`` (everything to reproduce the run),
``model.safetensors`` + ``model.json``, ``metrics.json``, ``split.json``,
``attributions/*.npz``, ``trust.json`` and ``report.html``. Work is done in memory and
files are written only once it has succeeded, each atomically, so a failed command
leaves no half-written run behind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import check_writable, prepare_out_dir, write_json
from attnscope.data import Dataset, train_val_test_split
from attnscope.data._split import check_shares
from attnscope.errors import ConfigError, DataError

__all__ = [
    "evaluate_run",
    "fit_run",
    "load_data",
    "predict_run",
    "save_test_predictions",
]


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


def _check_new_dir(out: Path, force: bool) -> None:
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConfigError(
            f"{out} already exists and is not empty; pass --force or choose another --out."
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a directory.")
    check_writable(out)


def fit_run(
    data_path: str | Path | Dataset,
    *,
    model: str,
    out: str | Path,
    params: dict[str, Any] | None = None,
    reader_options: dict[str, Any] | None = None,
    data_format: str | None = None,
    test_size: float = 0.2,
    force: bool = False,
    data_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Read data, fit ``model`` on a stratified train split and write the run directory.

    ``data_path`` may be a Dataset already read; ``data_config`` then replaces the
    ``[data]`` table of ``config.toml`` (what the CLI read, with absolute paths).
    Under ``torchrun`` every rank trains (DistributedDataParallel, see
    :func:`attnscope.train.fit_module`) and rank 0 alone writes the run directory.

    Returns
    -------
    dict
        ``n_train``, ``n_test``, ``seconds`` and ``test`` (predictive metrics on the
        held-out share, empty when ``test_size`` is 0).
    """
    from attnscope import __version__
    from attnscope.estimators import make_estimator
    from attnscope.run._config import write_config
    from attnscope.train import is_main_process

    out = Path(out)
    _check_new_dir(out, force)
    check_shares(test_size=test_size)
    reader_options = dict(reader_options or {})
    est = make_estimator(model, params)
    data = load_data(data_path, data_format=data_format, **reader_options)
    start = time.perf_counter()
    if test_size > 0:
        train_idx, _, test_idx = train_val_test_split(
            data.y, val_size=0.0, test_size=test_size, random_state=est.random_state
        )
        train, test = data.subset(train_idx), data.subset(test_idx)
    else:
        train, test = data, None
    est.fit(train)
    test_metrics = est.evaluate(test) if test is not None else {}
    seconds = time.perf_counter() - start
    summary = {
        "model": model,
        "data": train.describe() | {"n_samples": len(data)},
        "n_train": len(train),
        "n_test": len(test) if test is not None else 0,
        "seconds": seconds,
        "history": est.history_.to_dict(),
        "test": test_metrics,
    }
    if not is_main_process():
        return summary
    prepare_out_dir(out, force=force)
    est.save(out)
    if test is not None:
        save_test_predictions(out, est, test)
    write_config(
        out / "config.toml",
        {
            "attnscope_version": __version__,
            "model": model,
            "format": data_format,
            "test_size": test_size,
            "params": {
                k: list(v) if isinstance(v, tuple) else v for k, v in est.get_params().items()
            },
            "data": data_config
            if data_config is not None
            else {"path": str(Path(str(data_path)).resolve()), **reader_options},
        },
    )
    write_json(
        out / "split.json",
        {"train": train.sample_ids.tolist(), "test": test.sample_ids.tolist() if test else []},
    )
    write_json(out / "metrics.json", summary)
    return summary


def save_test_predictions(out: str | Path, estimator: Any, test: Dataset) -> Path:
    """Write ``test_predictions.npz`` (sample ids, true codes, probabilities) for the report."""
    from attnscope._utils.files import write_with

    proba = estimator.predict_proba(test)
    y_true = estimator._codes(test)

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, sample_ids=test.sample_ids.astype(str), y_true=y_true, proba=proba)

    return write_with(Path(out) / "test_predictions.npz", _write)


def predict_run(
    run: str | Path,
    data_path: str | Path,
    *,
    output: str | Path | None = None,
    data_format: str | None = None,
    force: bool = False,
) -> tuple[Path, int]:
    """Write ``sample_id, predicted, proba_<class>...`` as TSV; return (path, n)."""
    import pandas as pd

    from attnscope._utils.files import write_text
    from attnscope.estimators import BaseClassifier

    est = BaseClassifier.load(run)
    target = Path(output) if output is not None else Path(run) / "predictions.tsv"
    if target.exists() and not force:
        raise ConfigError(f"{target} exists; pass --force to overwrite it or choose --output.")
    data = load_data(data_path, data_format=data_format, **_reader_options(run))
    proba = est.predict_proba(data)
    table = pd.DataFrame(proba, columns=[f"proba_{c}" for c in est.classes_])
    table.insert(0, "predicted", est.classes_[proba.argmax(axis=1)])
    table.insert(0, "sample_id", data.sample_ids)
    write_text(target, table.to_csv(sep="\t", index=False, float_format="%.6g"))
    return target, len(table)


def evaluate_run(
    run: str | Path,
    data_path: str | Path,
    *,
    data_format: str | None = None,
    trust: bool = True,
    methods: list[str] | None = None,
    n_samples: int = 200,
    random_state: int = 0,
    on_metrics: Any = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Predictive metrics into ``metrics.json`` and the trust table into ``trust.json``.

    ``on_metrics(metrics)`` is called before the (slower) trust table starts;
    ``progress`` is passed to :func:`attnscope.metrics.trust_table`.
    """
    from attnscope.estimators import BaseClassifier

    run = Path(run)
    est = BaseClassifier.load(run)
    data = load_data(data_path, data_format=data_format, **_reader_options(run))
    metrics = est.evaluate(data)
    previous = _read_json(run / "metrics.json")
    write_json(run / "metrics.json", {**previous, "evaluate": metrics})
    if on_metrics is not None:
        on_metrics(metrics)
    rows: list[dict[str, Any]] = []
    if trust:
        from attnscope.trust import trust_table

        rng = np.random.default_rng(random_state)
        idx = np.sort(rng.permutation(len(data))[: min(n_samples, len(data))])
        options: dict[str, Any] = {"random_state": random_state}
        if methods:
            options["methods"] = methods
        if progress is not None:
            options["progress"] = progress
        rows = trust_table(est, data.subset(idx), **options)
        write_json(run / "trust.json", {"n_samples": int(idx.size), "rows": rows})
    return {"metrics": metrics, "trust": rows}


def _reader_options(run: str | Path) -> dict[str, Any]:
    """Reader options saved in the run's config (label column, phenotype file, ...)."""
    import tomllib

    path = Path(run) / "config.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("data", {})
    return {k: v for k, v in data.items() if k != "path"}


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError:
        return {}
