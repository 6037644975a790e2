"""Near-duplicate detection for syndicated copies: MinHash signatures over word shingles of the
clean text, cut into LSH bands that the store indexes (a band hash shared by two articles makes
them candidates; the signatures then estimate their Jaccard similarity).

Pure functions: no database, no settings. The shingle size and the threshold were chosen on a
labelled set of pairs built from real Reuters text (eval/syndication.py, eval/RESULTS.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

# Chosen on the tuning half of eval/syndication.py's pairs (see eval/RESULTS.md).
SHINGLE_WORDS = 3
THRESHOLD = 0.2
# Two copies crediting the same wire agency need a little less textual overlap.
CREDIT_BONUS = 0.05
NUM_PERM = 126
# 63 bands of 2 values: two texts become candidates with probability 1-(1-J^2)^63, which is
# 0.92 at J = 0.2 (the threshold), 0.997 at 0.3 and 0.47 at 0.1; the signatures then decide.
BANDS, ROWS = 63, 2
SEED = 1

_WORD = re.compile(r"\w+", re.UNICODE)
_CREDITS = {
    "reuters": re.compile(r"\bReuters\b"),
    "ap": re.compile(r"\(AP\)|\bAssociated Press\b"),
    "afp": re.compile(r"\(AFP\)|\bAgence France-Presse\b|\bAFP\b"),
    "dpa": re.compile(r"\(dpa\)|\bDeutsche Presse-Agentur\b"),
    "bloomberg": re.compile(r"\bBloomberg\b"),
    "upi": re.compile(r"\(UPI\)|\bUnited Press International\b"),
}


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    shingle_words: int = SHINGLE_WORDS
    threshold: float = THRESHOLD
    credit_bonus: float = CREDIT_BONUS
    num_perm: int = NUM_PERM
    bands: int = BANDS
    rows: int = ROWS


DEFAULT = DetectorConfig()


def shingles(text: str, size: int) -> set[bytes]:
    """Overlapping runs of `size` words, case and punctuation ignored."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signature(text: str, config: DetectorConfig = DEFAULT) -> np.ndarray:
    minhash = MinHash(num_perm=config.num_perm, seed=SEED)
    minhash.update_batch(sorted(shingles(text, config.shingle_words)))
    return np.asarray(minhash.hashvalues, dtype=np.uint64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def band_hashes(sig: np.ndarray, config: DetectorConfig = DEFAULT) -> list[int]:
    """One signed 63-bit hash per band (fits a BIGINT column on both databases)."""
    out = []
    for band in range(config.bands):
        chunk = sig[band * config.rows : (band + 1) * config.rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=b"wf-lsh").digest()
        out.append(int.from_bytes(digest, "big") >> 1)
    return out


# A literal each match of the credit's pattern contains: `in` finds them in microseconds where
# the patterns (most start with an alternation, no literal prefix) scan a long text character by
# character (~1 ms an article); the pattern then runs only where one occurs.
_CREDIT_LITERALS = {
    "reuters": ("Reuters",),
    "ap": ("(AP)", "Associated Press"),
    "afp": ("AFP", "Agence France-Presse"),
    "dpa": ("(dpa)", "Deutsche Presse-Agentur"),
    "bloomberg": ("Bloomberg",),
    "upi": ("(UPI)", "United Press International"),
}


def wire_credits(text: str) -> frozenset[str]:
    return frozenset(
        name
        for name, pattern in _CREDITS.items()
        if any(literal in text for literal in _CREDIT_LITERALS[name]) and pattern.search(text)
    )


def is_copy(
    score: float,
    credits_a: Iterable[str],
    credits_b: Iterable[str],
    config: DetectorConfig = DEFAULT,
) -> bool:
    """Syndicated copies: similar enough, a little less needed when they credit the same wire."""
    shared_credit = bool(set(credits_a) & set(credits_b))
    return score >= config.threshold - (config.credit_bonus if shared_credit else 0.0)
