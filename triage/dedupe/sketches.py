"""MinHash sketches of a report's words: the cheap, indexable text similarity.

Two reports' sketches agree in about the share of word features they have in common (Jaccard),
and LSH bands of the sketch let the index find a report's similar texts without comparing it
with every stored report.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

NUM_PERM = 60
BANDS, ROWS = 20, 3  # LSH: a pair with Jaccard s collides in some band with 1-(1-s^3)^20 (0.5 at s≈0.36)

_MERSENNE = (1 << 61) - 1
_rng = np.random.default_rng(20261128)  # fixed: every worker must compute the same signatures
_A = _rng.integers(1, _MERSENNE, NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, _MERSENNE, NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


def features(text: str) -> set[str]:
    """Word prefixes (a stand-in for stems) and pairs of them, on lower-cased, unaccented text."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    words = [w[:5] for w in _WORD.findall(folded.translate(_ARABIC)) if len(w) > 2 or w.isdigit()]
    return set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


def signature(text: str) -> np.ndarray:
    items = features(text) or {""}
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(item.encode(), digest_size=8).digest(), "little") >> 3 for item in items],
        dtype=np.uint64,
    )
    # (a·x + b) mod p for every permutation and item; the minimum per permutation is the sketch.
    products = (np.outer(_A, hashes) + _B[:, None]) % np.uint64(_MERSENNE)
    return products.min(axis=1)


def band_hashes(sig: np.ndarray) -> list[int]:
    """One signed 64-bit value per band (fits PostgreSQL's bigint)."""
    values = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].tobytes()
        values.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "little", signed=True))
    return values


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))
