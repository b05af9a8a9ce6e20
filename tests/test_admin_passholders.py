"""The passholder pages of the back-office: who sees which passholders, search, filters,
and the read-only memberships and cards on a passholder's page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cardsystems.models import Card, CardStatus
from cardsystems.permissions import CardSystemPermission as Perm
from passholders.models import Membership
from passholders.services import register_new_card
from tests.conftest import UIDS, change_form_data
from tests.factories import BalieFactory, CardFactory, MembershipFactory, PassholderFactory, UserFactory
from uitpas_site.admin_lists import CappedCountPaginator

CHANGELIST = reverse("admin:passholders_passholder_changelist")
AALST_MEMBERS = {"Claes", "Janssen", "Maes", "Vanmaele"}


def change_url(passholder):
    return reverse("admin:passholders_passholder_change", args=[passholder.pk])


def listed(response) -> set[str]:
    """The names of the passholders on a changelist page."""
    assert response.status_code == 200, response.status_code
    return {passholder.name for passholder in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("username", "names"),
    [
        ("ann", AALST_MEMBERS),  # works at Bibliotheek Aalst (rights) and the drama club (none)
        ("bert", AALST_MEMBERS),  # CC De Werf: create and block in Regio Aalst
        ("greet", {"Peeters"}),  # Bibliotheek Gent
        ("ksb-aalst", AALST_MEMBERS),  # administrator of Regio Aalst, no balie
        ("admin", AALST_MEMBERS | {"Peeters"}),
    ],
)
def test_each_person_sees_the_members_of_the_card_systems_they_hold_rights_in(
    demo, admin_as, username, names
):
    assert listed(admin_as(username).get(CHANGELIST)) == names


def test_a_clerk_whose_balies_hold_no_right_sees_no_passholders(demo, admin_as):
    demo.toneel.staff.add(UserFactory(username="volunteer"))
    client = admin_as("volunteer")
    assert client.get(CHANGELIST).status_code == 403
    assert "passholders" not in {app["app_label"] for app in client.get("/admin/").context["app_list"]}


def test_a_balie_right_in_another_card_system_shows_nothing_here(demo, admin_as):
    assert demo.passholder(UIDS.pieter).pk not in {
        p.pk for p in admin_as("greet").get(CHANGELIST).context["cl"].result_list
    }


def test_a_crafted_url_for_a_passholder_outside_ones_card_systems_is_refused(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    client = admin_as("ann")
    response = client.get(change_url(marc), follow=True)
    assert response.redirect_chain[0][0] == reverse("admin:index")
    assert "Peeters" not in response.content.decode()
    history = client.get(reverse("admin:passholders_passholder_history", args=[marc.pk]), follow=True)
    assert "Peeters" not in history.content.decode()
    # Changing is refused too, and changes nothing (with data a superuser may save).
    data = change_form_data(admin_as("admin").get(change_url(marc)), first_name="X", name="Y")
    refused = client.post(change_url(marc), data)
    assert (refused.status_code, refused["Location"]) == (302, reverse("admin:index"))
    marc.refresh_from_db()
    assert (marc.first_name, marc.name) == ("Marc", "Peeters")
    assert admin_as("admin").post(change_url(marc), data).status_code == 302
    marc.refresh_from_db()
    assert (marc.first_name, marc.name) == ("X", "Y")


@pytest.mark.parametrize(
    "term",
    [
        "0930000001410",
        " 0930 0000 0141 0 ",
        UIDS.ellen,
        UIDS.ellen.upper(),
        "ellen",
        "Vanmaele Ellen",
        "vanm",
    ],
    ids=["UiTPAS number", "number with spaces", "uid", "uid in capitals", "first name", "both names", "part"],
)
def test_search_by_uitpas_number_uid_or_name(demo, admin_as, term):
    assert listed(admin_as("ann").get(CHANGELIST, {"q": term})) == {"Vanmaele"}


def test_search_finds_the_holder_of_a_blocked_old_card_too(demo, admin_as):
    Card.objects.filter(uitpas_number="0930000001410").update(status=CardStatus.BLOCKED)
    assert listed(admin_as("ann").get(CHANGELIST, {"q": "0930000001410"})) == {"Vanmaele"}


def test_search_does_not_reach_into_other_card_systems(demo, admin_as):
    # Marc's Gent card, searched by a clerk of Regio Aalst.
    assert listed(admin_as("ann").get(CHANGELIST, {"q": "0945000000105"})) == set()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"membership_status": "BLOCKED"}, {"Claes"}),
        ({"membership_status": "ACTIVE"}, AALST_MEMBERS - {"Claes"}),
        ({"kansenstatuut": "counts"}, {"Vanmaele"}),
        ({"kansenstatuut": "ended"}, {"Maes"}),
        ({"kansenstatuut": "none"}, {"Janssen", "Claes"}),
        ({"kansenstatuut": "none", "membership_status": "ACTIVE"}, {"Janssen"}),
    ],
)
def test_filters_on_membership(demo, admin_as, params, names):
    assert listed(admin_as("ann").get(CHANGELIST, params)) == names


def test_card_system_filter(demo, admin_as):
    client = admin_as("admin")
    assert listed(client.get(CHANGELIST, {"card_system": demo.gent.pk})) == {"Peeters"}
    assert listed(client.get(CHANGELIST, {"card_system": demo.aalst.pk})) == AALST_MEMBERS


def test_membership_filters_describe_one_membership_together(demo, admin_as):
    # Pieter: active in Regio Aalst, blocked in Gent. "Regio Aalst" and "blocked" must
    # not find him: no membership of his is both.
    MembershipFactory(passholder=demo.passholder(UIDS.pieter), card_system=demo.gent, status="BLOCKED")
    params = {"card_system": demo.aalst.pk, "membership_status": "BLOCKED"}
    assert listed(admin_as("admin").get(CHANGELIST, params)) == {"Claes"}


def test_the_filters_count_only_memberships_the_viewer_sees(demo, admin_as):
    MembershipFactory(passholder=demo.passholder(UIDS.pieter), card_system=demo.gent, status="BLOCKED")
    assert listed(admin_as("ann").get(CHANGELIST, {"membership_status": "BLOCKED"})) == {"Claes"}


def test_a_bad_filter_value_is_refused_not_an_error(demo, admin_as):
    response = admin_as("ann").get(CHANGELIST, {"card_system": "x"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_list_shows_current_cards_and_blocked_memberships(demo, admin_as):
    content = admin_as("ann").get(CHANGELIST).content.decode()
    assert "0930000001410" in content
    assert "0930000004000" in content  # Sofie's, whose membership is blocked
    assert "lidmaatschap geblokkeerd" in content


def test_the_passholder_page_shows_memberships_and_cards_with_history(demo, admin_as, api_as):
    api_as("ann").post(
        "/uitpas/passholder/newCard",
        {
            "uid": UIDS.pieter,
            "reason": "DEFECT",
            "uitpasNumber": "0930000000206",
            "balieConsumerKey": demo.bib_aalst.consumer_key,
        },
    )
    response = admin_as("ann").get(change_url(demo.passholder(UIDS.pieter)))
    assert response.status_code == 200
    [memberships, cards] = response.context["inline_admin_formsets"]
    [membership] = [form.original for form in memberships]
    assert membership.current_card.uitpas_number == "0930000000206"
    assert {form.original.uitpas_number: form.original.status for form in cards} == {
        "0930056878802": CardStatus.BLOCKED,
        "0930000000206": CardStatus.ACTIVE,
    }
    content = response.content.decode()
    # The history of the old card: created, then blocked by ann for the library.
    assert "geblokkeerd, defect, door ann voor Bibliotheek Aalst" in content
    assert 'id="register-new-card"' in content


def test_the_passholder_page_shows_only_the_card_systems_the_viewer_sees(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    gent_card = CardFactory(card_system=demo.gent, status=CardStatus.ACTIVE, passholder=ellen)
    MembershipFactory(passholder=ellen, card_system=demo.gent, current_card=gent_card)
    content = admin_as("ann").get(change_url(ellen)).content.decode()
    assert "UiTPAS Regio Aalst" in content
    assert "UiTPAS Gent" not in content and gent_card.uitpas_number not in content
    assert gent_card.uitpas_number in admin_as("admin").get(change_url(ellen)).content.decode()


def test_memberships_and_cards_are_read_only_on_the_passholder_page(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    response = admin_as("admin").get(change_url(ellen))
    for formset in response.context["inline_admin_formsets"]:
        assert not formset.has_add_permission
        assert not formset.has_change_permission
        assert not formset.has_delete_permission


def test_a_clerk_with_the_create_right_may_correct_personal_data(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    data = {
        "first_name": "Ellen",
        "name": "Van Maele",
        "email": "ellen@example.org",
        "postal_code": "9300",
        "city": "Aalst",
    }
    # The read-only inlines post their management forms; nothing in them is taken.
    for prefix in ("memberships", "cards"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_as("bert").post(change_url(ellen), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    ellen.refresh_from_db()
    assert (ellen.name, ellen.city) == ("Van Maele", "Aalst")
    membership = Membership.objects.get(passholder=ellen)
    assert membership.current_card.uitpas_number == "0930000001410"


def test_a_clerk_with_only_the_block_right_sees_but_does_not_change(demo, admin_as):
    BalieFactory(
        card_system=demo.aalst, perms=[Perm.PASSHOLDER_BLOCK], staff_members=[UserFactory(username="blocker")]
    )
    client = admin_as("blocker")
    ellen = demo.passholder(UIDS.ellen)
    assert listed(client.get(CHANGELIST)) == AALST_MEMBERS
    assert client.get(change_url(ellen)).context["has_change_permission"] is False
    data = change_form_data(admin_as("ann").get(change_url(ellen)), first_name="X", name="Y")
    assert client.post(change_url(ellen), data).status_code == 403
    ellen.refresh_from_db()
    assert ellen.name == "Vanmaele"
    # The same data from a clerk who may register passholders there is saved.
    assert admin_as("ann").post(change_url(ellen), data).status_code == 302
    ellen.refresh_from_db()
    assert ellen.name == "Y"


def test_clerks_neither_add_nor_delete_passholders(demo, admin_as):
    client = admin_as("ann")
    assert client.get(reverse("admin:passholders_passholder_add")).status_code == 403
    ellen = demo.passholder(UIDS.ellen)
    assert client.get(reverse("admin:passholders_passholder_delete", args=[ellen.pk])).status_code == 403


@pytest.mark.parametrize(
    ("uid", "days_since_end", "shown"),
    [
        (UIDS.ellen, None, "ja"),
        (UIDS.pieter, 10, "ja, in de respijtperiode"),  # Regio Aalst: 30 days of grace
        (UIDS.tom, None, "nee"),  # ended 60 days ago
        (UIDS.sofie, None, "–"),  # none
    ],
)
def test_the_passholder_page_says_whether_the_kansenstatuut_still_counts(
    demo, admin_as, uid, days_since_end, shown
):
    passholder = demo.passholder(uid)
    if days_since_end is not None:
        Membership.objects.filter(passholder=passholder).update(
            kansenstatuut=True,
            kansenstatuut_end_date=timezone.localdate() - datetime.timedelta(days=days_since_end),
        )
    content = admin_as("ann").get(change_url(passholder)).content.decode()
    assert re.search(rf'<td class="field-kansenstatuut_still_counts">\s*<p>{shown}</p>', content), content


# --- At the scale of a card system: the list counts no further than it must ---


def test_the_list_counts_at_most_its_cap_and_says_there_are_more(demo, admin_as, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    content = admin_as("ann").get(CHANGELIST).content.decode()
    assert "Meer dan 2 pashouders: zoek om er een te vinden." in content
    for first_name in ("Zita", "Anna", "Mila"):
        MembershipFactory(
            passholder=PassholderFactory(first_name=first_name, name="Aerts"), card_system=demo.aalst
        )
    searched = admin_as("ann").get(CHANGELIST, {"q": "aerts"}).content.decode()
    assert "meer dan 2 resultaten" in searched


def test_the_list_counts_exactly_below_its_cap(demo, admin_as):
    content = admin_as("ann").get(CHANGELIST).content.decode()
    assert "4 pashouders" in content
    assert "1 pashouder" in admin_as("ann").get(CHANGELIST, {"q": "vanm"}).content.decode()


def test_a_name_search_sorts_its_matches_by_name_ignoring_case(demo, admin_as):
    for name in ("de Smet", "Dewulf", "DEMIR"):
        MembershipFactory(passholder=PassholderFactory(first_name="An", name=name), card_system=demo.aalst)
    response = admin_as("ann").get(CHANGELIST, {"q": "de"})
    assert [passholder.name for passholder in response.context["cl"].result_list] == [
        "de Smet",
        "DEMIR",
        "Dewulf",
    ]


def test_the_search_box_has_the_focus(demo, admin_as):
    content = admin_as("ann").get(CHANGELIST).content.decode()
    assert re.search(r'<input type="text"[^>]*id="searchbar" autofocus', content)


def test_a_chip_number_finds_its_holder_in_the_list(demo, admin_as):
    assert listed(admin_as("ann").get(CHANGELIST, {"q": "04a1000000001410"})) == {"Vanmaele"}


# --- The history button: the passholder's cards, memberships and vouchers ---


def history_url(passholder):
    return reverse("admin:passholders_passholder_history", args=[passholder.pk])


def test_the_history_shows_the_card_history_and_audit_entries_of_the_passholder(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.pieter,
        reason="OBTAIN_KANSENSTATUUT",
        uitpas_number="0930000001113",
        voucher_number="1000001",
        balie_consumer_key=demo.bib_aalst.consumer_key,
        kansenstatuut_end_date=f"{timezone.localdate().year + 1}-04-30",
    )
    response = admin_as("ann").get(history_url(pieter))
    assert response.status_code == 200
    events = response.context["events"]
    # The new card, the old card blocked; the membership (card, kansenstatuut, end
    # date) and the voucher in the audit log: newest first, all of one moment here.
    assert {event.subject for event in events} == {
        "Lidmaatschap Pieter Janssen – UiTPAS Regio Aalst",
        "Voucher 1000001",
        "kaart 0930000001113",
        "kaart 0930056878802",
    }
    assert [event.when for event in events] == sorted((event.when for event in events), reverse=True)
    membership = next(event for event in events if event.subject.startswith("Lidmaatschap"))
    end = f"30/04/{timezone.localdate().year + 1}"
    assert membership.changes == [
        "huidige kaart: 0930056878802 → 0930000001113",
        "kansenstatuut: nee → ja",
        f"einddatum kansenstatuut: – → {end}",
    ]
    assert (membership.who, membership.balie, membership.reason) == (
        "ann",
        "Bibliotheek Aalst",
        "nieuwe kaart geregistreerd",
    )
    old_card = next(event for event in events if event.subject == "kaart 0930056878802")
    assert (old_card.changes, old_card.reason) == (["actief → geblokkeerd"], "kansenstatuut verkregen")
    content = response.content.decode()
    assert "huidige kaart: 0930056878802 → 0930000001113" in content


def test_the_history_shows_only_the_card_systems_the_viewer_sees(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    gent_card = CardFactory(card_system=demo.gent, status=CardStatus.LOCAL_STOCK, balie=demo.bib_gent)
    register_new_card(
        user=demo.user("greet"), uid=UIDS.ellen, reason="EXTRA_CARD", uitpas_number=gent_card.uitpas_number
    )
    subjects = {event.subject for event in admin_as("ann").get(history_url(ellen)).context["events"]}
    assert all("Gent" not in subject and gent_card.uitpas_number not in subject for subject in subjects)
    assert f"kaart {gent_card.uitpas_number}" in {
        event.subject for event in admin_as("admin").get(history_url(ellen)).context["events"]
    }


def test_the_history_of_a_passholder_outside_ones_card_systems_does_not_exist(demo, admin_as):
    assert admin_as("ann").get(history_url(demo.passholder(UIDS.marc))).status_code == 404
