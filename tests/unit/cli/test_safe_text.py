"""Terminal and export safety: applicant data never acts on a terminal or a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.table import Table
from rich.text import Text

from commops.cli.console import SafeConsole
from commops.cli.render import Format, render
from commops.safe_text import REPLACEMENT, clean, csv_cell, has_unsafe, json_safe

HOSTILE = [
    "\x1b]0;pwned\x07",  # window title
    "\x1b[2J\x1b[H",  # clear screen
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",  # hyperlink
    "\x9b31m",  # C1 CSI
    "a\rb",  # carriage return rewrites the line
    "\ud800x",  # lone surrogate
    "\u202eevil",  # right-to-left override
    "\x00\x7f",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_clean_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    cleaned = clean(text)
    assert not has_unsafe(cleaned)
    assert REPLACEMENT in cleaned
    cleaned.encode("utf-8")  # no lone surrogate left to crash stdout


def test_clean_keeps_ordinary_text() -> None:
    text = "Zoë Ünal <zoe@uni.example>\n\tline two — 100%"
    assert clean(text) == text


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell: str) -> None:
    value = csv_cell(cell)
    assert isinstance(value, str) and value.startswith("'")
    assert not has_unsafe(value)


def test_numbers_and_plain_text_stay_as_they_are() -> None:
    assert csv_cell(-3) == -3 and csv_cell(2.5) == 2.5 and csv_cell(None) is None
    assert csv_cell("bob@example.org") == "bob@example.org"


def test_json_safe_keeps_the_data_and_escapes_the_rest() -> None:
    data = {"name": "\x9b31m Zoë \u202e"}
    text = json_safe(json.dumps(data, ensure_ascii=False))
    assert not has_unsafe(text) and "Zoë" in text
    assert json.loads(text) == data


def test_csv_writer_cleans_and_neutralises_every_cell() -> None:
    out = io.StringIO()
    render(Format.csv, [{"name": "=cmd|' /C calc'!A0", "email": "[red]bob[/red]@x.org\x1b[2J", "n": -1}],
           console=SafeConsole(file=out))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["name"].startswith("'=")
    assert rows[0]["email"] == f"[red]bob[/red]@x.org{REPLACEMENT}[2J"
    assert rows[0]["n"] == "-1"
    assert not has_unsafe(out.getvalue())


def test_tsv_when_piped_cleans_every_cell() -> None:
    out = io.StringIO()
    render(Format.table, [{"who": text} for text in HOSTILE], console=SafeConsole(file=out))
    assert out.getvalue().startswith("who\n") and not has_unsafe(out.getvalue())


def _console() -> tuple[SafeConsole, io.StringIO]:
    buffer = io.StringIO()
    return SafeConsole(file=buffer, width=200, force_terminal=True, color_system="standard"), buffer


def test_console_prints_markup_and_emoji_codes_as_text() -> None:
    console, buffer = _console()
    console.print("[red]bob[/red]@example.org line :100:")
    assert "[red]bob[/red]@example.org line :100:" in buffer.getvalue()


def test_console_keeps_its_own_styles_but_no_control_character_from_data() -> None:
    console, buffer = _console()
    table = Table()
    table.add_column("who")
    table.add_column("outcome")
    for text in HOSTILE:
        table.add_row(text, Text("qualify", style="green"))
    console.print(table)
    console.print(Text.assemble(("\x1b]0;title\x07", "bold"), " tail"))
    output = buffer.getvalue()
    assert "\x1b[32mqualify" in output  # rich's own colour codes survive
    assert "\x1b]" not in output and "\x07" not in output and "\x9b" not in output and "\r" not in output
    stripped = output.replace("\x1b[", "")  # what is left once rich's SGR sequences are set aside
    assert "\x1b" not in stripped
