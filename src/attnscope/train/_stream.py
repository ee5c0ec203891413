"""Model inputs read from disk in row blocks while the fit loop trains (cohorts > memory).

A :class:`RowStream` stands in for an input tensor of the fit loop: ``stream[idx]`` reads
those rows now (validation and prediction read contiguous slices), and
:func:`batch_fetcher` reads each epoch ahead of the loop. It cuts the epoch's batches (in
the loop's own order, drawn from its generator) into chunks of about ``chunk_rows``
samples; a torch DataLoader over those chunks (``workers`` background processes) reads
each chunk's rows in one pass over the file, and the loop takes its batches from the
chunk in memory. The batches are exactly the in-memory loop's, so a streamed fit gives
the in-memory fit's weights.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from attnscope.core import iter_batches
from attnscope.errors import ConfigError

__all__ = ["RowStream", "batch_fetcher"]

Fetch = Callable[[Tensor], list[Tensor]]


class RowStream:
    """Rows of a matrix read on demand: ``read(rows) -> Tensor`` (rows sorted, unique).

    Parameters
    ----------
    read : callable
        ``read(rows)`` with ``rows`` an increasing int ndarray returns a Tensor of shape
        (len(rows), ...). Must be picklable when ``workers`` > 0 with a spawn start method.
    n_rows : int
    chunk_rows : int, default 512
        Rows read at once ahead of the loop (memory: chunk_rows x row bytes, times
        ``workers + 1`` chunks in flight).
    workers : int, default 1
        DataLoader worker processes reading ahead (0: read in the training process).
    """

    def __init__(
        self,
        read: Callable[[np.ndarray], Tensor],
        n_rows: int,
        *,
        chunk_rows: int = 512,
        workers: int = 1,
    ) -> None:
        if chunk_rows < 1 or workers < 0:
            raise ConfigError(
                f"need chunk_rows >= 1 and workers >= 0, got {chunk_rows}, {workers}."
            )
        self.read, self.n_rows = read, int(n_rows)
        self.chunk_rows, self.workers = int(chunk_rows), int(workers)

    @property
    def shape(self) -> tuple[int]:
        """``(n_rows,)``: the fit loop and ``batched_forward`` count samples with it."""
        return (self.n_rows,)

    def __len__(self) -> int:
        return self.n_rows

    def __getitem__(self, key: Any) -> Tensor:
        """Rows ``key`` (slice, int indices in any order) read now, as one Tensor."""
        if isinstance(key, slice):
            return self.read(np.arange(self.n_rows)[key])
        idx = torch.as_tensor(key).cpu().numpy().astype(np.intp).ravel()
        uniq, inverse = np.unique(idx, return_inverse=True)
        block = self.read(uniq)
        return block if np.array_equal(uniq, idx) else block[torch.from_numpy(inverse)]


class _Chunks(torch.utils.data.IterableDataset):  # type: ignore[type-arg]
    """Yields ``(rows, block)`` for each chunk of the plan (rows sorted and unique)."""

    def __init__(self, stream: RowStream, chunks: list[np.ndarray]) -> None:
        self.stream, self.chunks = stream, chunks

    def __iter__(self) -> Iterator[tuple[np.ndarray, Tensor]]:
        for rows in self.chunks:
            yield rows, self.stream.read(rows)


class _Fetcher:
    """Serves the loop's batches from chunks read ahead by a DataLoader, in plan order."""

    def __init__(self, inputs: Sequence[Any], plan: list[Tensor]) -> None:
        stream = next(t for t in inputs if isinstance(t, RowStream))
        if len(inputs) != 1:
            raise ConfigError("a streamed fit takes one streamed input tensor.")
        chunks: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        count = 0
        for idx in plan:
            rows.append(idx.reshape(-1).numpy())
            count += rows[-1].size
            if count >= stream.chunk_rows:
                chunks.append(np.unique(np.concatenate(rows)))
                rows, count = [], 0
        if rows:
            chunks.append(np.unique(np.concatenate(rows)))
        self.stream = stream
        workers = min(stream.workers, len(chunks))
        loader = torch.utils.data.DataLoader(
            _Chunks(stream, chunks),
            batch_size=None,
            num_workers=workers,
            prefetch_factor=1 if workers else None,
            # its own generator: the global RNG (dropout) stays as in an in-memory fit
            generator=torch.Generator(),
        )
        self._it = iter(loader)
        self._rows = np.zeros(0, np.intp)
        self._block: Tensor | None = None

    def _lookup(self, idx: np.ndarray) -> np.ndarray | None:
        pos = np.searchsorted(self._rows, idx)
        pos = np.minimum(pos, max(self._rows.size - 1, 0))
        if self._rows.size and np.array_equal(self._rows[pos], idx):
            return pos
        return None

    def __call__(self, idx: Tensor) -> list[Tensor]:
        flat = idx.reshape(-1).numpy()
        pos = self._lookup(flat)
        if pos is None:  # the next chunk (a request outside the plan is read directly)
            nxt = next(self._it, None)
            if nxt is not None:
                self._rows, self._block = np.asarray(nxt[0]), nxt[1]
                pos = self._lookup(flat)
        if pos is None or self._block is None:
            return [self.stream[idx]]
        out = self._block[torch.from_numpy(pos)]
        return [out.reshape(*idx.shape, *out.shape[1:])]


def batch_fetcher(
    inputs: Sequence[Any],
    order: Tensor,
    batch_size: int,
    *,
    shard: Callable[[Tensor], Tensor] | None = None,
) -> Fetch:
    """``fetch(idx) -> [t[idx] for t in inputs]`` for one epoch of the fit loop.

    Parameters
    ----------
    inputs : sequence of Tensor or RowStream
    order : Tensor of shape (n,)
        The epoch's sample order; batches are its consecutive ``batch_size`` slices.
    batch_size : int
    shard : callable, optional
        Maps a global batch to this rank's part (DDP), so a rank reads only its rows.

    Returns
    -------
    callable
        In-memory inputs are indexed directly; a :class:`RowStream` is read ahead in chunks
        of the planned batches (see the module docstring).
    """
    if not any(isinstance(t, RowStream) for t in inputs):
        return lambda idx: [t[idx] for t in inputs]
    if order.dim() != 1:
        raise ConfigError("streamed inputs train one network, not a member axis of variants.")
    plan = [order[sl] for sl in iter_batches(int(order.shape[0]), batch_size)]
    if shard is not None:
        plan = [shard(b) for b in plan]
    return _Fetcher(inputs, plan)
