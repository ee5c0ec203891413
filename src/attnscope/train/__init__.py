"""The one fit loop, its configuration, batched inference and checkpoints."""

from attnscope.train._checkpoint import load_checkpoint, save_checkpoint
from attnscope.train._config import MONITORS, TrainConfig
from attnscope.train._cv import cross_validate
from attnscope.train._loop import History, LossFn, class_weights, cross_entropy_loss, fit_module
from attnscope.train._mlm import mask_tokens, pretrain_mlm
from attnscope.train._runner import batched_forward, eval_mode, iter_batches

__all__ = [
    "MONITORS",
    "History",
    "LossFn",
    "TrainConfig",
    "batched_forward",
    "class_weights",
    "cross_entropy_loss",
    "cross_validate",
    "eval_mode",
    "fit_module",
    "iter_batches",
    "load_checkpoint",
    "mask_tokens",
    "pretrain_mlm",
    "save_checkpoint",
]
