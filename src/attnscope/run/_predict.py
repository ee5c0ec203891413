"""Using a fitted run on data: ``attnscope predict`` and ``attnscope evaluate``.

New data is read with the run's stored reader options (:mod:`attnscope.run._stored`) and
aligned to the model's input schema by the estimator; every option is checked before
anything is written, and each file is written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from attnscope._utils.files import write_json
from attnscope.data import Dataset
from attnscope.errors import AttnscopeWarning, ConfigError, DataError
from attnscope.run._commands import load_data, load_model

__all__ = ["PREDICTION_SUFFIXES", "evaluate_run", "predict_run", "prediction_target"]


#: Suffixes of the predictions table (text; comma-separated for .csv, else tab-separated).
PREDICTION_SUFFIXES = (".tsv", ".csv", ".txt", ".tab")


def prediction_target(
    run: str | Path, output: str | Path | None, *, force: bool, inputs: Any = ()
) -> Path:
    """The file ``predict`` writes: ``output`` or ``RUN/predictions.tsv``, checked up front.

    A text table only (a ``.parquet`` or ``.xlsx`` name got tab-separated text, and
    ``-o RUN/model.json --force`` replaced the run's model), never a directory, never one
    of ``inputs`` (the data predicted and its labels; ``-o data.csv --force`` replaced the
    data with its predictions), and an existing file only with ``force``.
    """
    from attnscope._utils.files import check_out_file

    target = Path(output) if output is not None else Path(run) / "predictions.tsv"
    check_out_file(target, inputs)
    if target.is_dir():
        raise ConfigError(f"{target} is a directory; give --output a file name (e.g. p.tsv).")
    if target.suffix.lower() not in PREDICTION_SUFFIXES:
        raise ConfigError(
            f"--output {target}: predictions are a text table; name the file .tsv "
            "(tab-separated) or .csv (comma-separated)."
        )
    if target.exists() and not force:
        raise ConfigError(f"{target} exists; pass --force to overwrite it or choose --output.")
    return target


def predict_run(
    run: str | Path,
    data_path: str | Path,
    *,
    output: str | Path | None = None,
    data_format: str | None = None,
    force: bool = False,
) -> tuple[Path, int]:
    """Write ``sample_id, predicted, proba_<class>...``; return (path, n).

    Tab-separated, or comma-separated when ``output`` ends in ``.csv``. The last column,
    ``in_training``, marks the samples the run trained on (by id or content, as
    ``evaluate`` excludes them), with a warning when there are any.
    """
    import warnings

    import pandas as pd

    from attnscope._utils.files import write_text
    from attnscope.run._explain import training_mask

    given = [data_path] if isinstance(data_path, str | Path) else []
    target = prediction_target(run, output, force=force, inputs=given)
    est = load_model(run)
    data = _read_new(run, data_path, data_format, labels_needed=False)
    proba = est.predict_proba(data)
    table = pd.DataFrame(proba, columns=[f"proba_{c}" for c in est.classes_])
    table.insert(0, "predicted", est.classes_[proba.argmax(axis=1)])
    table.insert(0, "sample_id", data.sample_ids)
    trained, _ = training_mask(run, data)
    table["in_training"] = trained
    if trained.any():  # the run's own data: most of it trained the model
        warnings.warn(
            f"{int(trained.sum())} of the {len(table)} predicted samples were used to train "
            f"{run} (column in_training): their predictions are not held-out; "
            "'attnscope evaluate' scores the others.",
            AttnscopeWarning,
            stacklevel=2,
        )
    sep = "," if target.name.lower().endswith(".csv") else "\t"
    write_text(target, table.to_csv(sep=sep, index=False, float_format="%.6g"))
    return target, len(table)


def evaluate_run(
    run: str | Path,
    data_path: str | Path | Dataset,
    *,
    data_format: str | None = None,
    trust: bool = True,
    methods: list[str] | None = None,
    n_samples: int = 200,
    random_state: int = 0,
    all_samples: bool = False,
    device: str | None = None,
    on_metrics: Any = None,
    progress: Any = None,
    force: bool = False,
) -> dict[str, Any]:
    """Predictive metrics into ``metrics.json`` and the trust table into ``trust.json``.

    Only the samples the run did not train on are scored (``split.json``) unless
    ``all_samples``; ``metrics["scope"]`` says which. Every option is checked before
    anything is written; an earlier evaluation (``metrics.json``'s ``evaluate`` entry) or
    trust table (``trust.json``, from ``trust`` too) is replaced only with ``force``.
    ``on_metrics(metrics)`` is called before the (slower) trust table starts;
    ``progress`` is passed to :func:`attnscope.trust.trust_table`.
    """
    from attnscope.run._explain import held_out, trust_run

    run = Path(run)
    est = load_model(run)
    if n_samples < 1:
        raise ConfigError(f"--n-samples (n_samples) must be positive, got {n_samples}.")
    if trust and methods is not None and not methods:  # before the metrics are printed
        raise ConfigError("--methods names no method; give some, or leave it out for all.")
    if methods:
        from attnscope.explain import canonical_method

        methods = [canonical_method(m, est) for m in methods]
    data = _read_new(run, data_path, data_format, labels_needed=True)
    data, scope = held_out(run, est.as_dataset(data), all_samples=all_samples)
    if not force:
        kept = [run / "trust.json"] if trust and (run / "trust.json").exists() else []
        if "evaluate" in _read_json(run / "metrics.json"):
            kept.append(run / "metrics.json")
        if kept:
            raise ConfigError(
                f"{' and '.join(map(str, kept))}: an earlier evaluation or trust table would "
                "be replaced; pass --force to replace it (--no-trust keeps trust.json)."
            )
    metrics = {**_scores(est, data), "scope": scope}
    if on_metrics is not None:
        on_metrics(metrics)
    rows: list[dict[str, Any]] = []
    if trust:
        result = trust_run(
            run,
            data,
            methods=methods,
            n_samples=n_samples,
            all_samples=True,  # already restricted above
            random_state=random_state,
            device=device,
            force=True,
            progress=progress,
            estimator=est,
        )
        result["scope"] = scope
        write_json(run / "trust.json", result)
        rows = result["rows"]
    # Written once the trust table succeeded too: a refused --methods leaves the run as it was.
    previous = _read_json(run / "metrics.json")
    write_json(run / "metrics.json", {**previous, "evaluate": metrics})
    return {"metrics": metrics, "trust": rows}


def _scores(est: Any, data: Dataset) -> dict[str, Any]:
    """``est.evaluate(data)``; scored samples of one class get AUROC/AUPRC NaN and a note.

    A new file may hold one class (``labels_of_new_data``): accuracy and F1 are computed,
    AUROC and AUPRC are not (they rank one class against another); ``note`` says so.
    """
    import warnings

    import numpy as np

    from attnscope.errors import AttnscopeWarning

    metrics = dict(est.evaluate(data))
    # the true classes, in the model's order (data.y codes the file's own class list)
    present = np.flatnonzero(np.asarray(metrics["confusion_matrix"]).sum(axis=1))
    if present.size < 2:
        only = ", ".join(repr(str(est.classes_[int(c)])) for c in present)
        metrics["note"] = (
            f"the {len(data)} scored samples are all of class {only}: AUROC and AUPRC need "
            "samples of two classes and are left out (n/a, null in metrics.json); accuracy, "
            "balanced accuracy (the recall of that class) and F1 are computed."
        )
        warnings.warn(metrics["note"], AttnscopeWarning, stacklevel=3)
    return metrics


def _read_new(
    run: str | Path,
    data_path: str | Path | Dataset,
    data_format: str | None,
    *,
    labels_needed: bool,
) -> Dataset:
    """``data_path`` read with the run's stored reader options (see :mod:`._stored`)."""
    if isinstance(data_path, Dataset):
        return data_path
    from attnscope.data import labels_of_new_data
    from attnscope.run._stored import read_with_stored_labels, stored_reader_options

    with labels_of_new_data():  # new data may hold one class (named by the model's)
        return read_with_stored_labels(
            lambda options: load_data(data_path, data_format=data_format, **options),
            stored_reader_options(run),
            labels_needed=labels_needed,
            layout_from_labels=lambda: _expression_layout(data_path, data_format),
            source=str(data_path),
        )


def _expression_layout(data_path: str | Path, data_format: str | None) -> bool:
    """Whether ``data_path`` is an expression matrix (its orientation may rest on labels);
    True when the format cannot be told (no unlabelled retry then)."""
    from attnscope.io import detect_format

    try:
        return (data_format or detect_format(data_path)) == "expression"
    except (DataError, ConfigError, OSError):
        return True


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}
