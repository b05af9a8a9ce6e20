"""The statements composed by hand from the models (``uitpas_site.prepared_sql``) are
fenced two ways:

- each gives what the ORM gives for the same question, on the demo data and on
  generated data (nulls, unicode, cards in every status, rights on some card systems
  and not others, inactive users, price rows with and without voucher type);
- its SQL is snapshotted per database in ``tests/sql/``: a model change that changes a
  statement shows up as a failing test and a diff. ``UPDATE_SQL_SNAPSHOTS=1`` rewrites
  the snapshots of the database the run uses (then read the diff before committing).
"""

import datetime
import os
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from guardian.models import GroupObjectPermission
from guardian.shortcuts import assign_perm
from rest_framework.authtoken.models import Token

from cardsystems import price_selectors, selectors
from cardsystems.models import (
    PRICE_REASON_VALUES,
    Balie,
    Card,
    CardStatus,
    CardSystem,
    CardType,
    NewCardReason,
    UitpasPrice,
    Voucher,
    VoucherType,
)
from cardsystems.permissions import CardSystemPermission
from cardsystems.uitpas_numbers import make_uitpas_number
from passholders import newcard_sql
from passholders.models import Membership, Passholder
from uitid import oauth
from uitid.models import AccessToken
from uitid.services import create_consumer, issue_access_token
from uitpas_site import authentication

SNAPSHOTS = Path(__file__).parent / "sql"
CREATE = CardSystemPermission.PASSHOLDER_CREATE.value


def values(obj, *, skip=()) -> dict:
    """Every concrete field of a model instance, by attname."""
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in skip
    }


@pytest.fixture
def generated(demo):
    """More of everything, with the edge cases the demo lacks."""
    ghent_like = CardSystem.objects.create(name="UiTPAS Ω Test", number_prefix="09990")
    balie = Balie.objects.create(name="Balie zonder rechten ü", consumer_key="gen-no-rights-key")
    balie.card_systems.add(ghent_like)
    assign_perm(f"cardsystems.{CREATE}", demo.bib_aalst.permission_group, ghent_like)
    statuses = list(CardStatus)
    cards = []
    for serial in range(1, 25):
        status = statuses[serial % len(statuses)]
        cards.append(
            Card(
                uitpas_number=make_uitpas_number(prefix="09990", serial=serial, kansenpas=serial % 3 == 0),
                chip_number=None if status == CardStatus.PROVISIONED else f"04C{serial:013d}",
                card_system=ghent_like,
                card_type=CardType.CARD if serial % 5 else CardType.STICKER,
                kansenpas=serial % 3 == 0,
                status=status,
                balie=balie if status in (CardStatus.LOCAL_STOCK, CardStatus.SENT_TO_BALIE) else None,
            )
        )
    holders = [
        Passholder.objects.create(first_name="Zoë", name="Ünal", date_of_birth=None, postal_code=""),
        Passholder.objects.create(
            first_name="Jan", name="O'Brien", date_of_birth=datetime.date(2000, 2, 29), postal_code="9000"
        ),
    ]
    for card in cards:
        if card.status in (CardStatus.ACTIVE, CardStatus.BLOCKED):
            card.passholder = holders[0]
    Card.objects.bulk_create(cards)
    Membership.objects.create(passholder=holders[0], card_system=ghent_like, current_card=None)
    voucher_type = VoucherType.objects.create(card_system=ghent_like, name="Gen", prefix="900")
    Voucher.objects.create(voucher_type=voucher_type, number="9000001")
    for reason in (NewCardReason.DEFECT, NewCardReason.EXTRA_CARD):
        UitpasPrice.objects.create(
            card_system=ghent_like,
            reason=reason,
            card_type=CardType.CARD,
            age_from=None,
            age_to=11,
            use_when_age_unknown=False,
            kansenstatuut=False,
            price=Decimal("1.10"),
        )
        UitpasPrice.objects.create(
            card_system=ghent_like,
            reason=reason,
            card_type=CardType.CARD,
            age_from=12,
            age_to=None,
            use_when_age_unknown=True,
            kansenstatuut=False,
            price=Decimal("2.20"),
        )
        UitpasPrice.objects.create(
            card_system=ghent_like,
            reason=reason,
            card_type=CardType.CARD,
            age_from=None,
            age_to=None,
            use_when_age_unknown=True,
            kansenstatuut=False,
            voucher_type=voucher_type,
            price=Decimal("0.00"),
        )
    inactive = get_user_model().objects.create_user("gen-inactive", password="x", is_active=False)
    balie.staff.add(inactive)
    Token.objects.create(user=inactive)
    return ghent_like


def test_the_card_with_the_balies_right_is_the_orms(demo, generated):
    content_type = ContentType.objects.get_for_model(CardSystem)
    groups = [None, *Balie.objects.values_list("permission_group_id", flat=True)]
    cards = list(Card.objects.select_related("card_system"))
    assert len(cards) > 40
    for card in cards:
        for group in groups:
            for locked in (False, True):
                found = newcard_sql.card_with_right(
                    card.uitpas_number,
                    right_of_group=group,
                    right=CREATE,
                    content_type_id=content_type.pk,
                    locked=locked,
                )
                assert found is not None
                assert values(found.card) == values(card)
                assert values(found.card.card_system) == values(card.card_system)
                may_create = GroupObjectPermission.objects.filter(
                    group_id=group,
                    permission__codename=CREATE,
                    content_type=content_type,
                    object_pk=str(card.card_system_id),
                ).exists()
                assert found.balie_may_create == may_create, (card.uitpas_number, group)
    assert (
        newcard_sql.card_with_right(
            "0930000009999", right_of_group=None, right=CREATE, content_type_id=content_type.pk, locked=False
        )
        is None
    )


