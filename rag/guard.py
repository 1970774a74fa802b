"""Article text is data: sentences that address the model are never shown to it or quoted.

A news article may quote or contain text like "ignore your instructions and ...", or text
that imitates the prompt's own framing (an excerpt header `[2] From "...":`, a line
labelled "Question:" or "Answer:", a role name, a chat-template token) so the model takes
it for part of the prompt. Such a sentence is no fact to cite, so it is left out of
prompts and cannot serve as evidence or as a quote.
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
_FRAMING = re.compile(
    r"^\W*\[\d+\]"  # an excerpt number where a sentence starts: "[2] From ..."
    r"|\[\d+\]\s*from\s*[\"“']"  # an excerpt header anywhere
    r"|(?:^|\n)\W*(?:question|answer|evidence|excerpts?|context|system|assistant|user|instructions?)\s*:"
    r"|<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>|</?s>",  # chat-template tokens
    re.IGNORECASE,
)


def is_instruction(sentence: str) -> bool:
    """True for a sentence that tries to instruct the model or imitates the prompt."""
    return bool(_INSTRUCTION.search(sentence) or _FRAMING.search(sentence))
