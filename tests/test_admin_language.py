"""Every admin page speaks the reader's language: walked as each demo user, in Dutch and
in English, no page shows a text of the project or of Django that stayed in one language,
and no API code outside small print.

The walker finds its pages itself: every model admin registered on the site (its list,
its add page, the page of its first object the person may see) and the back-office's own
pages in ``EXTRA_PAGES``, so that a model admin added later joins it without a change here.

A text counts as untranslated when it sits in the same place of the Dutch and the English
rendering and a word of it is in both, unless that word is the same in both languages
(a word of both the English messages and their Dutch translations, such as "filter",
"status" or "kansenpas"), or comes from the data (names, numbers, user names). Text in
``<small>`` is small print, where codes belong.
"""

import functools
import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import trans_real
from guardian.shortcuts import assign_perm

from cardsystems import services
from passholders.admin import PassholderAdmin
from passholders.models import Passholder
from passholders.selectors import balies_worked_at
from passholders.services import register_new_card
from tests.conftest import KEYS, UIDS
from tests.stock import ids_of
from tests.visible_text import API_CODE, side_by_side, visible_text, words

USERS = ["admin", "ksb-aalst", "ann", "bert", "greet"]
LANGUAGES = {"nl": "nl-BE,nl;q=0.9", "en": "en-GB,en;q=0.9"}

# The back-office's pages beyond the model admins' lists and forms (their own extra views,
# the error pages): each person sees them, or the page that refuses them (403), which must
# speak their language too. A new page of that kind is added here.
EXTRA_PAGES = [
    "admin:index",
    "admin:password_change",
    "admin:cardsystems_card_generate",
    "admin:cardsystems_card_import",
    "admin:cardsystems_card_send_packages",
    "admin:cardsystems_card_stock_overview",
    "admin:cardsystems_sale_collected",
    "admin:counter",
    "admin:counter_balie",
    "admin:guide",
    "/admin/no-such-page/",
]


def pages_of(user) -> list[str]:
    """The admin pages the person may open: for every registered model they may see,
    its list, its add page and the page of its first object; and the extra pages."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None and model_admin.has_view_or_change_permission(request, first):
            pages.append(reverse(f"{name}_change", args=[first.pk]))
    return pages + [page if page.startswith("/") else reverse(page) for page in EXTRA_PAGES]


def counter_pages(client, user) -> list[str]:
    """For a clerk: the counter with the first of their balies chosen, and the counter's
    page of the first passholder they see."""
    balies = [worked.balie for worked in balies_worked_at(user) if worked.may_register_cards]
    if not balies:
        return []
    client.post(reverse("admin:counter_balie"), {"balie": str(balies[0].pk)})
    request = RequestFactory().get("/admin/")
    request.user = user
    first = PassholderAdmin(Passholder, admin.site).get_queryset(request).order_by("pk").first()
    return [reverse("admin:counter")] + (
        [reverse("admin:counter_passholder", args=[first.pk])] if first is not None else []
    )


NOISE = re.compile(
    r"%\(\w+\)\w|%\w|\{\w*\}|<[^>]+>|https?://\S+"  # placeholders, markup, addresses
    r"|\b\w*_\w*\b|\b[A-Z]{5,}\b"  # identifiers and codes: API_CODES, STOCK, field_names
    r"|\S*\*{3,}"  # a masked secret ("Lz*****", a password hash's salt)
)


def prose_words(text: str) -> set[str]:
    return words(NOISE.sub(" ", text))


@functools.cache
def words_of_both_languages() -> frozenset[str]:
    """Words that are the same in English and Dutch: those of the English messages that
    their Dutch translations use too ("filter", "status", "kansenpas", "API")."""
    catalogue = trans_real.translation("nl")._catalog
    english, dutch = set(), set()
    for key, translation in catalogue.items():
        message = (key[0] if isinstance(key, tuple) else key).rsplit("\x04", 1)[-1]
        english |= prose_words(message)
        dutch |= prose_words(translation)
    return frozenset(english & dutch)


def words_of_the_data() -> set[str]:
    """Every word stored in the database: names, user names, numbers, what the audit log
    copied. Django's permission names and model labels are no data but its own text."""
    found = set()
    for model in apps.get_models():
        if model in (Permission, ContentType):
            continue
        text_fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField | models.UUIDField)
        ]
        for obj in model._default_manager.all():
            for name in text_fields:
                value = getattr(obj, name)
                found |= words(value if isinstance(value, str) else json.dumps(value, default=str))
    return found


