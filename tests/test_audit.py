"""The audit log: every change of the services' data says who, when, for which balie and
what changed; the admin shows it and nobody edits or deletes it."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import translation
from guardian.shortcuts import assign_perm, remove_perm
from rest_framework.authtoken.models import Token

from cardsystems.models import AuditEntry, CardHistory
from passholders.services import register_new_card
from tests.conftest import KEYS, UIDS
from uitpas_site.errors import UitpasError


@pytest.fixture
def new_entries(demo):
    """The entries written after the demo data (whose rights are recorded too) was loaded."""
    first_new = (AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    return lambda: AuditEntry.objects.filter(id__gte=first_new).order_by("id")


def test_new_card_records_the_membership_and_voucher_changes(demo, new_entries):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.ellen,
        reason="LOSS_KANSENSTATUUT",
        uitpas_number="0930000000107",
        voucher_number="1000001",
        balie_consumer_key=KEYS.bib_aalst,
    )
    entries = {e.object_type: e for e in new_entries()}
    assert set(entries) == {"passholders.membership", "cardsystems.voucher"}
    membership = entries["passholders.membership"]
    assert (membership.username, membership.balie_name, membership.card_system) == (
        "ann",
        "Bibliotheek Aalst",
        demo.aalst,
    )
    assert membership.changes["current_card"] == ["0930000001410", "0930000000107"]
    assert membership.changes["kansenstatuut"] == ["True", "False"]
    assert membership.changes["kansenstatuut_end_date"][1] is None
    assert entries["cardsystems.voucher"].changes == {"redeemed_card": [None, "0930000000107"]}


def test_a_new_membership_is_recorded_as_created(demo, new_entries):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.marc,
        reason="EXTRA_CARD",
        uitpas_number="0930000000305",
        balie_consumer_key=KEYS.bib_aalst,
    )
    entry = new_entries().get(object_type="passholders.membership")
    assert entry.changes == {"status": [None, "ACTIVE"], "current_card": [None, "0930000000305"]}


def test_a_refused_operation_records_nothing(demo, new_entries):
    with pytest.raises(UitpasError) as refused:
        register_new_card(
            user=demo.user("ann"),
            uid=UIDS.sofie,
            reason="DEFECT",
            uitpas_number="0930000000206",
            balie_consumer_key=KEYS.bib_aalst,
        )
    assert refused.value.code == "ACTION_FAILED"  # Sofie's membership is blocked
    assert not new_entries().exists()


def test_rights_granted_and_revoked_are_recorded(demo, new_entries):
    assign_perm("cardsystems.passholder_create", demo.toneel.permission_group, demo.aalst)
    remove_perm("cardsystems.passholder_create", demo.toneel.permission_group, demo.aalst)
    granted, revoked = new_entries()
    assert (granted.action, granted.card_system, granted.changes) == (
        "RIGHT_GRANTED",
        demo.aalst,
        {"PERMISSION_PASSHOLDER - ACTION_CREATE": [None, "Toneelvereniging Haaltert"]},
    )
    assert revoked.changes == {"PERMISSION_PASSHOLDER - ACTION_CREATE": ["Toneelvereniging Haaltert", None]}


def test_a_permission_outside_the_four_rights_is_recorded_by_its_codename(demo, new_entries):
    assign_perm("cardsystems.view_cardsystem", demo.toneel.permission_group, demo.aalst)
    (granted,) = new_entries()
    assert granted.changes == {"view_cardsystem": [None, "Toneelvereniging Haaltert"]}


def test_a_right_granted_in_the_admin_names_who_granted_it(demo, admin_as, new_entries):
    admin_as("admin").post(
        f"/admin/cardsystems/cardsystem/{demo.aalst.pk}/permissions/group-manage/{demo.toneel.permission_group_id}/",
        {"permissions": ["passholder_block"]},
    )
    entry = new_entries().get(action="RIGHT_GRANTED")
    assert (entry.username, entry.changes) == (
        "admin",
        {"PERMISSION_PASSHOLDER - ACTION_BLOCK": [None, "Toneelvereniging Haaltert"]},
    )


def test_tokens_created_and_deleted_are_recorded_without_the_key(demo, capsys, new_entries):
    call_command("drf_create_token", "bert")
    key = Token.objects.get(user__username="bert").key
    Token.objects.filter(user__username="bert").delete()
    Token.objects.get_or_create(user=demo.user("bert"))[0].delete()
    created, deleted = new_entries()[:2]
    assert (created.action, created.object_repr, created.username) == ("TOKEN_CREATED", "bert", "")
    assert deleted.action == "TOKEN_DELETED"
    assert key not in str(list(new_entries().values()))


def test_entries_outlive_what_they_describe(demo):
    ann = demo.user("ann")
    token = Token.objects.create(user=ann)
    token.delete()
    ann_id = ann.pk
    ann.delete()
    entry = AuditEntry.objects.filter(action="TOKEN_DELETED").get()
    assert (entry.user, entry.object_repr, entry.object_id) == (None, "ann", str(ann_id))


@pytest.mark.parametrize("model", ["auditentry", "cardhistory"])
def test_nobody_edits_or_deletes_records_in_the_admin(demo, admin_as, model):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="DEFECT",
        uitpas_number="0930000000206",
        balie_consumer_key=KEYS.bib_aalst,
    )
    record = (AuditEntry if model == "auditentry" else CardHistory).objects.first()
    superuser = admin_as("admin")
    base = f"/admin/cardsystems/{model}/"
    assert superuser.get(base).status_code == 200
    assert superuser.get(f"{base}{record.pk}/change/").status_code == 200  # a read-only view
    assert superuser.post(f"{base}{record.pk}/change/", {}).status_code == 403
    assert superuser.post(f"{base}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert superuser.get(f"{base}add/").status_code == 403
    assert (AuditEntry if model == "auditentry" else CardHistory).objects.filter(pk=record.pk).exists()


def test_administrators_see_their_card_systems_only_and_clerks_nothing(demo, admin_as):
    register_new_card(
        user=demo.user("greet"),
        uid=UIDS.marc,
        reason="DEFECT",
        uitpas_number="0945000000204",
        balie_consumer_key=KEYS.bib_gent,
    )
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="DEFECT",
        uitpas_number="0930000000206",
        balie_consumer_key=KEYS.bib_aalst,
    )
    page = admin_as("ksb-aalst").get("/admin/cardsystems/auditentry/")
    assert page.status_code == 200
    assert {e.card_system for e in page.context["cl"].result_list} == {demo.aalst}
    gent_entry = AuditEntry.objects.filter(card_system=demo.gent).first()
    assert (
        admin_as("ksb-aalst").get(f"/admin/cardsystems/auditentry/{gent_entry.pk}/change/").status_code == 302
    )
    assert admin_as("ann").get("/admin/cardsystems/auditentry/").status_code == 403


def staff_changes(entries) -> list[tuple]:
    return [(e.action, e.object_repr, e.card_system.name, e.changes["staff"], e.username) for e in entries]


def test_staff_changes_in_code_are_recorded_from_either_side(demo, new_entries):
    greet, ann, bert = demo.user("greet"), demo.user("ann"), demo.user("bert")
    demo.de_werf.staff.add(greet)
    ann.balies.remove(demo.toneel)
    demo.bib_aalst.staff.clear()
    demo.de_werf.staff.set([greet])
    assert staff_changes(new_entries()) == [
        ("STAFF_ADDED", "CC De Werf", "UiTPAS Regio Aalst", [None, "greet"], ""),
        ("STAFF_REMOVED", "Toneelvereniging Haaltert", "UiTPAS Regio Aalst", ["ann", None], ""),
        ("STAFF_REMOVED", "Bibliotheek Aalst", "UiTPAS Regio Aalst", ["ann", None], ""),
        ("STAFF_REMOVED", "CC De Werf", "UiTPAS Regio Aalst", ["bert", None], ""),
    ]
    entry = new_entries().first()
    assert (entry.object_type, entry.object_id) == ("cardsystems.balie", str(demo.de_werf.pk))
    assert bert.balies.count() == 0


def test_a_staff_change_of_a_shared_balie_is_recorded_in_each_of_its_card_systems(demo, new_entries):
    demo.de_werf.card_systems.add(demo.gent)
    demo.de_werf.staff.add(demo.user("ann"))
    assert {(e.action, e.card_system, e.object_repr) for e in new_entries()} == {
        ("STAFF_ADDED", demo.aalst, "CC De Werf"),
        ("STAFF_ADDED", demo.gent, "CC De Werf"),
    }


def test_a_staff_change_in_the_admin_names_who_made_it_and_is_in_the_audit_log(demo, admin_as, new_entries):
    client = admin_as("ksb-aalst")
    page = f"/admin/cardsystems/balie/{demo.bib_aalst.pk}/change/"
    response = client.post(
        page,
        {
            "name": "Bibliotheek Aalst",
            "minimum_stock": 0,
            "staff": [demo.user("bert").pk, demo.user("ksb-aalst").pk],
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert staff_changes(new_entries()) == [
        ("STAFF_REMOVED", "Bibliotheek Aalst", "UiTPAS Regio Aalst", ["ann", None], "ksb-aalst"),
        ("STAFF_ADDED", "Bibliotheek Aalst", "UiTPAS Regio Aalst", [None, "bert"], "ksb-aalst"),
        ("STAFF_ADDED", "Bibliotheek Aalst", "UiTPAS Regio Aalst", [None, "ksb-aalst"], "ksb-aalst"),
    ]
    log = client.get("/admin/cardsystems/auditentry/", {"action__exact": "STAFF_ADDED", "q": "ksb-aalst"})
    assert {(e.object_repr, e.changes["staff"][1]) for e in log.context["cl"].result_list} == {
        ("Bibliotheek Aalst", "bert"),
        ("Bibliotheek Aalst", "ksb-aalst"),
    }


def test_deleting_a_person_records_their_leaving_every_balie(demo, new_entries):
    demo.user("ann").delete()
    assert sorted((e.action, e.object_repr, e.changes["staff"][0]) for e in new_entries()) == [
        ("STAFF_REMOVED", "Bibliotheek Aalst", "ann"),
        ("STAFF_REMOVED", "Toneelvereniging Haaltert", "ann"),
    ]


def changes_read_in(language: str, entry: AuditEntry) -> list[tuple]:
    with translation.override(language):
        return [(c.label, c.before, c.after, c.code) for c in entry.changes_in_words()]


def test_a_membership_change_reads_in_words(demo, new_entries):
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.ellen,
        reason="LOSS_KANSENSTATUUT",
        uitpas_number="0930000000107",
        balie_consumer_key=KEYS.bib_aalst,
    )
    entry = new_entries().get(object_type="passholders.membership")
    day = datetime.date.fromisoformat(entry.changes["kansenstatuut_end_date"][0])
    assert changes_read_in("nl", entry) == [
        ("huidige kaart", "0930000001410", "0930000000107", None),
        ("kansenstatuut", "ja", "nee", None),
        ("einddatum kansenstatuut", f"{day.day} december {day.year}", "–", None),
    ]
    assert changes_read_in("en", entry)[1] == ("kansenstatuut", "yes", "no", None)
    assert entry.object_repr == "Ellen Vanmaele – UiTPAS Regio Aalst"  # the passholder and card system


def test_a_right_reads_as_what_it_allows_with_its_api_name_aside(demo, new_entries):
    assign_perm("cardsystems.passholder_create", demo.toneel.permission_group, demo.aalst)
    (granted,) = new_entries()
    assert changes_read_in("nl", granted) == [
        (
            "Pashouders en nieuwe kaarten registreren",
            "–",
            "Toneelvereniging Haaltert",
            "PERMISSION_PASSHOLDER - ACTION_CREATE",
        )
    ]


def test_a_staff_change_reads_by_the_fields_name(demo, new_entries):
    demo.de_werf.staff.add(demo.user("greet"))
    assert changes_read_in("en", new_entries().get()) == [("staff", "–", "greet", None)]


def test_the_title_of_an_entry_is_in_brussels_time_and_words(demo, new_entries):
    assign_perm("cardsystems.passholder_block", demo.toneel.permission_group, demo.aalst)
    entry = new_entries().get()
    AuditEntry.objects.filter(pk=entry.pk).update(
        created_at=datetime.datetime(2026, 6, 30, 22, 30, tzinfo=datetime.UTC)
    )
    entry.refresh_from_db()
    with translation.override("nl"):
        assert str(entry) == "1-7-2026 00:30 –: recht toegekend – UiTPAS Regio Aalst"


def test_the_log_shows_words_and_keeps_codes_in_small_print(demo, admin_as, new_entries):
    assign_perm("cardsystems.passholder_create", demo.toneel.permission_group, demo.aalst)
    page = admin_as("admin").get("/admin/cardsystems/auditentry/", headers={"Accept-Language": "nl"})
    html = page.content.decode()
    assert (
        "Pashouders en nieuwe kaarten registreren <small>PERMISSION_PASSHOLDER - ACTION_CREATE</small>: "
        "– → Toneelvereniging Haaltert"
    ) in html
    [object_types] = [spec for spec in page.context["cl"].filter_specs if spec.title == "objecttype"]
    assert [str(name) for _label, name in object_types.lookup_choices] == ["Balie", "Kaartsysteem"]
    assert ">cardsystems.cardsystem<" not in html  # (it is the value in the filter's links)


def test_the_object_type_filter_takes_only_the_types_it_offers(demo, admin_as):
    client = admin_as("admin")
    assert (
        client.get("/admin/cardsystems/auditentry/", {"object_type": "cardsystems.balie"}).status_code == 200
    )
    refused = client.get("/admin/cardsystems/auditentry/", {"object_type": "auth.permission"})
    assert refused.status_code == 302 and "e=1" in refused["Location"]


def test_a_card_history_entry_is_titled_by_its_card_and_statuses_in_words(demo):
    entry = CardHistory.objects.filter(card__uitpas_number="0930000000107").get()
    with translation.override("en"):
        assert str(entry) == "0930000000107: – → in the balie's stock"
