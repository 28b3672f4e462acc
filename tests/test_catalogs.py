"""Every shipped language is complete, and the catalogs match the strings in the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = [code for code, _name in settings.LANGUAGES]
IGNORED = {".venv", "var", ".git", "tests", "bench", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}


def _catalog(root: Path, language: str) -> polib.POFile:
    return polib.pofile(str(root / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_is_complete(language: str) -> None:
    catalog = _catalog(ROOT, language)
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language: str) -> None:
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in _catalog(ROOT, language).translated_entries()}
    compiled = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    built = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled if e.msgid}
    assert built == source, "run `make messages` after editing the .po files"


def test_the_catalogs_are_not_stale(tmp_path: Path) -> None:
    """Extract the strings again in a copy of the tree: the msgids must be the same."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=lambda _dir, names: [n for n in names if n in IGNORED])
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--all", "--no-obsolete", "--no-location",
         "--ignore=.venv", "--ignore=var", "--ignore=tests", "--ignore=bench"],
        cwd=copy, check=True, capture_output=True, timeout=120,
    )
    for language in LANGUAGES:
        fresh = {(e.msgctxt, e.msgid) for e in _catalog(copy, language)}
        shipped = {(e.msgctxt, e.msgid) for e in _catalog(ROOT, language) if not e.obsolete}
        assert fresh == shipped, f"{language}: run `make messages` and translate the new strings"
