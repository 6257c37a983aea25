"""The input-reading layer (commops.domain.reading): each kind of input, raw value → what it is read as."""

from __future__ import annotations

from typing import Any

import pytest

from commops.domain.reading import Reader, Unreadable, parse_amount
from commops.verify.datasets import OfflineDatasets

DATA = OfflineDatasets()


def read(kind: str, raw: Any) -> tuple[str, Any]:
    reading = Reader(kind, DATA, ["keine Angabe"]).read(raw)
    return reading.status, reading.value


@pytest.mark.parametrize("raw", ["", "   ", "N/A", "n/a", "none", "-", "tbd", "unknown", "?", " NONE ", "Keine Angabe"])
@pytest.mark.parametrize("kind", ["text", "country", "count", "amount", "licence", "url", "domain", "flag"])
def test_blank_and_placeholders_are_missing_for_every_kind(kind: str, raw: str) -> None:
    assert read(kind, raw)[0] == "missing"


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("text", "  Role_Student ", ("read", "role_student")),
        ("text", "ＡＢＣ", ("read", "abc")),  # NFKC: full-width letters
        ("text", "Straße", ("read", "strasse")),  # case-folded
        ("text", ["a", "N/A"], ("read", ("a",))),
        ("country", "Belarus", ("read", "BY")),
        ("country", "BLR", ("read", "BY")),
        ("country", "Viet Nam", ("read", "VN")),
        ("country", "Atlantis", ("unreadable", None)),
        ("country", 42, ("unreadable", None)),
        ("count", "1,000", ("read", 1000)),
        ("count", 7, ("read", 7)),
        ("count", 7.0, ("read", 7)),
        ("count", "2.5", ("unreadable", None)),
        ("count", "ten", ("unreadable", None)),
        ("count", True, ("unreadable", None)),
        ("amount", "1,500,000", ("read", 1500000.0)),
        ("amount", "$1.5M", ("read", 1500000.0)),
        ("amount", "1.5 million", ("read", 1500000.0)),
        ("amount", "1,5 Mio", ("read", 1500000.0)),
        ("amount", "USD 2m", ("read", 2000000.0)),
        ("amount", "12.000.000", ("read", 12000000.0)),
        ("amount", "750k", ("read", 750000.0)),
        ("amount", "€2M", ("unreadable", None)),
        ("amount", "about 3M", ("unreadable", None)),
        ("amount", float("nan"), ("unreadable", None)),
        ("licence", "Apache License 2.0", ("read", "Apache-2.0")),
        ("licence", "GPL-2.0+", ("read", "GPL-2.0-or-later")),
        ("licence", "mit or apache-2.0", ("read", "MIT OR Apache-2.0")),
        ("licence", "my licence", ("unreadable", None)),
        ("url", "HTTPS://WWW.Example.org/Path", ("read", "https://example.org/Path")),
        ("url", "www2.example.org:8080/x", ("read", "https://example.org:8080/x")),
        ("url", "ftp://example.org", ("unreadable", None)),
        ("url", "mailto:a@example.org", ("unreadable", None)),
        ("url", "see our website", ("unreadable", None)),
        ("domain", "Ada@CS.MIT.EDU.", ("read", "cs.mit.edu")),
        ("domain", "not a domain", ("unreadable", None)),
        ("flag", True, ("read", True)),
        ("flag", "Yes", ("read", True)),
        ("flag", "nein", ("read", False)),
        ("flag", "maybe", ("unreadable", None)),
    ],
)
def test_each_kind_reads_what_applicants_write(kind: str, raw: Any, expected: tuple[str, Any]) -> None:
    assert read(kind, raw) == expected


def test_the_reading_says_what_the_raw_value_was_read_as() -> None:
    reader = Reader("country", DATA)
    assert reader.read("Belarus").describe() == "read as 'BY' (country)"
    assert reader.read("Atlantis").describe() == "unknown (no such country)"
    assert reader.read("N/A").describe() == "missing (placeholder 'N/A')"
    assert isinstance(reader.value("Atlantis"), Unreadable)
    assert reader.value("N/A") is None


def test_readings_are_memoised_per_distinct_raw_text() -> None:
    reader = Reader("country", DATA)
    first = reader.read("Belarus")
    assert reader.read("Belarus") is first
    assert reader.value("Belarus") == "BY" and reader.values["Belarus"] == "BY"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Reader("colour", DATA)


@pytest.mark.parametrize("text", ["1-2M", "1,2,3", "$", "M", "1.5 zillion"])
def test_amounts_that_cannot_be_read(text: str) -> None:
    assert parse_amount(text)[0] is None
