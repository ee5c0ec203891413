"""Content digests of samples: the same sample under a new id is still a training sample.

A run records the digest of each training sample (``split.json``); held-out scoring then
excludes a given sample whose content equals a training sample's, whatever its id.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

__all__ = ["row_digests"]


def row_digests(data: Any) -> np.ndarray | None:
    """A 64-bit digest (16 hex digits) of each sample's content.

    Parameters
    ----------
    data : Dataset
        Its per-sample fields (``X``, ``tokens``, ``genotypes``, ``values`` / ``mask`` /
        ``static``, every omics table and ``present``) are hashed byte for byte, row by row.

    Returns
    -------
    ndarray of str, shape (n_samples,), or None
        None when a field is not an in-memory array of numbers (genotypes read lazily from
        disk: hashing would read the whole cohort once more).
    """
    rows: list[np.ndarray] = []
    n = len(data)
    for name in data._sample_fields:
        field = getattr(data, name)
        for array in field.values() if isinstance(field, dict) else [field]:
            if array is None:
                continue
            if not isinstance(array, np.ndarray) or array.dtype.hasobject:
                return None
            flat = np.ascontiguousarray(array).reshape(n, -1)
            rows.append(flat.view(np.uint8).reshape(n, -1))
    if not rows:
        return None
    # one C-speed hash per sample (the loop is over samples once, at fit and at scoring)
    out = np.empty(n, dtype="<U16")
    for i in range(n):
        h = hashlib.blake2b(digest_size=8)
        for part in rows:
            h.update(part[i].data)
        out[i] = h.hexdigest()
    return out
