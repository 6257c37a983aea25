"""`rules lint` checks the values rules compare drop-downs with against the account's options: a typo
would silently disable the rule."""

from __future__ import annotations

import shutil
from pathlib import Path

from commops.rules import DropDown, lint
from tests.unit.rules.test_lint import RULES, account, position, reference_macros

ROLE = DropDown("Your role (7740111)", ("role_faculty", "role_staff", "role_student", "role_other"))
USE = DropDown("Primary use case (7740115)", ("use_teaching", "use_research", "use_student_club", "use_it_operations",
                                              "use_administration", "use_commercial_research"))
COUNTRY = DropDown("Country or region (7740103)", ("us", "de", "cu", "ir", "sy", "kp", "ru", "by", "ua"))


def test_the_shipped_rules_use_only_values_the_drop_downs_offer() -> None:
    options = {"applicant_role": ROLE, "use_case": USE, "country": COUNTRY}
    assert lint([RULES], **account(), macros=reference_macros(), options=options) == []


def test_a_value_the_drop_down_lacks_is_reported_where_it_is_written(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    education = rules / "education.yaml"
    education.write_text(education.read_text().replace("value: role_student", "value: role_studnet")
                         .replace("use_administration, ", "use_adminstration, "))
    problems = lint([rules], **account(), options={"applicant_role": ROLE, "use_case": USE})
    messages = {(p.line, p.col): p.message for p in problems}
    line, col = position(education, "role_studnet")
    assert "'role_studnet', which the drop-down 'Your role (7740111)' does not offer" in messages[(line, col)]
    assert "did you mean 'role_student'?" in messages[(line, col)]
    listed = [m for m in messages.values() if "use_adminstration'" in m]
    assert len(listed) == 1 and "did you mean 'use_administration'?" in listed[0]
    assert all(p.file == str(education) for p in problems) and len(problems) == 2


def test_without_the_account_nothing_is_guessed(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    education = rules / "education.yaml"
    education.write_text(education.read_text().replace("value: role_student", "value: role_studnet"))
    assert lint([rules], **account()) == []  # text fields and no snapshot: any value may be typed
