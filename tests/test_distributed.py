"""Two gloo processes on the CPU train, run, attribute and score trust like one process.

What is equal and why: every rank draws the same per-epoch batch order, takes a
contiguous slice of each global batch and scales its mean loss by its share of the batch
(``n_r * world / N``, or the class-weight sums), so DistributedDataParallel's mean of the
ranks' gradients is the global batch's gradient; the weights then match a single process
up to float summation order (atol 1e-6). Validation runs on every rank and rank 0's score
decides early stopping, so both stop at the same epoch.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

WORLD = 2


def _data(n: int = 101) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.35).astype(np.int64)  # unbalanced: class weights matter
    X = rng.normal(size=(n, 6)).astype(np.float32)
    X[:, 0] += 1.5 * y
    return X, y


def _fit_small(class_weighted: bool) -> tuple[dict[str, torch.Tensor], dict]:
    from attnscope.train import TrainConfig, class_weights, fit_module

    X, y = _data()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 2))
    cfg = TrainConfig(epochs=6, batch_size=16, lr=0.02, patience=2, monitor="loss")
    hist = fit_module(
        net,
        [torch.from_numpy(X[:81])],
        torch.from_numpy(y[:81]),
        config=cfg,
        val_inputs=[torch.from_numpy(X[81:])],
        val_y=torch.from_numpy(y[81:]),
        class_weight=class_weights(y[:81], 2) if class_weighted else None,
        generator=torch.Generator().manual_seed(5),
    )
    return {k: v.detach().clone() for k, v in net.state_dict().items()}, hist.to_dict()


def _fit_ensemble() -> dict[str, torch.Tensor]:
    """A 2-member attention-LSTM seed ensemble (fit_members under the process group)."""
    from attnscope.estimators import AttnLSTMClassifier
    from attnscope.sim import simulate_timeseries

    data = simulate_timeseries(90, n_times=6, n_variables=3, window=(3, 6), random_state=1)
    est = AttnLSTMClassifier(
        n_members=2, hidden=5, attention_dim=4, dropout=0.0, epochs=3, batch_size=16
    ).fit(data)
    return {k: v.detach().clone() for k, v in est.module_.state_dict().items()}


def _ig(run: Path) -> np.ndarray:
    from attnscope.estimators import BaseClassifier
    from attnscope.explain import attribute
    from attnscope.run import sharded

    est = BaseClassifier.load(run)
    X, _ = _data()
    att = sharded(lambda part: attribute(est, part, method="integrated_gradients"), X)
    return np.asarray(att.values)


def _table():  # type: ignore[no-untyped-def]
    from attnscope.data import TabularDataset

    X, y = _data()
    return TabularDataset(
        labels=y,
        sample_ids=np.arange(len(y)).astype(str),
        class_names=["control", "case"],
        truth=None,
        meta={},
        X=X,
        feature_names=np.array([f"g{i}" for i in range(X.shape[1])]),
    )


def _fit_run(out: Path) -> None:
    from attnscope.run import fit_run

    params = {"epochs": 3, "dropout": 0.0, "hidden": (8,)}
    fit_run(_table(), model="mlp", out=out, params=params)


#: Deterministic methods: a sharded trust table equals the one-process table.
TRUST_METHODS = ["saliency", "integrated_gradients", "feature_ablation"]


def _trust(run: Path) -> list[dict]:
    from attnscope.estimators import BaseClassifier
    from attnscope.trust import trust_table

    return trust_table(
        BaseClassifier.load(run),
        _table(),
        methods=TRUST_METHODS,
        n_samples=61,  # odd: the ranks' blocks differ in size
        sanity_samples=16,
        stability_samples=8,
        label_epochs=2,
    )


def _spec_blocks(run: Path) -> tuple[int, np.ndarray]:
    """Shards and values of a spec's attribution (what the sanity checks attribute)."""
    from attnscope.estimators import BaseClassifier
    from attnscope.trust._shard import spec_attribution

    est = BaseClassifier.load(run)
    att = spec_attribution(est, est.attribution_spec(_table()), method="integrated_gradients")
    return att.meta.get("shards", 1), np.asarray(att.values)


def _trust_blocks(run: Path) -> tuple[int, int]:
    """Shards of a trust-table attribution and samples this rank scored."""
    from attnscope.estimators import BaseClassifier
    from attnscope.trust._shard import per_rank, sharded_attribution

    est, data = BaseClassifier.load(run), _table()
    spec = est.attribution_spec(data)
    att = sharded_attribution(
        est, data, spec, "cpu", method="saliency", target=np.zeros(len(data), np.int64)
    )
    sizes = per_rank(est, data, spec, "cpu", lambda part, s, idx: len(part))
    return att.meta.get("shards", 1), sizes


HEMERA_SMALL = {
    "dim": 8,
    "k": 8,
    "ff_mult": 1,
    "dropout": 0.0,  # dropout masks are drawn per rank: off, as in the other fits here
    "batch_size": 16,
    "epochs": 2,
    "min_epochs": 0,
    "pretrain_epochs": 1,
    "stream_workers": 0,  # DataLoader workers are covered by tests/test_hemera_stream.py
    "stream_chunk_mb": 0.005,
}


def _write_cohort(prefix: Path) -> None:
    from attnscope.io import write_plink
    from attnscope.sim import simulate_genotypes, simulate_phenotype

    data = simulate_genotypes(90, n_snps=120, random_state=4)
    write_plink(prefix, simulate_phenotype(data, n_causal=3, random_state=0))


