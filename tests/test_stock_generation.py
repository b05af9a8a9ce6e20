"""Generating UiTPAS numbers (PROVISIONED cards) and exporting them for the supplier."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cardsystems import bulk_sql, services
from cardsystems.models import Card, CardHistory, CardStatus, CardType
from cardsystems.selectors import generated_numbers
from cardsystems.uitpas_numbers import is_valid_uitpas_number, make_uitpas_number
from tests.factories import CardFactory, CardSystemFactory
from tests.stock import aalst_number, refusal


def test_numbers_follow_the_highest_serial_of_the_card_system(demo):
    # The highest Aalst number of the demo data is 09300 568788 0 2.
    batch = services.generate_cards(user=demo.user("ksb-aalst"), card_system=demo.aalst, count=3)
    expected = [aalst_number(serial) for serial in (568789, 568790, 568791)]
    assert (batch.count, batch.first_number, batch.last_number) == (3, expected[0], expected[-1])
    cards = Card.objects.filter(uitpas_number__in=expected)
    assert sorted(cards.values_list("uitpas_number", "status", "chip_number", "card_type", "kansenpas")) == [
        (number, CardStatus.PROVISIONED, None, CardType.CARD, False) for number in expected
    ]
    assert all(is_valid_uitpas_number(number) for number in expected)
    rows = CardHistory.objects.filter(card__in=cards)
    assert (
        sorted(rows.values_list("from_status", "to_status", "reason", "user__username", "balie"))
        == [("", "PROVISIONED", "GENERATED", "ksb-aalst", None)] * 3
    )


def test_the_kansenpas_digit_is_the_one_asked_for_and_serials_go_on(demo):
    ksb = demo.user("ksb-aalst")
    regular = services.generate_cards(user=ksb, card_system=demo.aalst, count=2)
    kansenpas = services.generate_cards(user=ksb, card_system=demo.aalst, count=2, kansenpas=True)
    assert kansenpas.first_number == aalst_number(568791, kansenpas=True)
    assert kansenpas.first_number[11] == "1"
    assert Card.objects.get(uitpas_number=kansenpas.last_number).kansenpas is True
    assert Card.objects.get(uitpas_number=regular.last_number).kansenpas is False


def test_a_new_card_system_starts_at_serial_zero(db, admin_user):
    """So that a five-digit prefix holds a million numbers, 000000 to 999999."""
    card_system = CardSystemFactory(number_prefix="01234")
    batch = services.generate_cards(
        user=admin_user, card_system=card_system, count=2, card_type=CardType.STICKER
    )
    assert batch.first_number == make_uitpas_number(prefix="01234", serial=0, kansenpas=False)
    assert Card.objects.get(uitpas_number=batch.first_number).card_type == CardType.STICKER


def test_a_full_card_system_refuses_more_numbers(db, admin_user):
    card_system = CardSystemFactory(number_prefix="01234")
    CardFactory(card_system=card_system, serial=999_998, status=CardStatus.PROVISIONED, chip_number=None)
    error = refusal(lambda: services.generate_cards(user=admin_user, card_system=card_system, count=2))
    assert (error.code, error.field) == ("ACTION_FAILED", "count")
    services.generate_cards(user=admin_user, card_system=card_system, count=1)


def test_numbers_another_card_system_holds_are_not_generated_again(db, admin_user):
    """A card system without a prefix has 11-digit serials, which may run into the
    numbers of a card system with a prefix."""
    without_prefix = CardSystemFactory(number_prefix="")
    with_prefix = CardSystemFactory(number_prefix="00000")
    CardFactory(card_system=with_prefix, serial=1, status=CardStatus.STOCK)
    error = refusal(lambda: services.generate_cards(user=admin_user, card_system=without_prefix, count=5))
    assert error.code == "ACTION_FAILED"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"count": 0}, "INVALID_PARAMETERS"),
        ({"card_type": "BRACELET"}, "INVALID_PARAMETERS"),
        ({"user": "ann"}, "ACCESS_DENIED"),
        ({"card_system": "gent"}, "ACCESS_DENIED"),
    ],
)
def test_generation_refusals(demo, changes, code):
    arguments = {"user": demo.user("ksb-aalst"), "card_system": demo.aalst, "count": 2}
    if "user" in changes:
        changes = changes | {"user": demo.user(changes["user"])}
    if "card_system" in changes:
        changes = changes | {"card_system": getattr(demo, changes["card_system"])}
    assert refusal(lambda: services.generate_cards(**arguments | changes)).code == code


def test_the_export_lists_the_numbers_of_one_batch(demo):
    ksb = demo.user("ksb-aalst")
    services.generate_cards(user=ksb, card_system=demo.aalst, count=2)
    batch = services.generate_cards(user=ksb, card_system=demo.aalst, count=3, kansenpas=True)
    services.generate_cards(user=ksb, card_system=demo.aalst, count=2)
    numbers = list(
        generated_numbers(
            card_system=demo.aalst, first_number=batch.first_number, last_number=batch.last_number
        )
    )
    assert numbers == [aalst_number(serial, kansenpas=True) for serial in (568791, 568792, 568793)]


def test_generation_reports_its_progress(demo, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 4)
    done = []
    services.generate_cards(user=demo.user("admin"), card_system=demo.gent, count=10, progress=done.append)
    assert done == [4, 8, 10]
    assert Card.objects.filter(card_system=demo.gent, status=CardStatus.PROVISIONED).count() == 10
    assert CardHistory.objects.filter(reason="GENERATED").count() == 10


def test_a_big_job_refreshes_the_planners_statistics(demo, monkeypatch):
    monkeypatch.setattr(bulk_sql, "REFRESH_STATISTICS_AFTER", 5)

    def analyzed(count: int) -> bool:
        with CaptureQueriesContext(connection) as queries:
            services.generate_cards(user=demo.user("admin"), card_system=demo.gent, count=count)
        return any(query["sql"].startswith("ANALYZE") for query in queries.captured_queries)

    assert not analyzed(4)
    assert analyzed(5)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [Card._meta.db_table])
            assert cursor.fetchone()[0] > 0
