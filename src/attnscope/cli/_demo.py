"""``attnscope demo``: the whole pipeline on simulated DNA with planted motifs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import prepare_out_dir, write_json
from attnscope.run import save_test_predictions, write_config

__all__ = ["run_demo"]


def run_demo(
    out: str | Path = "runs/demo",
    *,
    n_samples: int = 2000,
    length: int = 200,
    epochs: int = 15,
    random_state: int = 0,
    force: bool = False,
) -> dict[str, Any]:
    """Simulate, train, explain, and measure how well the explanation finds the truth.

    Steps: simulate ``n_samples`` sequences with one planted motif per class; split
    70/10/20 (stratified); train the baseline CNN with early stopping; compute
    gradient x input (captum) on the test set for the true class; rank positions by
    |attribution| and report the share of the top-k positions inside the planted motif
    (k = motif length) against a random ranking.

    Returns
    -------
    dict
        Also written to ``out/summary.json``: ``test_accuracy``, ``test_auroc``,
        ``precision_at_k``, ``random_precision_at_k``, ``k``, ``seconds``, ...
    """
    from attnscope import __version__
    from attnscope.data import train_val_test_split
    from attnscope.estimators import CNNClassifier
    from attnscope.explain import attribute
    from attnscope.io import write_dataset
    from attnscope.metrics import precision_at_k
    from attnscope.sim import simulate_dna

    start = time.perf_counter()
    directory = prepare_out_dir(out, force=force)
    data = simulate_dna(n_samples, length=length, random_state=random_state)
    tr, va, te = train_val_test_split(
        data.y, val_size=0.1, test_size=0.2, random_state=random_state
    )
    train, val, test = data.subset(tr), data.subset(va), data.subset(te)
    est = CNNClassifier(epochs=epochs, patience=4, random_state=random_state)
    est.fit(train, validation_data=val)
    metrics = est.evaluate(test)
    attr = attribute(est, test, method="input_x_gradient", target=test.y)
    k = int(test.truth.sum(axis=1).max()) if test.truth is not None else 10
    truth = np.asarray(test.truth)
    precision = float(precision_at_k(np.abs(attr.values), truth, k).mean())
    rng = np.random.default_rng(random_state)
    random_precision = float(precision_at_k(rng.random(truth.shape), truth, k).mean())
    seconds = time.perf_counter() - start

    est.save(directory)
    save_test_predictions(directory, est, test)
    write_json(
        directory / "split.json",
        {
            "train": train.sample_ids.tolist(),
            "val": val.sample_ids.tolist(),
            "test": test.sample_ids.tolist(),
        },
    )
    write_dataset(data, directory / "data.npz")
    attr.save(directory / "attributions" / "input_x_gradient.npz")
    write_config(
        directory / "config.toml",
        {
            "attnscope_version": __version__,
            "model": "cnn",
            "params": est.get_params(),
            "data": {"simulator": "dna", "n_samples": n_samples, "length": length},
            "random_state": random_state,
        },
    )
    summary: dict[str, Any] = {
        "test_accuracy": metrics["accuracy"],
        "test_auroc": metrics["auroc"],
        "precision_at_k": precision,
        "random_precision_at_k": random_precision,
        "k": k,
        "motif_fraction": float(truth.mean()),
        "n_train": len(train),
        "n_test": len(test),
        "epochs_run": len(est.history_.epochs),
        "seconds": seconds,
        "out": str(directory),
    }
    write_json(directory / "metrics.json", {"test": metrics, "history": est.history_.to_dict()})
    from attnscope.report import write_report

    report = write_report(directory)
    summary["report"] = str(report) if report else None
    write_json(directory / "summary.json", summary)
    return summary
