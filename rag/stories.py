"""Story groups: articles whose texts are near-duplicates of each other are one story.

One wire story printed by five outlets is one source, not five. Two articles are the same
story when most of the shorter one's word 5-shingles are in the longer one (containment
>= `SAME_STORY`): a changed headline, a dropped or added paragraph, changed whitespace or
one corrected figure keep a copy in its story; two reports of the same event written
separately share almost no five-word run. The threshold was chosen on the `compare`
suite's dev pairs (`evals/README.md`).

Finding candidates must not compare a new article with every stored one, so each article
carries a MinHash signature (datasketch) cut into `BANDS` bands of `ROWS` values; articles
that share any band are candidates (locality-sensitive hashing, kept as rows of an indexed
SQLite table), and each candidate is then measured exactly from the two texts.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from functools import cache

SHINGLE_WORDS = 5
BANDS = 40
ROWS = 3  # 40 bands of 3: a pair with Jaccard 0.5 is a candidate with probability 0.994, one with 0.05 with 0.005
SCHEME = "affine32"  # named, not left to the library's default: the band keys are stored in the catalog
# Containment of the shorter text's shingles in the longer one's. On the compare suite's dev pairs
# copies score 0.92 and more and separate reports on one subject 0.14 at most: 0.6 leaves room on both sides.
SAME_STORY = 0.6
MIN_SHARED = 25  # about 30 words in common
CANDIDATES = 20  # a new article is measured against the stored ones sharing most bands with it, at most this many
# Stored with the index: an index grouped under other settings is grouped again when opened.
SCHEME_NAME = f"{SHINGLE_WORDS}-shingles {BANDS}x{ROWS} {SCHEME} containment>={SAME_STORY} shared>={MIN_SHARED}"
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[str]:
    """The text's runs of `SHINGLE_WORDS` words, lower-cased; a shorter text is one shingle."""
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def containment(a: set[str], b: set[str]) -> float:
    """The share of the smaller set that is in the other: 1.0 when one text holds the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def copies(a: set[str], b: set[str]) -> bool:
    """Whether two texts' shingle sets are copies of one story: containment >= `SAME_STORY`, and at least
    `MIN_SHARED` shingles in common (a short text, all of them but one in ten): a 9-word brief and a 40-word
    item that end with the same agency footer are not one story."""
    enough = min(MIN_SHARED, math.ceil(0.9 * min(len(a), len(b))))
    return containment(a, b) >= SAME_STORY and len(a & b) >= enough


@cache
def _permutations() -> object:
    from datasketch import MinHash

    return MinHash(num_perm=BANDS * ROWS, seed=1, scheme=SCHEME).permutations


def band_keys(texts: Sequence[str]) -> list[list[int]]:
    """For each text, one key per band of its MinHash signature (an article's LSH buckets)."""
    from datasketch import MinHash

    out = []
    for text in texts:
        m = MinHash(num_perm=BANDS * ROWS, seed=1, permutations=_permutations(), scheme=SCHEME)
        m.update_batch([s.encode("utf-8") for s in shingles(text)] or [b""])
        values = m.hashvalues
        keys = []
        for band in range(BANDS):
            digest = hashlib.blake2b(values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=7).digest()
            keys.append(int.from_bytes(digest, "big"))  # 56 bits: fits SQLite's signed 64-bit integer
        out.append(keys)
    return out
