"""Every string table speaks the glossary's words (server/glossary.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.glossary import GLOSSARY, STRING_TABLES

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff][^\n\"<>]*")


def chinese_strings(path: Path) -> list[str]:
    """Each run of Chinese text in the file (a string's value, a template's sentence)."""
    return CHINESE.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("table", STRING_TABLES)
def test_no_string_uses_a_word_the_glossary_rules_out(table: str) -> None:
    strings = chinese_strings(ROOT / table)
    assert strings, f"{table} has no Chinese strings: is it still a string table?"
    wrong = [(s, term.zh, bad) for s in strings for term in GLOSSARY for bad in term.not_zh if bad in s]
    assert wrong == [], f"{table}: use the glossary's word: {wrong[:5]}"


def test_each_term_is_used_somewhere():
    text = "".join((ROOT / t).read_text(encoding="utf-8") for t in STRING_TABLES)
    assert [t.zh for t in GLOSSARY if t.zh not in text] == []


def test_every_screen_file_with_chinese_text_is_checked():
    """No string table slips past the glossary: every phone or console script in Chinese is listed."""
    scripts = [*ROOT.glob("pwa/js/**/*.js"), *ROOT.glob("pwa/sw/*.js"), *ROOT.glob("pwa/forms/*.js")]
    scripts += ROOT.glob("server/console/static/js/*.js")
    with_chinese = {
        str(p.relative_to(ROOT)) for p in scripts if "generated" not in p.parts and chinese_strings(p)
    }
    assert sorted(with_chinese - set(STRING_TABLES)) == []
