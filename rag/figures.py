"""Figures: numbers read with what they count, the one reader that verification and comparisons share.

A number is read with the currency before it and the scale and unit after it ("£18m", "3,217 tonnes",
"113.5m ounces", "1.9 per cent", "5km"), each part under one name ("m" and "million" alike, "%" and
"per cent" alike). Some are read two ways ("200m": 200 million or 200 metres); a range's first number
takes the scale of its second ("$40-50m"). A unit or currency may be left unsaid on one side: a claim
of verification (`rag.verify`) or a second report of a comparison (`alike`) often drops it.
"""

from __future__ import annotations

import math
import re

Quantity = tuple[str, str, str, str]  # number, scale, unit, currency; "" for a part not given

_UNIT = (
    r"%|per ?cent|tonnes?|tons?|ounces?|grams?|kilo(?:gram)?s?|kg|km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?"
    r"|years?|months?|weeks?|days?|hours?|minutes?|dollars?|euros?|pounds?|yen|pence|p(?!\.m)"
)
# Units written with a metric prefix, read as a scale and a unit: "42.7 teraflops" is 42.7 trillion flops, as "42.7
# trillion calculations per second" says in another report.
_PREFIXED = r"flops?|bytes?|bits?|hertz|watts?|pixels?|tonnes?"
_QUANTITY = (
    r"(?P<currency>[$£€¥])?\s?(?<![\d.,])(?P<number>\d+(?:[.,]\d+)*)(?![\d]|[.,]\d)"
    rf"(?:\s?(?P<unit>{_UNIT})(?![a-z])"
    rf"|\s?(?P<scale>k|m|mn|bn|tn|thousand|million|billion|trillion)(?![a-z])(?:\s?(?P<unit2>{_UNIT})(?![a-z]))?"
    rf"|\s?(?P<prefix>mega|giga|tera)(?P<unit3>{_PREFIXED})(?![a-z]))?"
    r"(?P<range>(?=\s?(?:-|–|to\b)\s?[$£€¥]?\d))?"
)
QUANTITY = re.compile(_QUANTITY)  # on lower-cased text
_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
    "|hundred|thousand|million|billion"
)
# Any figure in running text, a number with its parts or a cardinal word ("fifty", "a million"), any case.
FIGURE = re.compile(rf"{_QUANTITY}|\b(?P<word>{_WORDS})\b", re.IGNORECASE)
CARDINALS = {w: str(n) for n, w in enumerate(_WORDS.split("|")[:13])} | {
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
}
SCALES = {"k": "thousand", "m": "million", "mn": "million", "bn": "billion", "tn": "trillion"}
_PREFIXES = {"mega": "million", "giga": "billion", "tera": "trillion"}
_SCALE_OF = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SHORT_SCALE = {"thousand": "k", "million": "m", "billion": "bn", "trillion": "tn"}
_CURRENCIES = {"$": "dollar", "£": "pound", "€": "euro", "¥": "yen"}
_SYMBOLS = {name: symbol for symbol, name in _CURRENCIES.items()}
_UNITS = {"%": "percent", "per cent": "percent", "percent": "percent", "kg": "kilogram", "kilo": "kilogram",
          "kilos": "kilogram", "km": "kilometre", "ton": "tonne", "tons": "tonne", "p": "pence"}  # fmt: skip


def readings(text: str) -> list[list[Quantity]]:
    """The readings of each number in `text`, in order: one, or two where it may be either."""
    found: list[list[Quantity]] = []
    opener: list[Quantity] | None = None  # the readings of a range's first number, waiting for its second
    for m in QUANTITY.finditer(text.lower()):
        if m.group("number").count(".") > 1:
            continue  # a version or an index level ("4.7.1", "3.817.69"), no amount
        unit = m.group("unit") or m.group("unit2") or m.group("unit3") or ""
        unit = _UNITS.get(unit, unit.rstrip("s").replace("meter", "metre"))
        currency = _CURRENCIES.get(m.group("currency") or "", "")
        if unit in ("dollar", "pound", "euro", "yen", "pence"):
            unit, currency = "", unit  # money is a currency, however written ("50p", "5 pounds")
        scale = m.group("scale") or _PREFIXES.get(m.group("prefix") or "", "")
        these = [(m.group("number"), SCALES.get(scale, scale), unit, currency)]
        if scale == "m" and not unit and not currency:  # "the 200m final": metres as well
            these.append((m.group("number"), "", "metre", ""))
        if m.group("prefix"):  # "35.86 teraflops", first as written: the "35.86" a report gives without its unit
            these.insert(0, (m.group("number"), "", m.group("prefix") + unit, ""))
        if opener is not None:  # "$40-50m": the 40 is millions too; "35-40 teraflops": 35 trillion flops too
            number, _, _, given = opener[0]
            opener += [(number, q[1], q[2], given or currency) for q in (these if m.group("prefix") else these[:1])]
        opener = these if m.group("range") is not None else None
        found.append(these)
    return found


