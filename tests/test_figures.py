"""Figures: the one reader of numbers with their currency, scale and unit (fast tier: no model)."""

from __future__ import annotations

import pytest

from rag.figures import alike, amounts, readings, written


def test_a_number_is_read_with_what_it_counts() -> None:
    assert readings("£1.2bn") == [[("1.2", "billion", "", "pound")]]
    assert readings("1.2 billion pounds") == [[("1.2", "billion", "", "pound")]]
    assert readings("5 per cent") == [[("5", "", "percent", "")]]
    assert readings("the 200m final") == [[("200", "million", "", ""), ("200", "", "metre", "")]]
    assert readings("$40-50m")[0][-1] == ("40", "million", "", "dollar")  # a range's first takes its scale
    assert readings("iTunes 4.7.1 and the Dax at 3.817.69") == []  # a version or an index level: no amount
    assert readings("at 10 p.m.") == [[("10", "", "", "")]] and amounts("50p") == {50.0}
    # a metric prefix: the unit as written, and a scale of the unit ("42.7 trillion calculations per second")
    assert readings("42.7 teraflops") == [[("42.7", "", "teraflop", ""), ("42.7", "trillion", "flop", "")]]
    assert ("35", "trillion", "flop", "") in readings("35-40 teraflops")[0]  # a range's first takes its scale


@pytest.mark.parametrize(
    ("x", "y", "same"),
    [
        ("£1.2bn", "1.2 billion pounds", True),
        ("$1.4bn", "$1,400m", True),  # one amount, two scales
        ("5%", "5.11%", True),  # rounded
        ("1.4bn", "1.43bn", True),
        ("200m", "200 metres", True),
        ("fifty", "50", True),
        ("Fifty", "50", True),
        ("5.2%", "5.11%", False),
        ("£1bn", "£600m", False),  # rounding is within one scale: a round billion is not 600 million
        ("$2m", "$1,600,000", False),
        ("one", "1.4 million", False),
        ("¥104.53", "104.53", True),  # a currency or unit left unsaid on one side
        ("69 years", "69", True),
        ("30 metres", "30", True),
        ("5m", "5", False),  # a bare "m" is metres only against metres
        ("42.7 teraflops", "42.7 trillion", True),
        ("42.7 teraflops", "42.7", True),
        ("42.7 teraflops", "36.01 teraflops", False),
        ("5 gigabytes", "5bn", True),
        ("5 gigabytes", "5 megabytes", False),  # read alike as "5" before the prefix was read
        ("£5", "$5", False),
        ("5%", "£5", False),  # a unit against a currency: two things counted
        ("£5", "5p", False),
        ("50p", "50 pence", True),
        ("$1.4bn", "1.43bn euros", False),
        ("4.7.1", "4.7", False),
    ],
)  # fmt: skip
def test_two_figures_are_one_when_they_agree_in_amount_currency_and_unit(x: str, y: str, same: bool) -> None:
    assert alike(written(x), written(y)) is same


def test_a_figure_is_written_one_way() -> None:
    assert written("1.4 million") == written("1.4m") == "1.4m"
    assert written("1,000") == "1000" and written("5 per cent") == "5%" and written("three") == "three"
