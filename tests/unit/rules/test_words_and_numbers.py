"""`contains`/`contains_any` word matching, and numbers that are not amounts (NaN, infinities)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from commops.domain import Truth
from commops.rules import CompiledRuleSet
from commops.rules._ops import number, word_matcher
from tests.unit.rules.test_engine import one_rule, truth

Compile = Callable[..., CompiledRuleSet]

PUBLIC_SECTOR = ["Military", "Naval", "Air Force", "Airforce", "National Laboratory", "U.S."]
EXCLUDED = ["bootcamp", "training center", "training centre", "church", "library", "hospital", "e-learning platform"]


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        # any case, at the start of a word
        (EXCLUDED, "springfield PUBLIC LIBRARY", True),
        (EXCLUDED, "St. Mary's Church", True),
        (EXCLUDED, "St. Mary's Church's School", True),
        # English plurals of the last word: s, es (after s, x, z, ch, sh), ies for a consonant + y
        (EXCLUDED, "Coding Bootcamps", True),
        (EXCLUDED, "Northern Training Centres", True),
        (EXCLUDED, "Training Centers of Ohio", True),
        (EXCLUDED, "Community Libraries", True),
        (EXCLUDED, "United Churches", True),
        (EXCLUDED, "University Hospitals", True),
        (EXCLUDED, "e-learning platforms", True),
        (["box"], "Boxes Ltd", True),
        (["survey"], "Surveys Inc", True),  # a vowel + y takes s
        (["Naval"], "Navals", True),
        (PUBLIC_SECTOR, "Sandia National Laboratories", True),
        # phrases: any spaces or a hyphen between their words
        (PUBLIC_SECTOR, "the air   force", True),
        (PUBLIC_SECTOR, "Air-Force Institute", True),
        (EXCLUDED, "Springfield training\ncentre", True),
        # an entry ending in punctuation ends there
        (PUBLIC_SECTOR, "Campus U.S.A. Institute", True),
        (PUBLIC_SECTOR, "U.S. Naval Academy", True),
        (PUBLIC_SECTOR, "u.s. Army", True),
        (PUBLIC_SECTOR, "Made in the U.S.", True),
        (PUBLIC_SECTOR, "U.S.-based", True),
        # not a prefix match: a longer word that starts the same is another word
        (EXCLUDED, "Churchill College", False),
        (EXCLUDED, "School of Librarianship", False),
        (EXCLUDED, "Librarianship Institute of X", False),
        (EXCLUDED, "Bootcampus Academy", False),
        (EXCLUDED, "Hospitality School", False),
        (EXCLUDED, "Churchy Arts", False),
        (PUBLIC_SECTOR, "Navalny Institute", False),
        (PUBLIC_SECTOR, "Militaryhistory Society", False),
        (["bootcamp"], "Bootcampes", False),  # only the plural English uses
        (["library"], "Librarys", False),
        # nor the end of a longer word
        (EXCLUDED, "Megachurch Studies", False),
        (PUBLIC_SECTOR, "BU.S. Institute", False),
        (PUBLIC_SECTOR, "US Robotics", False),
        (PUBLIC_SECTOR, "USA Campus", False),
        ([], "anything", False),
        (["", "  "], "anything", False),
    ],
)
def test_word_pattern(words: list[str], text: str, found: bool) -> None:
    assert word_matcher(words)(text) is found


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Coding Bootcamps", Truth.TRUE), ("Bootcampus", Truth.FALSE), (["x", "Churches"], Truth.TRUE)],
)
def test_contains_any_through_the_engine(compile_rules: Compile, text: object, expected: Truth) -> None:
    compiled = compile_rules(one_rule("{field: fields.name, op: contains_any, value: [bootcamp, church]}"))
    assert truth(compiled, name=text) is expected


def test_contains_a_single_word_with_plural(compile_rules: Compile) -> None:
    compiled = compile_rules(one_rule("{field: fields.name, op: contains, value: library}"))
    assert truth(compiled, name="Community Libraries") is Truth.TRUE
    assert truth(compiled, name="Librarianship") is Truth.FALSE


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-5, -5.0), ("-2,000,000", -2_000_000.0), ("12", 12.0), (math.nan, None), (math.inf, None), ("-inf", None),
     ("nan", None), (True, None), ("lots", None)],
)
def test_number_is_finite_or_none(value: object, expected: float | None) -> None:
    assert number(value) == expected


@pytest.mark.parametrize(
    ("op", "amount", "expected"),
    [
        ("lt", -5, Truth.TRUE),
        ("le", 0, Truth.TRUE),
        ("gt", math.nan, Truth.UNKNOWN),
        ("lt", math.nan, Truth.UNKNOWN),
        ("gt", math.inf, Truth.UNKNOWN),
        ("lt", -math.inf, Truth.UNKNOWN),
        ("gt", "inf", Truth.UNKNOWN),
        ("ge", 5.5, Truth.TRUE),
    ],
)
def test_comparisons_treat_non_finite_numbers_as_unknown(compile_rules: Compile, op: str, amount: object,
                                                          expected: Truth) -> None:
    compiled = compile_rules(one_rule(f"{{field: fields.amount, op: {op}, value: 1}}"))
    assert truth(compiled, amount=amount) is expected
