"""``attnscope demo``: the whole pipeline on simulated DNA with planted motifs.

The demo is made of the same run functions a user calls (fit, explain, trust, report), so
what it shows is what those commands give.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import write_json

__all__ = ["DEMO_TRUST_METHODS", "run_demo"]

#: A quick trust table: the random floor, three gradient methods and occlusion.
DEMO_TRUST_METHODS = ("random", "saliency", "input_x_gradient", "integrated_gradients", "occlusion")


def run_demo(
    out: str | Path = "runs/demo",
    *,
    n_samples: int = 2000,
    length: int = 200,
    epochs: int = 15,
    random_state: int = 0,
    trust_samples: int = 100,
    force: bool = False,
) -> dict[str, Any]:
    """Simulate, train, explain, score the explanation's trust and write the report.

    Steps: simulate ``n_samples`` sequences with one planted motif per class; fit the
    baseline CNN on a stratified 80% (``attnscope fit``: early stopping on a share of
    it); explain the held-out 20% with gradient x input (``attnscope explain``) and report
    the share of the top-k positions inside the planted motif (k = motif length) against
    a random ranking; a quick trust table on ``trust_samples`` held-out sequences
    (``attnscope trust``); the HTML report.

    Returns
    -------
    dict
        Also written to ``out/summary.json``: ``test_accuracy``, ``test_auroc``,
        ``precision_at_k``, ``random_precision_at_k``, ``k``, ``seconds``, ...
    """
    from attnscope.io import write_dataset
    from attnscope.metrics import precision_at_k
    from attnscope.report import write_report
    from attnscope.run import explain_run, fit_run, trust_run
    from attnscope.sim import simulate_dna

    start = time.perf_counter()
    directory = Path(out)
    data = simulate_dna(n_samples, length=length, random_state=random_state)
    if force and (directory / "model.json").is_file():  # an earlier demo: its data is remade
        (directory / "data.npz").unlink(missing_ok=True)
    fitted = fit_run(
        data,
        model="cnn",
        out=directory,
        params={"epochs": epochs, "patience": 4, "random_state": random_state},
        test_size=0.2,
        split_seed=random_state,
        force=force,
        data_config={"path": str((directory / "data.npz").resolve())},
    )
    write_dataset(data, directory / "data.npz")
    attr, _ = explain_run(directory, data, method="input_x_gradient", force=True)
    truth = np.asarray(attr.inputs["truth"])
    k = int(truth.sum(axis=1).max())
    precision = float(precision_at_k(np.abs(attr.values), truth, k).mean())
    rng = np.random.default_rng(random_state)
    random_precision = float(precision_at_k(rng.random(truth.shape), truth, k).mean())
    trust = trust_run(
        directory,
        data,
        methods=list(DEMO_TRUST_METHODS),
        n_samples=trust_samples,
        random_state=random_state,
        force=True,
        progress=None,
    )
    seconds = time.perf_counter() - start
    summary: dict[str, Any] = {
        "test_accuracy": fitted["test"]["accuracy"],
        "test_auroc": fitted["test"]["auroc"],
        "precision_at_k": precision,
        "random_precision_at_k": random_precision,
        "k": k,
        "motif_fraction": float(truth.mean()),
        "n_train": fitted["n_train"],
        "n_test": fitted["n_test"],
        "epochs_run": len(fitted["history"]["epochs"]),
        "trust_methods": [r["method"] for r in trust["rows"]],
        "seconds": seconds,
        "out": str(directory),
        "report": str(directory / "report.html"),
    }
    write_json(directory / "summary.json", summary)  # first: the report's precision@k tile
    write_report(directory)
    return summary
