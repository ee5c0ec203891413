"""The contract between models and everything above them.

``AttributionSpec`` (how a network is exposed to attribution methods), ``ModelOutput``
(what a network returns), :func:`check_is_fitted`, memory-aware batch sizes and the one
batched runner (device, batch size, eval mode and no-grad, random state including CUDA's,
optional autocast). This package imports nothing else from attnscope but ``errors``.
"""

from attnscope.core._chunking import (
    DEFAULT_MEMORY_BUDGET,
    auto_batch_size,
    bytes_per_row,
    reused_probes,
)
from attnscope.core._fitted import CheckedParams, check_is_fitted, closest_name_hint
from attnscope.core._output import ModelOutput
from attnscope.core._runner import (
    PRECISIONS,
    autocast,
    batched_forward,
    check_finite_logits,
    check_sample_rows,
    eval_mode,
    frozen,
    iter_batches,
    last_op,
    logits_of,
    module_device,
    module_dtype,
    placed,
    raw_logits,
    resolve_device,
    seeded,
)
from attnscope.core._spec import AttributionSpec

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "PRECISIONS",
    "AttributionSpec",
    "CheckedParams",
    "ModelOutput",
    "auto_batch_size",
    "autocast",
    "batched_forward",
    "bytes_per_row",
    "check_finite_logits",
    "check_is_fitted",
    "check_sample_rows",
    "closest_name_hint",
    "eval_mode",
    "frozen",
    "iter_batches",
    "last_op",
    "logits_of",
    "module_device",
    "module_dtype",
    "placed",
    "raw_logits",
    "resolve_device",
    "reused_probes",
    "seeded",
]
