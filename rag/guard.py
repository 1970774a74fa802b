"""Article text is data: sentences that address the model are never shown to it or quoted.

A news article may quote or contain text like "ignore your instructions and ...", or text
that imitates the prompt's own framing (an excerpt header `[2] From "...":`, a line
labelled "Question:" or "Answer:", a role name, a chat-template token) so the model takes
it for part of the prompt. Such a sentence is no fact to cite, so it is left out of
prompts and cannot serve as evidence or as a quote.
"""

from __future__ import annotations

import re
import unicodedata

_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|directions)\b"
    r"|\b(system prompt|you are now|(you|please) (will |must |should )?act as)\b"
    r"|(^\W*|\b(you|please)\s+((must|should|will|shall)\s+)?)(answer|reply|respond|say|output)\s+(only|exactly)\b"
    r"|\bnew instructions?\s*:"
    r"|\b(assistant|chatbot|language model|the model|the ai)\b.{0,40}\b(must|should|shall|is to|has to)\s+"
    r"(answer|reply|respond|say|state|tell|output)\b"
    r"|\b(message|note|notice|instruction) (from|by) the (system|administrator|developers?|operator)\b",
    re.IGNORECASE,
)
# Letters that look Latin but are not (Cyrillic, Greek), and characters that show as nothing:
# "Ignоre" with a Cyrillic o, or "I\u200bgnore", must read as "Ignore".
_LOOKALIKES = str.maketrans(
    "аеорсхуіјѕԁɡһкмтвнАВЕКМНОРСТХΑΒΕΖΗΙΚΜΝΟΡΤΥΧοΙ", "aeopcxyijsdghkmtbhABEKMHOPCTXABEZHIKMNOPTYXoI"
)
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
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
    seen = _INVISIBLE.sub("", unicodedata.normalize("NFKC", sentence)).translate(_LOOKALIKES)
    return bool(_INSTRUCTION.search(seen) or _FRAMING.search(seen))