def amount(q: Quantity) -> float:
    """What one reading amounts to: "1.2", "billion" is 1.2e9."""
    return float(q[0].replace(",", "")) * _SCALE_OF.get(q[1], 1.0)


def amounts(value: str) -> set[float]:
    """What a figure amounts to, in each reading ("£1.2bn" 1.2e9, "2m" 2e6 or 2, "5.5%" 5.5); none for words."""
    return {amount(q) for these in readings(value) for q in these}


def written(value: str) -> str:
    """A figure written one way, for comparing and showing: "1.4 million" and "1.4m" are "1.4m", "1,000" is
    "1000", "5 per cent" is "5%"; a word ("fifty", "million") stays itself, as a reader would see it."""
    value = " ".join(value.lower().split())
    found = readings(value)
    if not found:
        return value
    number, scale, unit, currency = found[0][0]
    if currency == "pence":
        return number.replace(",", "") + "p"
    text = _SYMBOLS.get(currency, "") + number.replace(",", "") + _SHORT_SCALE.get(scale, "")
    if unit == "percent":
        return text + "%"
    return f"{text} {unit}" if unit else text


def _precision(q: Quantity) -> float:
    """The value of one unit in the reading's last written digit: 0.01 for "5.11", 1 for "300"."""
    return 10.0 ** -len(q[0].rpartition(".")[2]) if "." in q[0] else 1.0


def _readings_of(value: str) -> list[tuple[Quantity, bool]]:
    """Each reading of a figure, and whether it is the metres a bare "m" may mean ("200m")."""
    return [
        (q, i == 1 and q[2] == "metre" and these[0][1] == "million")
        for these in readings(value)
        for i, q in enumerate(these)
    ]


def _compatible(p: Quantity, bare_m: bool, q: Quantity, other_bare_m: bool) -> bool:
    """Whether two readings count the same thing: the same unit and currency where both give one ("5%" is not
    "£5", "£5" not "5p"), or one left unsaid ("¥104.53" and "104.53", "69 years" and "69", "30 metres" and
    "30"); but the metres of a bare "m" only against metres ("5m" is no bare 5)."""
    if any(p[2:]) and any(q[2:]):
        return p[2:] == q[2:]
    return not (bare_m or other_bare_m)


def alike(x: str, y: str) -> bool:
    """Whether two figures (as `written`) are one: in some reading of each, counting the same thing
    (`_compatible`), the same amount ("$1.4bn" and "$1,400m"), or of one scale and one the other said less
    precisely ("5%" and "5.11%", "$1.4bn" and "$1.43bn"; 4.5% is "4%" or "5%" rounded). "Fifty" is "50";
    "£1bn" is not "£600m"."""
    x, y = CARDINALS.get(x.lower(), x), CARDINALS.get(y.lower(), y)
    if x == y:
        return True
    for p, p_bare in _readings_of(x):
        for q, q_bare in _readings_of(y):
            if not _compatible(p, p_bare, q, q_bare):
                continue
            if p[1] == q[1]:
                coarser = max(_precision(p), _precision(q))
                if abs(float(p[0].replace(",", "")) - float(q[0].replace(",", ""))) <= 0.5 * coarser * (1 + 1e-9):
                    return True
            elif math.isclose(amount(p), amount(q), rel_tol=1e-9):
                return True
    return False
