"""HEMERA trained from a PLINK file on disk equals HEMERA trained in memory.

A cohort read with ``read_plink(lazy=True)`` keeps a LazyGenotypes view; QC counts come
from one pass over blocks of individuals, the fit loop reads its batches ahead through a
DataLoader (train/_stream), validation and prediction read blocks. With the same seed the
batches are the same, so the weights (buffers included) must be bitwise equal.
"""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
import torch

from attnscope.data import LazyGenotypes
from attnscope.errors import DataError
from attnscope.estimators import HEMERAClassifier
from attnscope.io import read_plink, snp_qc_mask, write_plink
from attnscope.sim import simulate_genotypes, simulate_phenotype

SMALL = {"dim": 8, "k": 8, "ff_mult": 1, "batch_size": 16, "epochs": 2, "min_epochs": 0}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory):
    data = simulate_phenotype(
        simulate_genotypes(150, n_snps=240, random_state=1), n_causal=4, random_state=0
    )
    g = data.genotypes.copy()
    g[np.random.default_rng(2).random(g.shape) < 0.03] = -1  # missing calls
    g[:, 7] = 0  # monomorphic: QC drops it
    prefix = tmp_path_factory.mktemp("plink") / "cohort"
    from dataclasses import replace

    write_plink(prefix, replace(data, genotypes=g))
    return prefix


def _weights(est: HEMERAClassifier) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in est.module_.state_dict().items()}


@pytest.mark.parametrize("workers", [0, 1])
def test_streamed_fit_equals_in_memory_fit(cohort, workers, monkeypatch):
    memory = read_plink(cohort, lazy=False)
    ref = HEMERAClassifier(**SMALL, pretrain_epochs=1, random_state=3).fit(memory)
    # a budget below the matrix: any step that loads the whole cohort raises
    monkeypatch.setenv("ATTNSCOPE_MAX_MEMORY_GB", str(0.5 * memory.genotypes.size / 2**30))
    lazy = read_plink(cohort, lazy=True)
    assert isinstance(lazy.genotypes, LazyGenotypes)
    with pytest.raises(DataError, match="stream"):
        np.asarray(lazy.genotypes)
    est = HEMERAClassifier(
        **SMALL, pretrain_epochs=1, random_state=3, stream_workers=workers, stream_chunk_mb=0.01
    ).fit(lazy)
    assert est.spec_["snp_ids"] == ref.spec_["snp_ids"]  # the streaming QC kept the same SNPs
    assert "rs7" not in est.spec_["snp_ids"] and len(est.spec_["snp_ids"]) < 240
    want, got = _weights(ref), _weights(est)
    assert want.keys() == got.keys()
    for key in want:
        assert torch.equal(got[key], want[key]), key
    assert est.history_.best_epoch == ref.history_.best_epoch
    assert [e["val_loss"] for e in est.history_.epochs] == [
        e["val_loss"] for e in ref.history_.epochs
    ]
    np.testing.assert_array_equal(est.predict_proba(lazy), ref.predict_proba(memory))


def test_streaming_qc_counts_equal_the_in_memory_mask(cohort):
    from attnscope.estimators._hemera_stream import streaming_counts

    memory = read_plink(cohort, lazy=False)
    lazy = read_plink(cohort, lazy=True)
    rows = np.arange(3, 150, 2)
    counts = streaming_counts(lazy.subset(rows).genotypes, chunk_mb=0.001)  # 14-SNP blocks
    for options in ({}, {"maf": 0.1, "max_missing": 0.02}):
        for got, want in zip(
            counts.mask(**options), snp_qc_mask(memory.genotypes[rows], **options)
        ):
            np.testing.assert_array_equal(got, want)


def test_lazy_views_compose_and_read_like_arrays(cohort):
    memory = read_plink(cohort, lazy=False)
    lazy = read_plink(cohort, lazy=True)
    rows, cols = np.array([9, 2, 40, 3]), np.array([5, 0, 100])
    view = lazy.subset(rows).select_snps(cols)
    assert view.on_disk and view.genotypes.shape == (4, 3)
    np.testing.assert_array_equal(np.asarray(view.genotypes), memory.genotypes[rows][:, cols])
    np.testing.assert_array_equal(view.snp_ids, memory.snp_ids[cols])
    np.testing.assert_array_equal(
        lazy.genotypes[10:20].read(np.array([3, 0, 3])), memory.genotypes[[13, 10, 13]]
    )
    blocks = [b for _, b in lazy.genotypes.iter_row_blocks(64)]
    assert [len(b) for b in blocks] == [64, 64, 22]
    np.testing.assert_array_equal(np.concatenate(blocks), memory.genotypes)


def test_row_stream_serves_planned_and_unplanned_batches():
    from attnscope.train import RowStream
    from attnscope.train._stream import batch_fetcher

    table = torch.arange(50 * 3).reshape(50, 3)
    reads: list[int] = []

    def read(rows: np.ndarray) -> torch.Tensor:
        assert (np.diff(rows) > 0).all()  # the file is read in order
        reads.append(rows.size)
        return table[torch.from_numpy(rows)]

    stream = RowStream(read, 50, chunk_rows=20, workers=0)
    order = torch.randperm(50, generator=torch.Generator().manual_seed(0))
    fetch = batch_fetcher([stream], order, 7)
    for lo in range(0, 50, 7):
        idx = order[lo : lo + 7]
        assert torch.equal(fetch(idx)[0], table[idx])
    assert reads == [21, 21, 8]  # three chunks of whole batches, one read each
    assert torch.equal(fetch(torch.tensor([4, 1]))[0], table[[4, 1]])  # outside the plan
    assert torch.equal(stream[3:6], table[3:6])


def test_cli_fit_stream_writes_a_run_without_loading_the_cohort(cohort, tmp_path):
    from attnscope.cli import run

    out = tmp_path / "run"
    args = ["fit", f"{cohort}.bed", "--model", "hemera", "--stream", "--out", str(out)]
    sets = ["--set", "dim=8", "--set", "k=8", "--set", "epochs=1", "--set", "stream_workers=0"]
    assert run([*args, *sets, "--pretrain-epochs", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 30 and "auroc" in metrics["test"]
    assert "baselines" not in metrics  # they would load the cohort
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["data"]["stream"] is True  # explain / evaluate read it from disk too


def test_stream_flag_is_refused_for_other_formats(tmp_path, capsys):
    from attnscope.cli import run

    table = tmp_path / "expr.csv"
    table.write_text("id,label,g1\na,x,1\nb,y,2\nc,x,3\nd,y,4\n")
    assert run(["fit", str(table), "--model", "mlp", "--stream", "--out", str(tmp_path / "o")]) == 2
    assert "--stream" in capsys.readouterr().err
