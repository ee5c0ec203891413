"""``fit --resume``: an interrupted fit continues from its last saved epoch to the same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from attnscope.cli import run
from attnscope.errors import ConfigError
from attnscope.run import checkpoint_dir, fit_run
from attnscope.train import TrainConfig, checkpointing, fit_module
from attnscope.train._resume import Stage


def _data(n: int = 120, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=g)
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).long()


def _net() -> nn.Module:
    torch.manual_seed(3)  # dropout draws from the global RNG: resuming must restore it
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))


def _fit(net: nn.Module, loss_fn=None, epochs: int = 6):
    from attnscope.train import cross_entropy_loss

    x, y = _data()
    cfg = TrainConfig(epochs=epochs, batch_size=16, patience=50, monitor="loss")
    return fit_module(
        net,
        [x[:90]],
        y[:90],
        config=cfg,
        val_inputs=[x[90:]],
        val_y=y[90:],
        loss_fn=loss_fn or cross_entropy_loss,
        generator=torch.Generator().manual_seed(5),
    )


def _interrupt_at(epoch: int):
    """A loss that raises KeyboardInterrupt in the first batch of ``epoch`` (once)."""
    from attnscope.train import cross_entropy_loss

    fired = []

    def loss(module, inputs, y, cw, ep, **kw):
        if ep == epoch and not fired:
            fired.append(ep)
            raise KeyboardInterrupt
        return cross_entropy_loss(module, inputs, y, cw, ep, **kw)

    return loss


def test_resumed_loop_equals_uninterrupted(tmp_path: Path) -> None:
    reference = _net()
    ref_hist = _fit(reference)
    net = _net()
    with checkpointing(tmp_path / "ck"), pytest.raises(KeyboardInterrupt):
        _fit(net, _interrupt_at(3))  # epochs 0, 1, 2 finished and saved
    assert (tmp_path / "ck" / "stage-0.safetensors").is_file()
    resumed = _net()
    with checkpointing(tmp_path / "ck", resume=True):
        hist = _fit(resumed)
    for a, b in zip(reference.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)
    assert [e["train_loss"] for e in hist.epochs] == [e["train_loss"] for e in ref_hist.epochs]
    assert hist.best_epoch == ref_hist.best_epoch


def test_finished_stage_loads_without_training(tmp_path: Path) -> None:
    trained = _net()
    with checkpointing(tmp_path / "ck"):
        hist = _fit(trained)

    def never(*args, **kwargs):
        raise AssertionError("a finished stage must not train again")

    again = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    with checkpointing(tmp_path / "ck", resume=True):
        hist2 = _fit(again, never)
    assert all(torch.equal(a, b) for a, b in zip(trained.parameters(), again.parameters()))
    assert hist2.best_epoch == hist.best_epoch and not again.training


def test_resume_refuses_other_options(tmp_path: Path) -> None:
    with checkpointing(tmp_path / "ck", fingerprint={"model": "mlp"}):
        _fit(_net(), epochs=2)
    with (
        checkpointing(tmp_path / "ck", resume=True, fingerprint={"model": "cnn"}),
        pytest.raises(ConfigError, match='model: checkpoint "mlp", now "cnn"'),
    ):
        _fit(_net(), epochs=2)
    with (
        checkpointing(tmp_path / "ck", resume=True, fingerprint={"model": "mlp"}),
        pytest.raises(ConfigError, match="train_config"),
    ):
        _fit(_net(), epochs=3)  # another number of epochs


@pytest.fixture(scope="module")
def table():
    from attnscope.sim import simulate_expression

    return simulate_expression(80, n_genes=40, n_pathways=4, pathway_size=(4, 8), random_state=0)


def _interrupt_saves_after(monkeypatch, epoch: int) -> None:
    """Stop the fit with Ctrl-C right after the checkpoint of ``epoch`` (counted from 1)."""
    save = Stage.save

    def save_then_interrupt(self, state, *args):
        save(self, state, *args)
        if state.next_epoch == epoch and not state.complete:
            raise KeyboardInterrupt

    monkeypatch.setattr(Stage, "save", save_then_interrupt)


def test_fit_run_resume_writes_the_same_model(tmp_path: Path, table, monkeypatch) -> None:
    from safetensors.torch import load_file

    params = {"epochs": 5, "hidden": (8,), "patience": 50}
    fit_run(table, model="mlp", out=tmp_path / "ref", params=params, baselines=False)
    out = tmp_path / "run"
    with monkeypatch.context() as m:
        _interrupt_saves_after(m, 2)
        with pytest.raises(KeyboardInterrupt):
            fit_run(table, model="mlp", out=out, params=params, baselines=False)
    assert not out.exists() and checkpoint_dir(out).is_dir()
    with pytest.raises(ConfigError, match="other options or data"):
        fit_run(table, model="mlp", out=out, params={**params, "lr": 0.01}, resume=True)
    fit_run(table, model="mlp", out=out, params=params, baselines=False, resume=True)
    ref = load_file(tmp_path / "ref" / "model.safetensors")
    got = load_file(out / "model.safetensors")
    assert ref.keys() == got.keys() and all(torch.equal(ref[k], got[k]) for k in ref)
    assert not checkpoint_dir(out).exists()  # removed once the run is complete


def test_cli_interrupt_names_the_checkpoint_and_resume(
    tmp_path: Path, table, monkeypatch, capsys
) -> None:
    from attnscope.io import write_dataset

    data = write_dataset(table, tmp_path / "expr.npz")
    out = tmp_path / "run"
    argv = ["fit", str(data), "--model", "mlp", "--out", str(out), "--no-baselines"]
    argv += ["--set", "epochs=4", "--set", "hidden=[8]"]
    assert run([*argv, "--resume"]) == 2
    assert "no checkpoint of an interrupted fit" in capsys.readouterr().err
    with monkeypatch.context() as m:
        _interrupt_saves_after(m, 2)
        assert run(argv) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--resume" in err and str(checkpoint_dir(out)) in err
    assert run([*argv, "--resume"]) == 0 and (out / "model.safetensors").is_file()
    history = __import__("json").loads((out / "metrics.json").read_text())["history"]
    assert len(history["epochs"]) == 4 and np.isfinite(history["epochs"][0]["train_loss"])


def test_damaged_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    from attnscope.errors import DataError

    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / "stage-0.safetensors").write_bytes(b"\x00garbage")
    with (
        checkpointing(tmp_path / "ck", resume=True),
        pytest.raises(DataError, match=r"stage-0\.safetensors: the checkpoint cannot be read"),
    ):
        _fit(_net(), epochs=2)
