"""The Dutch catalogue is complete, and the committed .mo is compiled from the .po."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"
# msgid, msgid_plural, msgstr, msgstr[0], msgstr[1], ...
FIELD = re.compile(r"^(msgid|msgid_plural|msgstr(?:\[\d+\])?) ")


def po_entries(path: Path) -> dict[str, str | tuple[str, ...]]:
    """msgid → msgstr; for a plural entry (msgid, msgid_plural) → its msgstr[n] in order."""
    entries, current, key = {}, {}, None
    fuzzy = False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        field = FIELD.match(line)
        if field:
            key = field.group(1)
            current.setdefault(key, []).append(ast.literal_eval(line[field.end() :]))
        elif line.startswith('"') and key:
            current[key].append(ast.literal_eval(line))
        if not line.strip():
            msgid = "".join(current.get("msgid", []))
            if msgid:
                assert not fuzzy, f"fuzzy translation of {msgid!r}"
                if "msgid_plural" in current:
                    plural = "".join(current["msgid_plural"])
                    forms = sorted(name for name in current if name.startswith("msgstr["))
                    entries[(msgid, plural)] = tuple("".join(current[name]) for name in forms)
                else:
                    entries[msgid] = "".join(current.get("msgstr", []))
            current, key, fuzzy = {}, None, False
    return entries


def test_every_string_has_a_dutch_translation():
    entries = po_entries(CATALOGUE / "django.po")
    assert len(entries) > 100
    untranslated = [
        msgid
        for msgid, msgstr in entries.items()
        if (not all(msgstr) or len(msgstr) < 2 if isinstance(msgstr, tuple) else not msgstr)
    ]
    assert untranslated == []


def test_plural_entries_are_read():
    entries = po_entries(CATALOGUE / "django.po")
    assert ("%(counter)s passholder", "%(counter)s passholders") in entries


def test_the_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    entries = po_entries(CATALOGUE / "django.po")
    for msgid, msgstr in entries.items():
        if isinstance(msgid, tuple):
            # Dutch has two forms: one for 1, the other for the rest.
            assert (compiled.ngettext(*msgid, 1), compiled.ngettext(*msgid, 2)) == msgstr[:2], msgid
        else:
            assert compiled.gettext(msgid) == msgstr, msgid
