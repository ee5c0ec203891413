"""The one batched runner: device choice, eval mode and no-grad, batching, seeding, autocast.

Every part of attnscope that runs a network (training, prediction, attribution, trust
metrics, the seed-consistency study) goes through these helpers, so a device, a batch size
or a random state means the same thing everywhere.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn

from attnscope.core._output import ModelOutput
from attnscope.errors import ConfigError, DataError

__all__ = [
    "PRECISIONS",
    "autocast",
    "batched_forward",
    "check_finite_logits",
    "check_sample_rows",
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
    "seeded",
]

#: Reduced precisions accepted by :func:`autocast` (``None`` keeps float32).
PRECISIONS = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(device: str | torch.device | None = "cpu") -> torch.device:
    """The torch device named by ``device``, checked to be available.

    Parameters
    ----------
    device : {"cpu", "cuda", "cuda:N", "mps", "auto"} or torch.device, default "cpu"
        ``"auto"`` picks CUDA, then MPS, then the CPU. ``None`` means ``"cpu"``.

    Raises
    ------
    ConfigError
        The device is unknown or not available on this machine (one line, with the fix).
    """
    if isinstance(device, torch.device):
        device = str(device)
    name = "cpu" if device is None else str(device).strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d+))?", name)
    if match:
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device {device!r} is not available: this torch build or machine has no CUDA "
                "GPU; use device='cpu' or 'auto' (--device cpu)."
            )
        index = int(match.group(1) or 0)
        if index >= torch.cuda.device_count():
            raise ConfigError(
                f"device {device!r} is not available: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s) (cuda:0..."
                f"cuda:{torch.cuda.device_count() - 1})."
            )
        return torch.device("cuda", index)
    if name == "mps":
        if not _mps_available():
            raise ConfigError(
                "device 'mps' is not available on this machine; use device='cpu' or 'auto'."
            )
        return torch.device("mps")
    raise ConfigError(f"unknown device {device!r}; use 'cpu', 'cuda', 'cuda:N', 'mps' or 'auto'.")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def module_device(module: nn.Module) -> torch.device:
    """Device of ``module``'s first parameter or buffer (the CPU for an empty module)."""
    for param in module.parameters():
        return param.device
    for buffer in module.buffers():
        return buffer.device
    return torch.device("cpu")


def module_dtype(module: nn.Module) -> torch.dtype:
    """Floating dtype of ``module``'s first floating parameter or buffer (float32 if none).

    Float inputs are cast to it on the way in (a user's model kept in float64 or bfloat16
    takes attnscope's float32 tensors), and the logits come back as float32.
    """
    for t in (*module.parameters(), *module.buffers()):
        if t.is_floating_point():
            return t.dtype
    return torch.float32


@contextmanager
def placed(module: nn.Module, device: str | torch.device | None = None) -> Iterator[torch.device]:
    """Run the block with ``module`` on ``device`` (default: where it is); yield that device.

    A module moved for the block goes back to its own device afterwards, so the model
    stays where it was trained.
    """
    home = module_device(module)
    target = home if device is None else resolve_device(device)
    if target == home:
        yield home
        return
    module.to(target)
    try:
        yield target
    finally:
        module.to(home)


@contextmanager
def seeded(random_state: int | None, device: str | torch.device | None = None) -> Iterator[None]:
    """Seed torch's RNG (CPU and, for a CUDA ``device``, that GPU) inside the block.

    The global random state is restored afterwards, so seeding never leaks into user code.
    """
    dev = resolve_device(device) if device is not None else torch.device("cpu")
    gpus = [dev.index or 0] if dev.type == "cuda" else []
    seed = int(random_state or 0)
    with torch.random.fork_rng(devices=gpus):
        # The generators in use only: torch.manual_seed also queues a seed for every
        # accelerator backend, recording a stack trace each time (most of a small call).
        torch.default_generator.manual_seed(seed)
        for index in gpus:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        if dev.type == "mps":
            torch.mps.manual_seed(seed)
        yield


