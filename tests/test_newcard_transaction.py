"""newCard is one transaction, and its cost does not grow with the stock."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cardsystems.models import Card, CardStatus
from passholders import services
from passholders.services import register_new_card
from tests.conftest import KEYS, SEED_REQUEST, UIDS, database_state, error_code
from tests.factories import CardFactory
from uitpas_site.errors import UitpasError

# Queries of a successful newCard through the API, without a voucher: token; balie;
# card (locked) with the balie's right; passholder (locked); membership with its current
# card; the price list's rows that may fit; new card, old card, membership, card
# history, audit log, the sale. Two more in tests: the SAVEPOINT and its RELEASE,
# because each test runs inside a transaction of its own.
NEW_CARD_QUERIES = 14


@pytest.mark.parametrize("other_cards", [10, 1000])
def test_queries_of_a_successful_new_card_do_not_grow_with_the_stock(
    demo, api_as, django_assert_num_queries, other_cards
):
    CardFactory.create_batch(
        other_cards, card_system=demo.aalst, status=CardStatus.LOCAL_STOCK, balie=demo.bib_aalst
    )
    client = api_as("ann")
    with django_assert_num_queries(NEW_CARD_QUERIES):
        response = client.post("/uitpas/passholder/newCard", SEED_REQUEST)
    assert response.status_code == 200


def test_a_voucher_costs_two_queries_more(demo, api_as, django_assert_num_queries):
    client = api_as("ann")
    with django_assert_num_queries(NEW_CARD_QUERIES + 2):
        response = client.post("/uitpas/passholder/newCard", {**SEED_REQUEST, "voucherNumber": "1000001"})
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_first_write_leaves_the_database_unchanged(demo, monkeypatch):
    """The history rows are written last; when that fails, the card, the old card, the
    membership and the voucher changed before it must all be rolled back."""

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk full")

    before = database_state()
    monkeypatch.setattr(services, "insert", broken_insert)
    with CaptureQueriesContext(connection) as queries, pytest.raises(RuntimeError):
        register_new_card(
            user=demo.user("ann"),
            uid=UIDS.pieter,
            reason="DEFECT",
            uitpas_number="0930000000206",
            voucher_number="1000001",
            balie_consumer_key=KEYS.bib_aalst,
        )
    assert sum(query["sql"].startswith("UPDATE") for query in queries.captured_queries) >= 3
    assert database_state() == before


@pytest.mark.django_db(transaction=True)
def test_a_failing_api_request_changes_nothing(demo, api_as, monkeypatch):
    monkeypatch.setattr(services, "insert", lambda *a, **k: 1 / 0)
    before = database_state()
    response = api_as("ann").post("/uitpas/passholder/newCard", SEED_REQUEST)
    assert (response.status_code, error_code(response)) == (500, "INTERNAL_ERROR")
    assert database_state() == before
    assert Card.objects.get(uitpas_number="0930000000107").status == CardStatus.LOCAL_STOCK


def test_a_domain_error_is_one_error_type_with_its_field(demo):
    with pytest.raises(UitpasError) as refused:
        register_new_card(
            user=demo.user("ann"),
            uid=UIDS.pieter,
            reason="DEFECT",
            uitpas_number="0930000000206",
            voucher_number="x1",
            balie_consumer_key=KEYS.bib_aalst,
        )
    assert (refused.value.code, refused.value.field) == ("PARSE_INVALID_VOUCHERNUMBER", "voucher_number")
