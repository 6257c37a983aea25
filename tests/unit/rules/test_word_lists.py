"""The word lists in rules/words/*.yaml, one test per language: every term is found as a word of a name,
and (in scripts written with spaces) never inside another word; the lists reach the rules."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.rules import load_ruleset
from commops.rules._loader import WordFile
from commops.rules._ops import word_matcher
from commops.rules._yaml import parse

RULES = Path(__file__).resolve().parents[3] / "rules"
WORD_FILES = sorted((RULES / "words").glob("*.yaml"))
MATCHED_LISTS = ("edu_excluded_institutions", "public_sector_words")


def _words(path: Path) -> WordFile:
    located, problems = parse(path.read_text(encoding="utf-8"))
    assert not problems
    return WordFile.model_validate(located.data)


def _unspaced(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) for ch in text)


def test_there_are_many_languages() -> None:
    languages = {_words(path).language for path in WORD_FILES}
    assert {"en", "de", "fr", "es", "pt", "it", "pl", "ru", "zh", "ja", "ko", "ar"} <= languages


@pytest.mark.parametrize("path", WORD_FILES, ids=[p.stem for p in WORD_FILES])
def test_each_term_is_found_as_a_word_and_not_inside_another(path: Path) -> None:
    words = _words(path)
    assert path.stem == words.language, "a word file is named after its language"
    for name in MATCHED_LISTS:
        terms = words.lists.get(name, [])
        assert terms, f"{words.language} has words for {name}"
        match = word_matcher(terms)
        for term in terms:
            bare = term.lstrip("*")
            assert match(f"The {bare} of Springfield"), (term, "inside a name")
            assert match(bare.upper()), (term, "in capitals")
            assert match(f"Springfield {bare.replace(' ', '-')}"), (term, "with hyphens for spaces")
            if term.startswith("*"):
                assert match(f"Stadt{bare}"), (term, "at the end of a compound")
            elif not _unspaced(bare) and bare[0].isalpha() and bare[-1].isalpha():
                single = word_matcher([term])
                assert not single(f"xq{bare}xq"), (term, "inside another word")
                assert not single(f"{bare}xq"), (term, "at the start of a longer word")


def test_the_policy_examples() -> None:
    excluded = word_matcher(load_ruleset([RULES], field_keys=set(load_settings().fields),
                                         programs=set(load_settings().programs)).lists["edu_excluded_institutions"])
    for name in ("Kirche St. Marien", "Igreja Matriz", "Biblioteka Publiczna", "Krankenhaus Nord", "Hôpital Nord",
                 "Coding boot-camp", "Boot Camp Berlin", "City Libraries", "Training Centers Inc"):
        assert excluded(name), name
    for name in ("Churchill College", "Librarianship Institute", "Hospitality School", "Bootcampus University"):
        assert not excluded(name), name


def test_word_lists_merge_into_the_rules_lists_with_their_languages() -> None:
    config = load_settings()
    ruleset = load_ruleset([RULES], field_keys=set(config.fields), programs=set(config.programs))
    for name in (*MATCHED_LISTS, "placeholders"):
        assert len(ruleset.languages[name]) >= 10, name
    assert "Kirche" in ruleset.lists["edu_excluded_institutions"]
    assert "church" in ruleset.lists["edu_excluded_institutions"]
