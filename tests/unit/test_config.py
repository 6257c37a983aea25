from __future__ import annotations

from pathlib import Path

import pytest

from commops.config import default_config_text, load_settings
from commops.errors import ConfigError


def test_defaults_map_the_reference_account_and_use_the_embedded_sandbox() -> None:
    settings = load_settings()
    assert not settings.zendesk.configured
    assert set(settings.programs) == {"education", "open_source", "startups"}
    assert settings.program_for_form(settings.programs["startups"].form_id) == "startups"
    assert settings.program_for_value("program_education") == "education"


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[zendesk]\nurl = "https://file.example"\nemail = "a@b.c"\n[unattended]\nmax_writes = 3\n')
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", "https://env.example")
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "s3cret")
    settings = load_settings(cfg)
    assert settings.zendesk.base_url == "https://env.example"
    assert settings.zendesk.email == "a@b.c"
    assert settings.unattended.max_writes == 3
    assert settings.zendesk.token is not None
    assert "s3cret" not in repr(settings)


def test_unknown_key_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[zendesk]\nurll = 'x'\n")
    with pytest.raises(ConfigError, match=r"zendesk\.urll"):
        load_settings(cfg)


def test_starter_config_is_valid_toml_and_loads(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(default_config_text())
    assert load_settings(cfg).fields["program"] > 0


def test_statuses_map_only_writing_outcomes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[statuses]\nask = "Awaiting applicant"\nqualify = 1004\n', encoding="utf-8")
    assert load_settings(path).statuses == {"ask": "Awaiting applicant", "qualify": 1004}
    path.write_text('[statuses]\nmanual = "Open"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'manual'"):
        load_settings(path)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('holiday_country = "XX"', "not a country code the holidays package knows"),
        ('holiday_country = "USA "', "did you mean"),
        ('holiday_country = "US"\nholiday_subdivision = "ZZ"', "not a subdivision of US; one of: AK, AL"),
        ('holiday_country = "MT"\nholiday_subdivision = "X"', "not a subdivision of MT; MT has none"),
    ],
)
def test_holiday_region_is_checked(tmp_path: Path, section: str, message: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[sla]\n{section}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg)


def test_holiday_region_check_loads_only_the_configured_country() -> None:
    """Loading settings must not import every country module of holidays (8 MB held for the run)."""
    import subprocess
    import sys

    code = ("import sys\nfrom commops.config import load_settings\nload_settings()\n"
            "print(sum(1 for m in sys.modules if m.startswith('holidays.countries.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) <= 2
