"""Rule files on disk, beyond reading them: another version of them (a git ref, a directory, an archive)
for ``rules impact``, and ``auto`` written back in place for ``rules promote`` (comments and layout kept)."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ruamel.yaml import YAML

from commops.errors import ConfigError, UsageError

__all__ = ["RuleFileEditor", "rules_at"]


def _safe_members(names: list[str]) -> None:
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise UsageError(f"the rules archive holds an unsafe path: {name}")


def _rules_root(root: Path) -> Path:
    """The directory holding the rule files inside an extracted tree: ``rules/`` if there is one."""
    for candidate in (root / "rules", *sorted(p for p in root.glob("*/rules") if p.is_dir())):
        if candidate.is_dir():
            return candidate
    return root


@contextmanager
def rules_at(ref: str, rules_dir: Path) -> Iterator[Path]:
    """A directory with the rules of ``ref``: a directory or file as given, a ``.tar``/``.tar.gz``/``.zip``
    archive extracted, else a git revision of the repository holding ``rules_dir`` (``git archive``)."""
    path = Path(ref).expanduser()
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="commops-rules-") as tmp:
        target = Path(tmp)
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                _safe_members(archive.namelist())
                archive.extractall(target)
            yield _rules_root(target)
            return
        if path.is_file() and tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                _safe_members(archive.getnames())
                archive.extractall(target, filter="data")
            yield _rules_root(target)
            return
        if path.is_file():
            yield path
            return
        yield _git_rules(ref, rules_dir.resolve(), target)


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"{' '.join(['git', *args[:2]])}: {message[-1] if message else 'failed'}",
                          hint="--against takes a git ref, a directory or a .tar.gz/.zip of rule files")
    return done.stdout


def _git_rules(ref: str, rules_dir: Path, target: Path) -> Path:
    top = Path(_git(["rev-parse", "--show-toplevel"], rules_dir).decode().strip())
    inside = rules_dir.relative_to(top).as_posix()
    data = _git(["archive", "--format=tar", f"{ref}:{inside}" if inside != "." else ref], top)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        _safe_members(archive.getnames())
        archive.extractall(target, filter="data")
    out = target / rules_dir.name
    if not out.exists():
        for item in list(target.iterdir()):
            out.mkdir(exist_ok=True)
            item.rename(out / item.name)
    return out


class RuleFileEditor:
    """Sets ``auto`` on rules by id in their files, round-trip (ruamel): comments, order and quoting stay."""

    def __init__(self, files: list[str]) -> None:
        self.files = [Path(f) for f in files]

    def set_auto(self, changes: dict[str, bool]) -> list[str]:
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=2, sequence=4, offset=2)
        written: list[str] = []
        left = dict(changes)
        for file in self.files:
            text = file.read_text(encoding="utf-8")
            data = yaml.load(text)
            touched = False
            for rule in (data or {}).get("rules") or []:
                rule_id = rule.get("id") if hasattr(rule, "get") else None
                if rule_id in left:
                    if rule.get("auto") != left[rule_id]:
                        rule["auto"] = left[rule_id]
                        touched = True
                    left.pop(rule_id)
            if touched:
                out = io.StringIO()
                yaml.dump(data, out)
                file.write_text(out.getvalue(), encoding="utf-8")
                written.append(str(file))
        if left:
            raise UsageError(f"rule(s) not found in the rule files: {', '.join(sorted(left))}")
        return written
