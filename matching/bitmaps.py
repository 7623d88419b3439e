"""Packed bitmaps: one bit per row, 64 rows per uint64 word, little-endian bit order."""

from __future__ import annotations

import numpy as np

WORD = 64


def words_for(n_rows: int) -> int:
    """Words (64 rows each) a bitmap of n_rows needs."""
    return -(-n_rows // WORD)


def pack(mask: np.ndarray, n_words: int) -> np.ndarray:
    """A boolean array as uint64 words; bits past the end are 0."""
    packed = np.packbits(mask, bitorder="little")
    if len(packed) == n_words * 8:
        return packed.view(np.uint64)
    out = np.zeros(n_words * 8, dtype=np.uint8)
    out[: len(packed)] = packed
    return out.view(np.uint64)


def unpack(words: np.ndarray, n_rows: int) -> np.ndarray:
    """The boolean array a bitmap holds (first n_rows bits)."""
    return np.unpackbits(words.view(np.uint8), count=n_rows, bitorder="little").astype(bool)


def count(words: np.ndarray) -> np.ndarray:
    """Set bits along the last axis."""
    return np.bitwise_count(words).sum(axis=-1, dtype=np.int64)


def tail_mask(n_rows: int, n_words: int) -> np.ndarray:
    """Words with a 1 for every real row and 0 for the padding after the last row."""
    return pack(np.ones(n_rows, dtype=bool), n_words)


def bit(words: np.ndarray, row: int) -> np.ndarray:
    """Bit ``row`` of each bitmap in a (..., n_words) array."""
    return ((words[..., row // WORD] >> np.uint64(row % WORD)) & np.uint64(1)).astype(bool)
