"""Balies as objects: deleting one takes its permission group and rights with it (so its
consumer key can be used again), and consumer keys differ in more than case."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from guardian.models import GroupObjectPermission
from guardian.shortcuts import assign_perm

from cardsystems.models import AuditEntry, Balie
from cardsystems.permissions import CardSystemPermission as Perm
from cardsystems.selectors import balie_permissions
from tests.conftest import KEYS, error_code
from uitid.models import AccessToken, Consumer
from uitid.services import create_consumer, issue_access_token


@pytest.fixture
def toneel_with_rights_and_consumer(demo):
    """Toneelvereniging Haaltert (ann works there, it holds no stock) with a right in
    Regio Aalst and an own OAuth consumer with an access token for ann."""
    toneel = demo.toneel
    assign_perm(Perm.PASSHOLDER_CREATE.full_name, toneel.permission_group, demo.aalst)
    consumer = create_consumer(name=toneel.name, balie=toneel, created_by=None).consumer
    issue_access_token(user=demo.user("ann"), consumer=consumer, issued_by=None)
    return toneel


def gone_with(toneel: Balie) -> None:
    """What a deleted balie leaves behind: nothing of its own."""
    assert not Balie.objects.filter(pk=toneel.pk).exists()
    assert not Group.objects.filter(pk=toneel.permission_group_id).exists()
    assert not GroupObjectPermission.objects.filter(group_id=toneel.permission_group_id).exists()
    assert not Consumer.objects.filter(key=KEYS.toneel).exists()
    assert not AccessToken.objects.filter(consumer__key=KEYS.toneel).exists()


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_deleting_a_balie_removes_its_group_rights_and_consumer(demo, toneel_with_rights_and_consumer, how):
    toneel = toneel_with_rights_and_consumer
    first_new = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() + 1
    if how == "instance":
        toneel.delete()
    else:
        Balie.objects.filter(pk=toneel.pk).delete()
    gone_with(toneel)
    recorded = AuditEntry.objects.filter(id__gte=first_new).order_by("id")
    assert [(e.action, e.card_system, e.changes) for e in recorded] == [
        ("STAFF_REMOVED", demo.aalst, {"staff": ["ann", None]}),
        (
            "RIGHT_REVOKED",
            demo.aalst,
            {"PERMISSION_PASSHOLDER - ACTION_CREATE": ["Toneelvereniging Haaltert", None]},
        ),
        ("OAUTH_TOKEN_REVOKED", None, {"token": [f"ann / {KEYS.toneel}", None]}),
    ]
    assert recorded.get(action="OAUTH_TOKEN_REVOKED").balie_name == "Toneelvereniging Haaltert"


def test_a_balie_can_be_made_again_with_the_key_of_a_deleted_one(demo, toneel_with_rights_and_consumer):
    toneel_with_rights_and_consumer.delete()
    again = Balie.objects.create(name="Toneelvereniging Haaltert", consumer_key=KEYS.toneel)
    again.card_systems.add(demo.aalst)
    # A new group: the rights of the deleted balie do not come back with its key.
    assert balie_permissions(again) == {}
    create_consumer(name=again.name, balie=again, created_by=None)


def test_a_superuser_deletes_a_balie_and_makes_it_again_in_the_admin(
    demo, admin_as, toneel_with_rights_and_consumer
):
    toneel = toneel_with_rights_and_consumer
    client = admin_as("admin")
    deleted = client.post(reverse("admin:cardsystems_balie_delete", args=[toneel.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    gone_with(toneel)
    added = client.post(
        reverse("admin:cardsystems_balie_add"),
        {
            "name": "Toneelvereniging Haaltert",
            "consumer_key": KEYS.toneel,
            "card_systems": [demo.aalst.pk],
            "minimum_stock": 0,
        },
    )
    assert added.status_code == 302, added.context and added.context["adminform"].form.errors
    assert balie_permissions(Balie.objects.get(consumer_key=KEYS.toneel)) == {}


def test_a_balie_whose_save_fails_leaves_no_group_behind(demo):
    groups = Group.objects.count()
    with pytest.raises(IntegrityError):
        Balie.objects.create(name=None, consumer_key="F00D")  # the group first, then no name
    assert Group.objects.count() == groups
    Balie.objects.create(name="Bibliotheek Erpe-Mere", consumer_key="F00D")


def test_two_balies_cannot_have_consumer_keys_that_differ_only_in_case(demo):
    with pytest.raises(IntegrityError), transaction.atomic():
        Balie.objects.create(name="Echo", consumer_key=KEYS.bib_aalst.lower())
    assert not Balie.objects.filter(name="Echo").exists()


def test_the_admin_says_a_key_is_taken_in_another_case(demo, admin_as):
    response = admin_as("admin").post(
        reverse("admin:cardsystems_balie_add"),
        {
            "name": "Echo",
            "consumer_key": KEYS.toneel.upper(),
            "card_systems": [demo.aalst.pk],
            "minimum_stock": 0,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [error.code for field_errors in errors.values() for error in field_errors] == [
        "consumer_key_taken_in_another_case"
    ]
    assert "consumer key" in str(errors)
    assert not Balie.objects.filter(name="Echo").exists()


def test_a_consumer_key_is_still_looked_up_exactly(demo, api_as):
    response = api_as("ann").get("/uitpas/balie/countCards", {"balieConsumerKey": KEYS.bib_aalst.lower()})
    assert (response.status_code, error_code(response)) == (400, "UNKNOWN_BALIE_CONSUMERKEY")
