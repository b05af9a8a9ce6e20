"""The Dutch catalogue is complete, plural forms included, and the committed .mo is
compiled from the .po; every message of Django's admin has Dutch, from Django's own
catalogues or, where they lack it, from ours (``uitpas_site/library_messages.py``)."""

import ast
import gettext
import re
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.utils.translation import trans_real

from uitpas_site import library_messages

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"
DJANGO = Path(django.__file__).parent
# The parts of Django whose messages the back-office shows: Django's own (form fields,
# validation) and the contrib apps it installs.
DJANGO_CATALOGUES = [DJANGO / "conf" / "locale"] + [
    DJANGO / "contrib" / app / "locale" for app in ("admin", "auth", "contenttypes", "sessions")
]


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    translations: tuple[str, ...]  # msgstr, or msgstr[0], msgstr[1], … for a plural

    @property
    def key(self):
        """Its key in a compiled catalogue (Python's gettext, Django's merged catalogue)."""
        msgid = f"{self.context}\x04{self.msgid}" if self.context is not None else self.msgid
        return (msgid, 0) if self.plural is not None else msgid


FIELD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$")


def po_entries(path: Path) -> list[Entry]:
    """The entries of a .po file (not its header, not obsolete ones); fails on a fuzzy one."""
    entries, fields, field, fuzzy = [], {}, None, False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif match := FIELD.match(line):
            field = match.group(1)
            fields.setdefault(field, []).append(ast.literal_eval(match.group(3)))
        elif line.startswith('"') and field:
            fields[field].append(ast.literal_eval(line))
        elif not line.strip():
            msgid = "".join(fields.get("msgid", []))
            if msgid:
                assert not fuzzy, f"fuzzy translation of {msgid!r}"
                plural = "".join(fields["msgid_plural"]) if "msgid_plural" in fields else None
                names = sorted(name for name in fields if name.startswith("msgstr["))
                translations = tuple("".join(fields[name]) for name in names or ["msgstr"])
                context = "".join(fields["msgctxt"]) if "msgctxt" in fields else None
                entries.append(Entry(context, msgid, plural, translations))
            fields, field, fuzzy = {}, None, False
    return entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_has_a_dutch_translation(domain):
    entries = po_entries(CATALOGUE / f"{domain}.po")
    assert entries
    assert [entry.msgid for entry in entries if not all(entry.translations)] == []
    # Dutch has two plural forms: one, and every other number.
    assert [entry.msgid for entry in entries if entry.plural and len(entry.translations) != 2] == []


def test_the_catalogue_is_the_projects_own_and_large():
    assert len(po_entries(CATALOGUE / "django.po")) > 100


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_matches_the_po_file(domain):
    with open(CATALOGUE / f"{domain}.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in po_entries(CATALOGUE / f"{domain}.po"):
        if entry.plural is None:
            assert compiled.gettext(entry.msgid) == entry.translations[0]
        else:
            assert (
                compiled.ngettext(entry.msgid, entry.plural, 1),
                compiled.ngettext(entry.msgid, entry.plural, 2),
            ) == entry.translations, entry.msgid


def _dutch(domain: str, locale_dir: Path):
    """The Dutch messages Django uses in ``domain``: for "django" the merged catalogue of
    every installed app and ours; for the admin's scripts, the admin's and ours (as
    Django's JavaScriptCatalog reads them)."""
    if domain == "django":
        return trans_real.translation("nl")._catalog
    return trans_real.DjangoTranslation("nl", domain=domain, localedirs=[str(locale_dir)])._catalog


@pytest.mark.parametrize(
    ("domain", "locale_dir"),
    [
        (domain, locale_dir)
        for locale_dir in DJANGO_CATALOGUES
        for domain in ("django", "djangojs")
        if (locale_dir / "en" / "LC_MESSAGES" / f"{domain}.po").exists()
    ],
    ids=lambda value: value.parent.name if isinstance(value, Path) else value,
)
def test_every_message_of_django_has_dutch(domain, locale_dir):
    english = po_entries(locale_dir / "en" / "LC_MESSAGES" / f"{domain}.po")
    dutch = _dutch(domain, locale_dir)
    assert [entry.msgid for entry in english if entry.key not in dutch] == []


def _keys(messages) -> set:
    keys = set()
    for message in messages:
        if isinstance(message, str):
            keys.add(message)
        else:  # ngettext_lazy: its singular
            keys.add((message._kw["singular"], 0))
    return keys


def test_the_messages_we_translate_for_django_are_still_missing_from_its_catalogues():
    """When Django's Dutch catalogues catch up, our copies of its messages go."""
    djangos_own = set()
    for locale_dir in DJANGO_CATALOGUES:
        with open(locale_dir / "nl" / "LC_MESSAGES" / "django.mo", "rb") as compiled:
            djangos_own |= set(gettext.GNUTranslations(compiled)._catalog)
    assert _keys(library_messages.DJANGO) & djangos_own == set()
    ours = trans_real.translation("nl")._catalog
    assert [key for key in _keys(library_messages.DJANGO) if key not in ours] == []


def test_the_messages_of_django_axes_have_dutch():
    axes_dutch = Path(__import__("axes").__file__).parent / "locale" / "nl"
    assert not axes_dutch.exists(), "django-axes has Dutch now: drop library_messages.AXES"
    ours = trans_real.translation("nl")._catalog
    assert [key for key in _keys(library_messages.AXES) if key not in ours] == []
