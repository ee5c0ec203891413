"""The one fit loop (one network, or N seed variants as one batched network), its
configuration, DDP under torchrun, inputs streamed from disk, cross-validation, MLM
pre-training and checkpoints."""

from attnscope.train._checkpoint import load_checkpoint, save_checkpoint
from attnscope.train._config import MONITORS, TrainConfig
from attnscope.train._cv import cross_validate
from attnscope.train._distributed import DistContext, distributed_context, is_main_process
from attnscope.train._loop import (
    History,
    LossFn,
    class_weights,
    cross_entropy_loss,
    ensemble_history,
    fit_members,
    fit_module,
    member_cross_entropy,
    member_scores,
    weighted_cross_entropy,
)
from attnscope.train._mlm import mask_tokens, pretrain_mlm
from attnscope.train._resume import checkpointing
from attnscope.train._stream import RowStream

__all__ = [
    "MONITORS",
    "DistContext",
    "History",
    "LossFn",
    "RowStream",
    "TrainConfig",
    "checkpointing",
    "class_weights",
    "cross_entropy_loss",
    "cross_validate",
    "distributed_context",
    "ensemble_history",
    "fit_members",
    "fit_module",
    "is_main_process",
    "load_checkpoint",
    "mask_tokens",
    "member_cross_entropy",
    "member_scores",
    "pretrain_mlm",
    "save_checkpoint",
    "weighted_cross_entropy",
]