def _hemera(prefix: Path, lazy: bool) -> dict[str, torch.Tensor]:
    from attnscope.estimators import HEMERAClassifier
    from attnscope.io import read_plink

    est = HEMERAClassifier(**HEMERA_SMALL).fit(read_plink(prefix, lazy=lazy))
    return {k: v.detach().clone() for k, v in est.module_.state_dict().items()}


def _worker(rank: int, init: str, out: str) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=WORLD)
    try:
        result = {"plain": _fit_small(False), "weighted": _fit_small(True)}
        result["ensemble"] = _fit_ensemble()
        _fit_run(Path(out) / "run")
        dist.barrier()
        result["ig"] = _ig(Path(out) / "single_run")
        result["trust"] = _trust(Path(out) / "single_run")
        result["trust_blocks"] = _trust_blocks(Path(out) / "single_run")
        result["spec_blocks"] = _spec_blocks(Path(out) / "single_run")
        result["hemera_stream"] = _hemera(Path(out) / "cohort", lazy=True)
        torch.save(result, Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    import torch.multiprocessing as mp

    out = tmp_path_factory.mktemp("ddp")
    _fit_run(out / "single_run")  # the one-process reference run (no process group here)
    _write_cohort(out / "cohort")
    # a file store, not a TCP port: a port found free here can be taken before gloo binds it
    store = out / "rendezvous"
    env = {"OMP_NUM_THREADS": "1"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        mp.spawn(_worker, args=(store.as_uri(), str(out)), nprocs=WORLD, join=True)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out, [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]


@pytest.mark.parametrize("case", ["plain", "weighted"])
def test_two_gloo_ranks_train_the_weights_of_one_process(two_ranks, case):
    _, ranks = two_ranks
    weights, history = _fit_small(case == "weighted")
    for got_weights, got_history in (r[case] for r in ranks):
        for key, value in weights.items():
            torch.testing.assert_close(got_weights[key], value, atol=1e-6, rtol=1e-5)
        assert got_history["best_epoch"] == history["best_epoch"]
        assert got_history["stopped_early"] == history["stopped_early"]
        assert len(got_history["epochs"]) == len(history["epochs"])
        np.testing.assert_allclose(
            [e["train_loss"] for e in got_history["epochs"]],
            [e["train_loss"] for e in history["epochs"]],
            rtol=1e-5,
        )


def test_two_ranks_train_the_seed_ensemble_of_one_process(two_ranks):
    _, ranks = two_ranks
    weights = _fit_ensemble()
    for rank in ranks:
        for key, value in weights.items():
            torch.testing.assert_close(rank["ensemble"][key], value, atol=1e-5, rtol=1e-4)


def test_rank_zero_alone_writes_the_run_and_its_model_equals_one_process(two_ranks):
    from attnscope.estimators import BaseClassifier

    out, _ = two_ranks
    run = out / "run"
    assert {"model.safetensors", "config.toml", "metrics.json", "split.json"} <= {
        p.name for p in run.iterdir()
    }
    X, _ = _data()
    np.testing.assert_allclose(
        BaseClassifier.load(run).predict_proba(X),
        BaseClassifier.load(out / "single_run").predict_proba(X),
        atol=1e-5,
    )


def test_sharded_attribution_equals_one_process(two_ranks):
    from attnscope.estimators import BaseClassifier
    from attnscope.explain import attribute

    out, ranks = two_ranks
    X, _ = _data()
    ref = attribute(BaseClassifier.load(out / "single_run"), X, method="integrated_gradients")
    for r in ranks:
        assert r["ig"].shape == ref.values.shape
        np.testing.assert_allclose(r["ig"], ref.values, rtol=1e-5, atol=1e-6)


def test_sharded_trust_table_equals_one_process(two_ranks):
    out, ranks = two_ranks
    ref = _trust(out / "single_run")
    for r in ranks:
        assert r["trust_blocks"] == (2, [51, 50])  # each rank scored its own block
        assert [row["method"] for row in r["trust"]] == TRUST_METHODS
        for got, want in zip(r["trust"], ref):
            assert got["status"] == want["status"] == "ok"
            assert got["n_samples"] == want["n_samples"] == 61
            for key, value in want.items():
                if key.startswith("seconds") or not isinstance(value, float):
                    continue
                # label randomisation retrains under DDP: equal up to float summation order
                np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_sanity_and_stability_attributions_are_split_by_rank(two_ranks):
    """The randomised-model, permuted-label and noisy-copy attributions of the trust table
    exist only as specs: their rows are split by rank too, and gathered equal."""
    out, ranks = two_ranks
    shards, want = _spec_blocks(out / "single_run")
    assert shards == 1
    for r in ranks:
        got_shards, got = r["spec_blocks"]
        assert got_shards == 2
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_streamed_hemera_under_two_ranks_equals_one_in_memory_process(two_ranks):
    """Each rank reads only its rows of every batch from the PLINK file (train/_stream)."""
    out, ranks = two_ranks
    want = _hemera(out / "cohort", lazy=False)
    for r in ranks:
        got = r["hemera_stream"]
        assert got.keys() == want.keys()
        for key, value in want.items():
            torch.testing.assert_close(got[key], value, atol=1e-6, rtol=1e-5)


def test_single_process_calls_the_function_once():
    from attnscope.run import sharded

    calls = []
    assert sharded(lambda d: calls.append(len(d)) or d * 2, np.arange(5)).tolist() == [
        0,
        2,
        4,
        6,
        8,
    ]
    assert calls == [5]
