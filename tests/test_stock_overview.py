"""The stock overview: per balie, cards sent and arrived, regular and kansenpas, the same
counts as countCards, with bars; the balies below their minimum marked; links into the
card list; for administrators and superusers only; a few queries however many balies."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cardsystems.models import CardStatus
from cardsystems.selectors import balie_card_counters
from tests.factories import BalieFactory, CardFactory

OVERVIEW = reverse("admin:cardsystems_card_stock_overview")
DUTCH = {"Accept-Language": "nl-BE"}


def rows_of(response) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    assert response.status_code == 200, response.status_code
    return {
        (row.stock.card_system.name, row.stock.balie.name): (
            row.stock.arrived_regular,
            row.stock.arrived_kansenpas,
            row.stock.sent_regular,
            row.stock.sent_kansenpas,
        )
        for row in response.context["rows"]
    }


def test_an_administrator_sees_the_balies_of_their_card_system(demo, admin_as):
    assert rows_of(admin_as("ksb-aalst").get(OVERVIEW)) == {
        ("UiTPAS Regio Aalst", "Bibliotheek Aalst"): (4, 3, 1, 0),
        ("UiTPAS Regio Aalst", "CC De Werf"): (2, 0, 0, 0),
        ("UiTPAS Regio Aalst", "Toneelvereniging Haaltert"): (0, 0, 0, 0),
    }


def test_a_superuser_sees_every_balie_and_clerks_none(demo, admin_as):
    assert set(rows_of(admin_as("admin").get(OVERVIEW))) == {
        ("UiTPAS Gent", "Bibliotheek Gent"),
        ("UiTPAS Regio Aalst", "Bibliotheek Aalst"),
        ("UiTPAS Regio Aalst", "CC De Werf"),
        ("UiTPAS Regio Aalst", "Toneelvereniging Haaltert"),
    }
    for clerk in ("ann", "bert", "greet"):
        assert admin_as(clerk).get(OVERVIEW).status_code == 403


def test_the_card_list_offers_it_to_administrators_only(demo, admin_as):
    card_list = reverse("admin:cardsystems_card_changelist")
    assert OVERVIEW in admin_as("ksb-aalst").get(card_list).content.decode()
    assert OVERVIEW not in admin_as("ann").get(card_list).content.decode()


def test_the_counts_are_those_of_count_cards(demo, admin_as):
    # A balie that left a card system while its cards are still there counts them too.
    CardFactory(
        card_system=demo.gent, status=CardStatus.SENT_TO_BALIE, balie=demo.de_werf, kansenpas_card=True
    )
    CardFactory.create_batch(2, card_system=demo.aalst, status=CardStatus.SENT_TO_BALIE, balie=demo.bib_aalst)
    admin = demo.user("admin")
    from_count_cards = {}
    for balie in (demo.bib_aalst, demo.de_werf, demo.toneel, demo.bib_gent):
        for counter in balie_card_counters(user=admin, balie_consumer_key=balie.consumer_key):
            key = (counter.card_system.name, balie.name)
            arrived = counter.status == CardStatus.LOCAL_STOCK
            index = (0 if arrived else 2) + (1 if counter.kansenpas else 0)
            from_count_cards.setdefault(key, [0, 0, 0, 0])[index] = counter.count
    overview = rows_of(admin_as("admin").get(OVERVIEW))
    assert overview == {key: tuple(counts) for key, counts in from_count_cards.items()}
    assert overview[("UiTPAS Gent", "CC De Werf")] == (0, 0, 0, 1)


def test_a_few_queries_however_many_balies(demo, admin_as):
    client = admin_as("admin")
    client.get(OVERVIEW)  # warm the caches (content types, the session)
    with CaptureQueriesContext(connection) as few_balies:
        client.get(OVERVIEW)
    for _ in range(30):
        balie = BalieFactory(card_system=demo.aalst, minimum_stock=5)
        CardFactory(card_system=demo.aalst, status=CardStatus.LOCAL_STOCK, balie=balie)
    with CaptureQueriesContext(connection) as many_balies:
        response = client.get(OVERVIEW)
    assert len(response.context["rows"]) == 34
    assert len(many_balies.captured_queries) == len(few_balies.captured_queries)
    assert len(few_balies.captured_queries) <= 12


def test_a_balie_below_its_minimum_is_marked(demo, admin_as):
    demo.bib_aalst.minimum_stock = 8  # it has 7 arrived (and 1 on its way)
    demo.bib_aalst.save()
    demo.de_werf.minimum_stock = 2  # exactly its 2
    demo.de_werf.save()
    response = admin_as("ksb-aalst").get(OVERVIEW, headers=DUTCH)
    below = {row.stock.balie.name for row in response.context["rows"] if row.stock.below_minimum}
    assert below == {"Bibliotheek Aalst"}
    page = response.content.decode()
    assert page.count('class="below-minimum"') == 1
    assert page.count("onder het minimum") == 1


def test_each_count_opens_its_cards_in_the_card_list(demo, admin_as):
    client = admin_as("ksb-aalst")
    [row] = [row for row in client.get(OVERVIEW).context["rows"] if row.stock.balie == demo.bib_aalst]
    for kind, count in [
        ("arrived_regular", 4),
        ("arrived_kansenpas", 3),
        ("sent_regular", 1),
        ("sent_kansenpas", 0),
    ]:
        listed = client.get(row.links[kind])
        assert listed.status_code == 200
        assert len(listed.context["cl"].result_list) == count, kind


def test_the_bars_are_drawn_on_one_scale_without_inline_style(demo, admin_as):
    demo.de_werf.minimum_stock = 14
    demo.de_werf.save()
    response = admin_as("ksb-aalst").get(OVERVIEW)
    rows = {row.stock.balie.name: row for row in response.context["rows"]}
    # The largest on the page (the minimum 14) fills the bar: 240 units.
    assert rows["CC De Werf"].minimum_at == 240.0
    assert [(s.kind, s.start, s.length) for s in rows["Bibliotheek Aalst"].segments] == [
        ("arrived-regular", 0.0, 68.6),
        ("arrived-kansenpas", 68.6, 51.4),
        ("sent-regular", 120.0, 17.1),
    ]
    content = response.content.decode().split('id="content"')[1]
    assert "<svg" in content and not re.search(r"\sstyle=", content)


@pytest.mark.parametrize(("username", "expected"), [("ksb-aalst", 1), ("admin", 2)])
def test_one_table_per_card_system(demo, admin_as, username, expected):
    assert admin_as(username).get(OVERVIEW).content.decode().count('class="stock-table"') == expected