def untranslated(dutch_page: str, english_page: str, data: set[str]) -> list[str]:
    both = words_of_both_languages()
    found = []
    for dutch, english in side_by_side(visible_text(dutch_page), visible_text(english_page)):
        if dutch.small or english.small or dutch.foreign:
            continue
        shared = prose_words(dutch.text) & prose_words(english.text)
        if shared - data - both:
            found.append(dutch.text if dutch.text == english.text else f"{dutch.text} | {english.text}")
    return found


def api_codes(page: str) -> list[str]:
    return [node.text for node in visible_text(page) if not node.small and API_CODE.search(node.text)]


@pytest.fixture
def activity(demo):
    """What the log and the history show once the back-office has been used: a new card,
    stock moved, a card blocked, a right granted, staff changed."""
    ksb = demo.user("ksb-aalst")
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.ellen,
        reason="LOSS_KANSENSTATUUT",
        uitpas_number="0930000000107",
        voucher_number="1000001",
        balie_consumer_key=KEYS.bib_aalst,
    )
    services.send_cards_to_balie(user=ksb, card_ids=ids_of("0930000000800"), balie=demo.de_werf)
    services.confirm_arrival(user=demo.user("bert"), card_ids=ids_of("0930000000800"))
    services.block_cards(user=ksb, card_ids=ids_of("0930056878802"))
    assign_perm("cardsystems.passholder_block", demo.toneel.permission_group, demo.aalst)
    demo.de_werf.staff.add(demo.user("ann"))
    demo.bib_aalst.minimum_stock = 10
    demo.bib_aalst.save()


@pytest.mark.parametrize("username", USERS)
def test_every_admin_page_speaks_the_readers_language(demo, activity, admin_as, username):
    user = get_user_model().objects.get(username=username)
    client = admin_as(username)
    data = words_of_the_data()
    problems = {}
    for page in pages_of(user) + counter_pages(client, user):
        rendered = {}
        for language, header in LANGUAGES.items():
            # The index sends a clerk on to the counter: the page they land on counts.
            response = client.get(page, headers={"Accept-Language": header}, follow=True)
            assert response.status_code in (200, 403, 404), (page, response.status_code)
            rendered[language] = response.content.decode()
        found = untranslated(rendered["nl"], rendered["en"], data)
        codes = api_codes(rendered["nl"]) + api_codes(rendered["en"])
        if found or codes:
            problems[page] = {"untranslated": found, "API codes": codes}
    assert problems == {}


def test_the_walker_sees_what_it_looks_for():
    """The control: the comparison does flag a text left in English, a mixed one and a
    code outside small print, and lets pass words of both languages, data and small print."""
    dutch = (
        "<h1>Filter by wanneer</h1><p>- Select an option -</p><p>Status: actief</p>"
        "<p>Bibliotheek Aalst</p><p>Kaart <small>LOCAL_STOCK</small></p><p>Status LOCAL_STOCK</p>"
    )
    english = (
        "<h1>Filter by when</h1><p>- Select an option -</p><p>Status: active</p>"
        "<p>Bibliotheek Aalst</p><p>Card <small>LOCAL_STOCK</small></p><p>Status LOCAL_STOCK</p>"
    )
    assert untranslated(dutch, english, data={"bibliotheek", "aalst"}) == [
        "Filter by wanneer | Filter by when",
        "- Select an option -",
    ]
    assert api_codes(dutch) == ["Status LOCAL_STOCK"]