def autocast(device: torch.device | str, precision: str | None = None) -> Any:
    """A context that runs the block in ``precision`` (``"bf16"``, ``"fp16"``) or as is.

    Off (float32) by default; meant for inference and attribution, never for training.
    """
    if precision is None:
        return contextlib.nullcontext()
    if precision not in PRECISIONS:
        raise ConfigError(
            f"precision must be one of {sorted(PRECISIONS)} or None, got {precision!r}."
        )
    dev = torch.device(device)
    return torch.autocast(device_type=dev.type, dtype=PRECISIONS[precision])


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """Put ``module`` in eval mode and restore its previous mode afterwards.

    Each submodule gets its own mode back (a submodule kept in eval mode stays so); a
    module already in eval mode is left as it is.
    """
    modes = [(m, m.training) for m in module.modules() if m.training]
    if modes:
        module.eval()
    try:
        yield module
    finally:
        for m, mode in modes:
            m.training = mode


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Turn off ``requires_grad`` of ``module``'s parameters inside the block.

    Attributions differentiate with respect to the inputs only; without this, autograd
    also computes every weight gradient (a quarter of the time of a small CNN's backward
    pass). Each parameter gets its own flag back afterwards.
    """
    flags = [(p, p.requires_grad) for p in module.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


def iter_batches(n: int, batch_size: int) -> Iterator[slice]:
    """Consecutive slices of at most ``batch_size`` covering ``range(n)``."""
    size = max(1, int(batch_size))
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def check_finite_logits(logits: Tensor, sample_ids: Any = None) -> None:
    """DataError when a model's logits (n_samples, n_classes) hold NaN or +inf, or a sample's
    are all -inf (a -inf logit alone is a masked class, with probability 0).

    Such outputs have no predicted class or probability: every attribution, deletion
    curve and metric computed from them would be NaN or arbitrary (argmax of NaN is 0).
    """
    z = logits.detach().reshape(len(logits), -1)
    # -inf is a masked class (softmax 0); NaN, +inf or every class masked has no answer
    bad = (torch.isnan(z) | (z == float("inf"))).any(dim=1) | (z == float("-inf")).all(dim=1)
    if bool(bad.any()):
        first = int(torch.nonzero(bad)[0, 0])
        name = f"sample {sample_ids[first]}" if sample_ids is not None else f"sample {first}"
        raise DataError(
            f"the model's outputs are NaN or inf for {int(bad.sum())} of {len(logits)} "
            f"samples (first: {name}); check the model's weights and the scale of the inputs "
            "(a NaN logit has no predicted class)."
        )


def logits_of(output: Any) -> Tensor:
    """Logits from a forward pass: a Tensor, a :class:`ModelOutput`, a tuple's first item, or
    the ``logits`` entry of a dict or attribute of an output object (Hugging Face models).

    One logit per sample, shape (B,) or (B, 1), is a binary model's log-odds ``z`` (one
    trained with ``BCEWithLogitsLoss``). It is read as the two-class logits
    ``(-z/2, z/2)``: their softmax is ``(1 - sigmoid(z), sigmoid(z))``, cross-entropy on
    them equals ``BCEWithLogitsLoss`` on ``z``, the predicted class is ``z > 0``, and each
    class's attributions are plus or minus half those of ``z`` (captum's numbers for the
    single output, halved). A single column would have a softmax of 1 whatever the input,
    which leaves every probability-based trust figure flat.
    """
    logits = raw_logits(output)
    if logits.ndim == 1 or (logits.ndim == 2 and logits.shape[1] == 1):
        half = logits.reshape(-1, 1) / 2
        return torch.cat([-half, half], dim=1)
    return logits


def raw_logits(output: Any) -> Tensor:
    """The logits tensor of a forward's output as the model returned it (no reshaping):
    a Tensor, a :class:`ModelOutput`'s, a tuple's first item, or the ``logits`` entry of a
    dict or attribute of an output object; ConfigError for anything else (see
    :func:`logits_of`)."""
    logits: Any
    if isinstance(output, ModelOutput):
        logits = output.logits
    elif torch.is_tensor(output):
        logits = output
    elif isinstance(output, tuple | list) and output and torch.is_tensor(output[0]):
        logits = output[0]
    elif isinstance(output, Mapping):
        logits = output.get("logits")
    else:
        logits = getattr(output, "logits", None)
    if torch.is_tensor(logits) and logits.ndim == 0:
        raise ConfigError(
            "the model's forward returned a single number for the whole batch; return one "
            "row of logits per sample, shape (batch, n_classes) or (batch,)."
        )
    if torch.is_tensor(logits) and not logits.is_floating_point():
        raise ConfigError(
            f"the model's forward returned {logits.dtype} values, not float logits (predicted "
            "classes?); return the logits, shape (batch, n_classes) or (batch,), before argmax."
        )
    if torch.is_tensor(logits):
        return logits
    raise ConfigError(
        f"the model's forward returned {type(output).__name__}; return the logits as a Tensor "
        "(or a ModelOutput, a dict with a 'logits' entry, or a tuple whose first item is the "
        "logits)."
    )


#: Autograd nodes that only reshape, select, copy or cast: the op before them made the values.
_PASS_THROUGH = frozenset(
    "Alias Clone Expand Permute Reshape ReshapeAlias Select Slice Squeeze T ToCopy "
    "Transpose UnsafeView Unsqueeze View".split()
)


def last_op(tensor: Tensor) -> str | None:
    """The last op that computed ``tensor``'s values, from its autograd graph, past
    reshapes, selections, copies and casts: ``"Sigmoid"`` for a forward ending in
    ``nn.Sigmoid`` or ``torch.sigmoid`` (then ``.squeeze(-1)``), ``"Softmax"``,
    ``"Addmm"`` for a final ``nn.Linear``; None where ``tensor`` has no graph (computed
    under ``torch.no_grad`` or from nothing that requires gradients).
    """
    fn = tensor.grad_fn
    while fn is not None:
        name = re.sub(r"Backward\d*$", "", fn.name())
        if name not in _PASS_THROUGH:
            return name
        fn = next((f for f, _ in fn.next_functions if f is not None), None)
    return None


def batched_forward(
    module: nn.Module,
    inputs: Sequence[Tensor],
    *,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    precision: str | None = None,
    members: int | None = None,
    collect: Callable[[Any], Tensor] = logits_of,
) -> Tensor:
    """Run ``module`` over ``inputs`` in batches (eval mode, no grad); concatenate on the CPU.

    Parameters
    ----------
    module : nn.Module
        Returns a :class:`ModelOutput` (or logits; see :func:`logits_of`).
    inputs : sequence of Tensor
        Each with samples on the first axis (on any device; batches are moved).
    batch_size : int, default 256
    device : str or torch.device, optional
        Where to run; default where ``module`` is.
    precision : {"bf16", "fp16"}, optional
        Autocast for inference; default float32.
    members : int, optional
        For a network with a member axis (N seed variants, see
        :func:`attnscope.train.fit_members`): every member sees the same samples, and the
        result has the member axis first, (M, n, ...). A module with
        ``accepts_shared_inputs`` takes each batch once for all members; others get it
        expanded along a new member axis (a view, no copy).
    collect : callable, default the logits
        What to keep from each batch's output.

    Returns
    -------
    Tensor
        ``collect(output)`` of every batch, concatenated on the CPU along the sample axis
        (float32 where the model ran in reduced precision).
    """
    dev = module_device(module) if device is None else resolve_device(device)
    dtype = module_dtype(module)
    n = int(inputs[0].shape[0])
    shared = members is None or bool(getattr(module, "accepts_shared_inputs", False))
    parts: list[Tensor] = []
    with eval_mode(module), torch.no_grad(), autocast(dev, precision):
        for sl in iter_batches(n, batch_size):
            batch = [t[sl].to(dev) for t in inputs]  # a lazy input gives a tensor slice
            batch = [b.to(dtype) if b.is_floating_point() else b for b in batch]
            if members is not None and not shared:
                batch = [t.unsqueeze(0).expand(members, *t.shape) for t in batch]
            out = collect(module(*batch))
            if members is not None and out.dim() == 2:
                out = out.unsqueeze(0)
            check_sample_rows(out, sl.stop - sl.start, 0 if members is None else 1)
            parts.append(out.detach().float().cpu() if out.is_floating_point() else out.cpu())
    return torch.cat(parts, dim=0 if members is None else 1) if parts else torch.empty(0)


def check_sample_rows(out: Tensor, rows: int, axis: int = 0) -> Tensor:
    """ConfigError when a batch's output does not hold one row per sample (a forward that
    returns ``(n_classes, batch)``, e.g. transposed, was read as other samples)."""
    if out.dim() > axis and out.shape[axis] != rows:
        raise ConfigError(
            f"the model's forward returned shape {tuple(out.shape)} for a batch of {rows} "
            f"samples: axis {axis} must be the samples. Return logits of shape (batch, "
            "n_classes), or (batch,) for a binary model's log-odds (not transposed)."
        )
    return out
