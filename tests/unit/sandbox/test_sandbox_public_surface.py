from __future__ import annotations

import commops.sandbox as sandbox


def test_exports_are_sorted_and_importable() -> None:
    assert sandbox.__all__ == sorted(sandbox.__all__)
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None
    assert {"SandboxServer", "SandboxStore", "start_embedded", "render_placeholders"} <= set(sandbox.__all__)
