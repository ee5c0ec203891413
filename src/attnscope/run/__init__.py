"""Run directories: fit / predict / evaluate / consistency, each a plain function.

The CLI is a thin layer over these functions. A run directory holds ``config.toml``,
``model.safetensors`` + ``model.json``, ``split.json``, ``metrics.json``,
``test_predictions.npz``, ``attributions/*.npz`` and ``trust.json``; the report renders
those files and never reloads the model.
"""

from attnscope.run._commands import (
    RUN_FILES,
    check_complete,
    checkpoint_dir,
    fit_run,
    load_data,
    load_model,
    save_test_predictions,
)
from attnscope.run._config import read_config, write_config
from attnscope.run._explain import explain_run, held_out, trust_run
from attnscope.run._predict import evaluate_run, predict_run
from attnscope.run._shard import sharded

__all__ = [
    "RUN_FILES",
    "check_complete",
    "checkpoint_dir",
    "evaluate_run",
    "explain_run",
    "fit_run",
    "held_out",
    "load_data",
    "load_model",
    "predict_run",
    "read_config",
    "save_test_predictions",
    "sharded",
    "trust_run",
    "write_config",
]
