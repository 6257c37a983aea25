"""Every module says what it exports (httpx-style): ``__all__`` present, sorted, complete and importable."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import commops

MODULES = sorted(m.name for m in pkgutil.walk_packages(commops.__path__, "commops.") if not m.name.endswith("__main__"))
PACKAGES = sorted(m.name for m in pkgutil.walk_packages(commops.__path__, "commops.") if m.ispkg)
NOT_EXPORTS = {"annotations", "TYPE_CHECKING", "import_module", "Any"}  # machinery of lazy packages


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_a_sorted_importable_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(set(exported), key=_isort_key), f"{name}.__all__ is not sorted or repeats"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_of_a_package_is_exported(name: str) -> None:
    """What a package's ``__init__`` imports for its users is in ``__all__`` (nothing public by accident)."""
    package = importlib.import_module(name)
    public = {
        n for n, v in vars(package).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType) and n not in NOT_EXPORTS
    }
    unexported = sorted(public - set(package.__all__))
    assert not unexported, f"{name} exposes names not in __all__: {unexported}"
