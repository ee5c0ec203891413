"""Named settings: each is what its benchmark ran, and fit takes it by name."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import ConfigError
from attnscope.estimators import SETTINGS, make_estimator, setting_params

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def _results(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("model", "setting", "recorded"),
    [
        ("hemera", "paper", lambda: _results("genotype_protocol")["hemera_configs"]["paper"]),
        ("hemera", "gated", lambda: _results("genotype_protocol")["hemera_configs"]["gated"]),
        ("fusion", "paper", lambda: _results("fusion")["settings"]["fusion_paper_params"]),
        (
            "fusion",
            "attention",
            lambda: _results("fusion")["settings"]["fusion_attn_selection"]["params"],
        ),
    ],
)
def test_each_setting_is_what_its_benchmark_recorded(model, setting, recorded):
    """The command line's --setting and the published row ran the same parameters."""
    assert setting_params(model, setting) == recorded()


def test_the_gated_setting_is_the_validation_choice_of_the_protocol():
    validation = _results("genotype_protocol")["validation"]["grid"]
    best = max(validation, key=lambda row: row["val_auroc"])
    gated = setting_params("hemera", "gated")
    assert {k: gated[k] for k in ("gate_l1", "gate_lr", "init_C")} == {
        k: best[k] for k in ("gate_l1", "gate_lr", "init_C")
    }


def test_every_setting_builds_its_estimator_with_those_values():
    for model, named in SETTINGS.items():
        for name, setting in named.items():
            params = make_estimator(model, setting=name).get_params()
            assert {k: params[k] for k in setting.params} == dict(setting.params), (model, name)


def test_user_values_win_over_the_setting_and_the_setting_is_a_copy():
    est = make_estimator("hemera", {"epochs": 2}, setting="gated")
    assert est.epochs == 2 and est.snp_gate is True and est.init_C == 0.1
    setting_params("hemera", "gated")["epochs"] = 99
    assert SETTINGS["hemera"]["gated"].params["epochs"] == 8


def test_defaults_is_every_models_setting():
    assert (
        make_estimator("cnn", setting="defaults").get_params() == make_estimator("cnn").get_params()
    )


@pytest.mark.parametrize(
    ("model", "listed"), [("hemera", "defaults, paper, gated"), ("cnn", "defaults")]
)
def test_an_unknown_setting_lists_the_models_settings(model, listed):
    with pytest.raises(ConfigError, match=listed):
        make_estimator(model, setting="fast")


def test_fit_records_the_setting_and_its_values(tmp_path, capsys):
    from attnscope.cli import run

    rng = np.random.default_rng(3)
    cells = rng.integers(0, 3, size=(30, 6))
    lines = ["FID IID PAT MAT SEX PHENOTYPE " + " ".join(f"rs{j}_A" for j in range(6))]
    lines += [
        f"f{i} s{i} 0 0 0 {1 + i % 2} " + " ".join(map(str, row)) for i, row in enumerate(cells)
    ]
    raw = tmp_path / "cohort.raw"
    raw.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    argv = ["fit", str(raw), "--model", "hemera", "--setting", "gated", "--out", str(out)]
    argv += ["--set", "epochs=1", "--set", "dim=4", "--set", "k=4", "--no-baselines", "-q"]
    assert run(argv) == 0, capsys.readouterr().err
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["setting"] == "gated"
    assert config["params"]["snp_gate"] is True and config["params"]["init_C"] == 0.1
    assert config["params"]["epochs"] == 1  # --set wins
    assert json.loads((out / "metrics.json").read_text())["setting"] == "gated"


def test_fit_refuses_an_unknown_setting_before_reading_data(tmp_path, capsys):
    from _hostile import one_error
    from attnscope.cli import run

    out = tmp_path / "run"
    code = run(
        [
            "fit",
            str(tmp_path / "absent.fa"),
            "--model",
            "cnn",
            "--setting",
            "gated",
            "--out",
            str(out),
        ]
    )
    line = one_error(code, capsys.readouterr().err, out)
    assert "no setting 'gated'" in line and "defaults" in line


def test_a_model_that_does_not_earn_its_place_names_its_other_settings():
    from attnscope.cli._common import settings_hint

    lines = settings_hint("hemera", "paper", {"earns_place": False})
    assert any(line.strip().startswith("gated:") for line in lines)
    assert not any(line.strip().startswith("paper:") for line in lines)
    assert settings_hint("hemera", None, {"earns_place": True}) == []
    assert settings_hint("hemera", None, {}) == []  # runs written before the flag
    assert settings_hint("cnn", None, {"earns_place": False}) == []


def test_the_cli_guide_lists_every_setting():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    for model, named in SETTINGS.items():
        for name in named:
            assert f"| `{model}` | `{name}` |" in guide, (model, name)


def test_the_hain_benchmark_trains_hain_with_its_defaults_or_the_long_setting():
    import sys

    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        from _hain_models import HAIN_GRID, hain
    finally:
        sys.path.remove(bench)
    from attnscope.estimators import HAINClassifier

    ran = hain(None, quick=False, seed=0).get_params()
    assert ran == HAINClassifier(random_state=0).get_params()
    assert HAIN_GRID == {"default": {}, "200_epochs_no_early_stop": setting_params("hain", "long")}


def test_the_report_names_the_setting_and_the_others_after_a_losing_verdict():
    from types import SimpleNamespace

    from attnscope.report._sections import _settings_note

    lost = SimpleNamespace(model_name="hemera", metrics={"setting": "paper", "earns_place": False})
    html = _settings_note(lost)  # type: ignore[arg-type]
    assert "Setting: <b>paper</b>" in html and "<b>gated</b>" in html
    assert "<li><b>paper</b>" not in html
    won = SimpleNamespace(model_name="hemera", metrics={"earns_place": True})
    assert _settings_note(won) == ""  # type: ignore[arg-type]


def test_a_run_remade_from_its_config_keeps_a_none_over_the_setting(tmp_path, capsys):
    """TOML has no null: init_C=None over the gated setting's 0.1 must survive config.toml."""
    from attnscope.cli import run

    rng = np.random.default_rng(4)
    cells = rng.integers(0, 3, size=(30, 6))
    lines = ["FID IID PAT MAT SEX PHENOTYPE " + " ".join(f"rs{j}_A" for j in range(6))]
    lines += [
        f"f{i} s{i} 0 0 0 {1 + i % 2} " + " ".join(map(str, row)) for i, row in enumerate(cells)
    ]
    raw = tmp_path / "cohort.raw"
    raw.write_text("\n".join(lines) + "\n")
    first, again = tmp_path / "run", tmp_path / "again"
    small = ["--set", "epochs=1", "--set", "dim=4", "--set", "k=4", "--no-baselines", "-q"]
    argv = ["fit", str(raw), "--model", "hemera", "--setting", "gated", "--out", str(first)]
    assert run([*argv, "--set", "init_C=none", *small]) == 0, capsys.readouterr().err
    config = first / "config.toml"
    assert tomllib.loads(config.read_text())["params"]["init_C"] == "none"
    assert run(["fit", "--config", str(config), "--out", str(again), "-q"]) == 0
    params = tomllib.loads((again / "config.toml").read_text())["params"]
    assert params["init_C"] == "none" and params["snp_gate"] is True and params["epochs"] == 1
    from attnscope.estimators import HEMERAClassifier

    remade = HEMERAClassifier.load(again)
    assert remade.init_C is None and remade.snp_gate is True