def test_the_passholder_is_the_orms(demo, generated):
    for passholder in Passholder.objects.all():
        for locked in (False, True):
            assert values(newcard_sql.passholder_by_uid(passholder.uid, locked=locked)) == values(passholder)
    assert newcard_sql.passholder_by_uid(uuid.uuid4(), locked=False) is None


def test_the_membership_with_its_current_card_is_the_orms(demo, generated):
    for passholder in Passholder.objects.all():
        for card_system in CardSystem.objects.all():
            expected = (
                Membership.objects.select_related("current_card")
                .filter(passholder=passholder, card_system=card_system)
                .first()
            )
            found = newcard_sql.membership_with_current_card(passholder.pk, card_system.pk)
            if expected is None:
                assert found is None
                continue
            assert values(found) == values(expected)
            if expected.current_card is None:
                assert found.current_card is None
            else:
                assert values(found.current_card) == values(expected.current_card)


def test_the_price_rows_are_the_orms(demo, generated):
    voucher_types = [None, *VoucherType.objects.all()]
    for card_system in CardSystem.objects.all():
        for reason in PRICE_REASON_VALUES:
            for card_type in CardType.values:
                for kansenpas in (False, True):
                    for voucher_type in voucher_types:
                        sql, price, voucher_columns = price_selectors._price_rows_statement()
                        with connection.cursor() as cursor:
                            cursor.execute(
                                sql,
                                [
                                    card_system.pk,
                                    reason,
                                    card_type,
                                    kansenpas,
                                    getattr(voucher_type, "pk", None),
                                ],
                            )
                            rows = cursor.fetchall()
                        found = [values(price.instance(row[: len(price)])) for row in rows]
                        expected = UitpasPrice.objects.filter(
                            card_system=card_system,
                            reason=reason,
                            card_type=card_type,
                            kansenstatuut=kansenpas,
                        ).order_by("pk")
                        if voucher_type is None:
                            expected = expected.filter(voucher_type=None)
                        else:
                            expected = expected.filter(voucher_type__in=[voucher_type]) | expected.filter(
                                voucher_type=None
                            )
                        assert found == [values(row) for row in expected.order_by("pk")]
                        for row in rows:
                            voucher_part = voucher_columns.instance(row[len(price) :])
                            voucher_type_id = price.instance(row[: len(price)]).voucher_type_id
                            if voucher_type_id is not None:
                                assert values(voucher_part) == values(
                                    VoucherType.objects.get(pk=voucher_type_id)
                                )


def test_the_token_and_its_user_are_the_orms(demo, generated):
    sql, token_columns, user_columns = authentication._token_statement()
    for token in Token.objects.select_related("user"):
        with connection.cursor() as cursor:
            cursor.execute(sql, [token.key])
            row = cursor.fetchone()
        assert values(token_columns.instance(row[: len(token_columns)])) == values(token)
        assert values(user_columns.instance(row[len(token_columns) :])) == values(token.user)


def test_the_balie_and_whether_one_works_there_are_the_orms(demo, generated):
    users = list(get_user_model().objects.all())
    for balie in Balie.objects.all():
        for user in users:
            sql, columns = selectors._balie_statement()
            with connection.cursor() as cursor:
                cursor.execute(sql, [user.pk, balie.consumer_key])
                row = cursor.fetchone()
            assert values(columns.instance(row[: len(columns)])) == values(balie)
            assert bool(row[-1]) == balie.staff.filter(pk=user.pk).exists()


def test_the_access_token_with_consumer_and_user_is_the_orms(demo, generated):
    ann = demo.user("ann")
    credentials = create_consumer(name="Gen app", balie=None, created_by=demo.user("admin"))
    issue_access_token(user=ann, consumer=credentials.consumer, issued_by=demo.user("admin"))
    tokens = list(AccessToken.objects.select_related("consumer", "user"))
    assert len(tokens) > 3
    for token in tokens:
        found = oauth.access_token_with_consumer_and_user(token.token)
        assert values(found) == values(token)
        assert values(found.consumer) == values(token.consumer)
        assert values(found.user) == values(token.user)
    assert oauth.access_token_with_consumer_and_user("no-such-token") is None


STATEMENTS = {
    "newcard_card_locked": lambda: newcard_sql._locked_card_statement()[0],
    "newcard_card": lambda: newcard_sql._unlocked_card_statement()[0],
    "newcard_passholder_locked": lambda: newcard_sql._locked_passholder_statement()[0],
    "newcard_passholder": lambda: newcard_sql._unlocked_passholder_statement()[0],
    "newcard_membership": lambda: newcard_sql._membership_statement()[0],
    "price_rows": lambda: price_selectors._price_rows_statement()[0],
    "drf_token": lambda: authentication._token_statement()[0],
    "balie": lambda: selectors._balie_statement()[0],
    "oauth_access_token": lambda: oauth._token_statement()[0],
    "oauth_nonce": lambda: oauth._nonce_statement(),
}


@pytest.mark.parametrize("name", STATEMENTS)
def test_the_composed_sql_is_the_snapshot(db, name):
    sql = (
        STATEMENTS[name]().replace(", ", ",\n  ").replace(" FROM ", "\nFROM ").replace(" WHERE ", "\nWHERE ")
    )
    snapshot = SNAPSHOTS / f"{name}.{connection.vendor}.sql"
    if os.environ.get("UPDATE_SQL_SNAPSHOTS"):
        snapshot.write_text(sql + "\n", encoding="utf-8")
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run with UPDATE_SQL_SNAPSHOTS=1"
    assert sql + "\n" == snapshot.read_text(encoding="utf-8"), f"{name} changed: see {snapshot}"
