from __future__ import annotations

import pytest

from commops.errors import ConfigError
from commops.sandbox.faults import FaultInjector, FaultSpec, parse_faults


def test_parse_full_spec() -> None:
    spec = parse_faults("429=0.2,5xx=0.05,slow=0.02,drop=0.01,jobfail=0.01")
    assert spec == FaultSpec(rate_limited=0.2, server_error=0.05, slow=0.02, drop=0.01, jobfail=0.01)
    assert spec.any


def test_empty_spec_means_no_faults() -> None:
    assert parse_faults("") == FaultSpec()
    assert not parse_faults(" , ").any


@pytest.mark.parametrize("text", ["timeout=0.1", "429", "429=lots", "5xx=1.5", "drop=-0.1", "429=0.6,5xx=0.6"])
def test_bad_specs_are_clear_errors(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_faults(text)
    assert info.value.exit_code == 78  # the configuration code (EX_CONFIG)


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        parse_faults("timeout=0.1")
    assert "429" in str(info.value) and "jobfail" in str(info.value)


def test_same_seed_same_fault_sequence() -> None:
    spec = parse_faults("429=0.2,5xx=0.1,slow=0.1,drop=0.1,jobfail=0.3")
    first, second = FaultInjector(spec, seed=7), FaultInjector(spec, seed=7)
    sequence = [first.draw() for _ in range(300)]
    assert sequence == [second.draw() for _ in range(300)]
    assert [first.job_fails() for _ in range(50)] == [second.job_fails() for _ in range(50)]
    other = FaultInjector(spec, seed=8)
    assert sequence != [other.draw() for _ in range(300)]


def test_shares_are_roughly_honoured() -> None:
    injector = FaultInjector(parse_faults("429=0.2,5xx=0.1"), seed=1)
    draws = [injector.draw() for _ in range(5000)]
    assert 0.17 < draws.count("429") / 5000 < 0.23
    server_errors = [d for d in draws if d in ("500", "502", "503")]
    assert 0.08 < len(server_errors) / 5000 < 0.12
    assert {"500", "502", "503"} == set(server_errors)
    assert "slow" not in draws and "drop" not in draws


def test_no_faults_never_fire() -> None:
    injector = FaultInjector(FaultSpec(), seed=3)
    assert {injector.draw() for _ in range(1000)} == {None}
    assert not any(injector.job_fails() for _ in range(100))
