"""The Dutch catalogue is complete, and the committed .mo is compiled from the .po."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[str, str]:
    entries, current, key = {}, {"msgid": [], "msgstr": []}, None
    fuzzy = False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        for field in ("msgid", "msgstr"):
            if line.startswith(field + " "):
                key = field
                current[key].append(ast.literal_eval(line[len(field) + 1 :]))
        if line.startswith('"') and key:
            current[key].append(ast.literal_eval(line))
        if not line.strip():
            msgid = "".join(current["msgid"])
            if msgid:
                assert not fuzzy, f"fuzzy translation of {msgid!r}"
                entries[msgid] = "".join(current["msgstr"])
            current, key, fuzzy = {"msgid": [], "msgstr": []}, None, False
    return entries


def test_every_string_has_a_dutch_translation():
    entries = po_entries(CATALOGUE / "django.po")
    assert len(entries) > 100
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    entries = po_entries(CATALOGUE / "django.po")
    assert {msgid: compiled.gettext(msgid) for msgid in entries} == entries
