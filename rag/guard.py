"""Article text is data: sentences that address the model are never shown to it or quoted.

A news article may quote or contain text like "ignore your instructions and ...". Such a
sentence is no fact to cite, so it is left out of prompts and cannot serve as evidence.
"""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|directions)\b"
    r"|\b(system prompt|you are now|act as (an?|the) )\b"
    r"|\b(answer|reply|respond|say|output)\s+(only|exactly)\b"
    r"|\bnew instructions?\s*:",
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """True for a sentence that tries to instruct the model."""
    return bool(_INSTRUCTION.search(sentence))
