"""The "register new card" form of the back-office: reached through the list action and
the passholder's page, calling the one newCard service, and giving the API's code for
the same mistake on the field it concerns."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cardsystems.models import Card, CardHistory, CardStatus
from cardsystems.uitpas_numbers import make_uitpas_number
from passholders.models import Membership
from tests.conftest import KEYS, UIDS, database_state, error_code

CHANGELIST = reverse("admin:passholders_passholder_changelist")
NEW_CARD_API = "/uitpas/passholder/newCard"
TODAY = timezone.localdate()


def new_card_url(passholder):
    return reverse("admin:passholders_passholder_new_card", args=[passholder.pk])


def change_url(passholder):
    return reverse("admin:passholders_passholder_change", args=[passholder.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_errors(response) -> dict[str, list[str]]:
    """The errors of the new-card form shown again: field (or "__all__") → messages."""
    assert response.status_code == 200, response.status_code
    return dict(response.context["form"].errors)


# --- Two ways in: the action on the list and the button on the passholder's page ---


def test_the_action_with_one_passholder_opens_the_form(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    response = admin_as("ann").post(
        CHANGELIST, {"action": "register_new_card_action", "_selected_action": [ellen.pk]}
    )
    assert (response.status_code, response["Location"]) == (302, new_card_url(ellen))


def test_the_action_with_two_passholders_says_to_select_one(demo, admin_as):
    selected = [demo.passholder(UIDS.ellen).pk, demo.passholder(UIDS.pieter).pk]
    response = admin_as("ann").post(
        CHANGELIST, {"action": "register_new_card_action", "_selected_action": selected}, follow=True
    )
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert messages_of(response) == [
        "Selecteer precies één pashouder om een nieuwe kaart voor te registreren."
    ]


def test_the_action_with_none_selected_says_so(demo, admin_as):
    response = admin_as("ann").post(
        CHANGELIST, {"action": "register_new_card_action", "index": "0"}, follow=True
    )
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert "Er moeten items worden geselecteerd" in response.content.decode()


def test_the_passholder_page_has_the_button_to_the_same_form(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    content = admin_as("ann").get(change_url(ellen)).content.decode()
    assert f'href="{new_card_url(ellen)}"' in content


# --- The form ---


def balie_choices(response) -> list[str]:
    return [value for value, _ in response.context["form"].fields["balie"].widget.choices]


def test_the_form_offers_the_balies_the_clerk_works_at(demo, admin_as):
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert balie_choices(response) == ["", KEYS.bib_aalst, KEYS.toneel]
    assert response.context["form"]["balie"].value() is None  # two balies: she chooses


def test_the_only_balie_is_preselected(demo, admin_as):
    response = admin_as("bert").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert balie_choices(response) == [KEYS.de_werf]
    assert response.context["form"]["balie"].value() == KEYS.de_werf


def test_an_administrator_may_leave_the_balie_empty(demo, admin_as):
    response = admin_as("ksb-aalst").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert balie_choices(response) == [""]
    assert "kaartsysteembeheerder" in dict(response.context["form"].fields["balie"].widget.choices)[""]


def test_the_form_proposes_30_april_of_next_year_as_end_date(demo, admin_as):
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    proposed = datetime.date(TODAY.year + 1, 4, 30).isoformat()
    assert response.context["form"]["kansenstatuut_end_date"].value() == proposed
    assert f'type="date" name="kansenstatuut_end_date" value="{proposed}"' in response.content.decode()


def test_the_form_explains_each_of_the_six_reasons(demo, admin_as):
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    reasons = response.context["form"].reasons_with_explanations()
    assert [radio.data["value"] for radio, _ in reasons] == [
        "LOSS_THEFT",
        "DEFECT",
        "LOSS_KANSENSTATUUT",
        "OBTAIN_KANSENSTATUUT",
        "CARD_UPGRADE",
        "EXTRA_CARD",
    ]
    assert all(explanation for _, explanation in reasons)


def test_the_form_knows_the_current_cards_kansenpas_flag_per_prefix(demo, admin_as):
    # The page's script proposes a kansenstatuut reason from this.
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert response.context["kansenpas_by_prefix"] == {"09300": True}
    assert 'id="kansenpas-by-prefix"' in response.content.decode()


# --- Success ---


def test_a_new_card_is_registered_and_the_old_one_blocked(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    response = admin_as("ann").post(
        new_card_url(ellen),
        {
            "reason": "LOSS_KANSENSTATUUT",
            "uitpas_number": "0930000000107",
            "balie": KEYS.bib_aalst,
            "voucher_number": "1000001",
            "kansenstatuut_end_date": "",
        },
        follow=True,
    )
    assert response.redirect_chain == [(change_url(ellen), 302)]
    assert messages_of(response) == [
        "Ellen Vanmaele heeft nu kaart 0930000000107 in UiTPAS Regio Aalst. "
        "De oude kaart 0930000001410 is geblokkeerd."
    ]
    membership = Membership.objects.get(passholder=ellen)
    assert (membership.current_card.uitpas_number, membership.kansenstatuut) == ("0930000000107", False)
    assert demo.card("0930000001410").status == CardStatus.BLOCKED
    assert (
        list(
            CardHistory.objects.filter(reason="LOSS_KANSENSTATUUT").values_list(
                "user__username", "balie__name"
            )
        )
        == [("ann", "Bibliotheek Aalst")] * 2
    )


def test_obtain_kansenstatuut_with_the_proposed_end_date(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    client = admin_as("ann")
    proposed = client.get(new_card_url(pieter)).context["form"]["kansenstatuut_end_date"].value()
    response = client.post(
        new_card_url(pieter),
        {
            "reason": "OBTAIN_KANSENSTATUUT",
            "uitpas_number": "0930000001113",
            "balie": KEYS.bib_aalst,
            "kansenstatuut_end_date": proposed,
        },
    )
    assert response.status_code == 302, form_errors(response)
    membership = Membership.objects.get(passholder=pieter)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date.isoformat()) == (True, proposed)


def test_an_administrator_acts_without_a_balie(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    response = admin_as("ksb-aalst").post(
        new_card_url(pieter), {"reason": "DEFECT", "uitpas_number": "0930000000503", "balie": ""}
    )
    assert response.status_code == 302, form_errors(response)
    assert CardHistory.objects.filter(reason="DEFECT", balie=None, user__username="ksb-aalst").count() == 2


def test_an_extra_card_creates_the_membership_and_says_so(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    response = admin_as("admin").post(
        new_card_url(marc),
        {"reason": "EXTRA_CARD", "uitpas_number": "0930000000107", "balie": ""},
        follow=True,
    )
    assert messages_of(response) == [
        "Marc Peeters heeft nu kaart 0930000000107 in UiTPAS Regio Aalst. "
        "Er is een nieuw lidmaatschap van UiTPAS Regio Aalst aangemaakt. Er is geen kaart vervangen."
    ]
    assert Membership.objects.filter(passholder=marc).count() == 2


def test_the_message_says_when_the_old_card_was_blocked_already(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    Card.objects.filter(uitpas_number="0930056878802").update(status=CardStatus.BLOCKED)
    response = admin_as("bert").post(
        new_card_url(pieter),
        {"reason": "LOSS_THEFT", "uitpas_number": "0930000000503", "balie": KEYS.de_werf},
        follow=True,
    )
    assert messages_of(response)[0].endswith("De oude kaart 0930056878802 was al geblokkeerd.")


def test_the_typed_values_go_to_the_service_as_typed(demo, admin_as):
    # Spaces around a scanned number: the service takes values without them, as in the API.
    pieter = demo.passholder(UIDS.pieter)
    response = admin_as("bert").post(
        new_card_url(pieter),
        {"reason": " DEFECT ", "uitpas_number": " 0930000000503 ", "balie": KEYS.de_werf},
    )
    assert response.status_code == 302, form_errors(response)
    new = demo.card("0930000000503")
    assert (new.status, new.passholder) == (CardStatus.ACTIVE, pieter)
    history = new.history.order_by("created_at", "id").last()
    assert (history.reason, history.balie, history.user.username) == ("DEFECT", demo.de_werf, "bert")


# --- Refusals: the API's code, on the field it concerns, and nothing changes ---

UNKNOWN_NUMBER = make_uitpas_number(prefix="09300", serial=999999, kansenpas=False)
API_NAMES = {
    "reason": "reason",
    "uitpas_number": "uitpasNumber",
    "voucher_number": "voucherNumber",
    "balie": "balieConsumerKey",
    "kansenstatuut_end_date": "kansenStatuutEndDate",
}
# ann replaces Pieter's lost card with one of her library's stock; each case changes that.
VALID = {
    "uid": UIDS.pieter,
    "reason": "LOSS_THEFT",
    "uitpas_number": "0930000000206",
    "balie": KEYS.bib_aalst,
}
MISTAKES = {
    # name: (changes, code, field of the form that shows it; None for the top)
    "no number": ({"uitpas_number": " "}, "MISSING_REQUIRED_FIELDS", "uitpas_number"),
    "no reason": ({"reason": None}, "MISSING_REQUIRED_FIELDS", "reason"),
    "no end date for OBTAIN": (
        {"reason": "OBTAIN_KANSENSTATUUT", "uitpas_number": "0930000001113"},
        "MISSING_REQUIRED_FIELDS",
        "kansenstatuut_end_date",
    ),
    "no balie, working at two": ({"balie": ""}, "MISSING_REQUIRED_FIELDS", "balie"),
    "unknown reason": ({"reason": "LOST"}, "INVALID_PARAMETERS", "reason"),
    "wrong check digit": ({"uitpas_number": "0930000000208"}, "PARSE_INVALID_UITPASNUMBER", "uitpas_number"),
    "voucher with a letter": ({"voucher_number": "10a"}, "PARSE_INVALID_VOUCHERNUMBER", "voucher_number"),
    "Belgian date notation": (
        {"kansenstatuut_end_date": "30/04/2027"},
        "PARSE_INVALID_DATE",
        "kansenstatuut_end_date",
    ),
    "date in the past": (
        {"kansenstatuut_end_date": "2000-01-01"},
        "INVALID_DATE_CONSTRAINTS",
        "kansenstatuut_end_date",
    ),
    "unknown balie": ({"balie": "NO-SUCH-KEY"}, "UNKNOWN_BALIE_CONSUMERKEY", "balie"),
    "a balie she does not work at": ({"balie": KEYS.de_werf}, "ACCESS_DENIED", "balie"),
    "unknown card": ({"uitpas_number": UNKNOWN_NUMBER}, "UNKNOWN_CARD", "uitpas_number"),
    "balie without rights": ({"balie": KEYS.toneel}, "ACCESS_DENIED", "balie"),
    "unknown voucher": ({"voucher_number": "1009999"}, "UNKNOWN_VOUCHER", "voucher_number"),
    "card in central stock": ({"uitpas_number": "0930000000800"}, "INVALID_CARD_STATUS", "uitpas_number"),
    "card of another balie's stock": ({"uitpas_number": "0930000000503"}, "INVALID_CARD", "uitpas_number"),
    "kansenpas without kansenstatuut": ({"uitpas_number": "0930000001113"}, "INVALID_CARD", "uitpas_number"),
    "redeemed voucher": ({"voucher_number": "1000003"}, "INVALID_VOUCHER_STATUS", "voucher_number"),
    "nothing to lose": ({"reason": "LOSS_KANSENSTATUUT"}, "ACTION_FAILED", "reason"),
    "blocked membership": ({"uid": UIDS.sofie}, "ACTION_FAILED", None),
}


def case_data(changes: dict) -> dict:
    data = {**VALID, **changes}
    return {name: value for name, value in data.items() if value is not None}


@pytest.mark.parametrize(("changes", "code", "field"), MISTAKES.values(), ids=MISTAKES.keys())
def test_the_admin_and_the_api_give_the_same_code_for_the_same_mistake(
    demo, admin_as, api_as, changes, code, field
):
    data = case_data(changes)
    uid = data.pop("uid")
    before = database_state()

    response = admin_as("ann").post(new_card_url(demo.passholder(uid)), data)
    errors = form_errors(response)
    assert list(errors) == [field or "__all__"]
    [message] = errors[field or "__all__"]
    assert message.startswith(f"{code}: ")
    assert database_state() == before

    api_response = api_as("ann").post(
        NEW_CARD_API, {"uid": uid, **{API_NAMES[k]: v for k, v in data.items()}}
    )
    assert (api_response.status_code, error_code(api_response)) == (400, code)
    assert database_state() == before


def test_a_refusal_shows_the_form_again_with_what_was_typed(demo, admin_as):
    data = case_data(MISTAKES["card of another balie's stock"][0])
    response = admin_as("ann").post(new_card_url(demo.passholder(data.pop("uid"))), data)
    content = response.content.decode()
    assert 'value="0930000000503"' in content
    assert "INVALID_CARD: Kaart 0930000000503 zit niet in de voorraad van Bibliotheek Aalst." in content
    assert "De kaart is niet geregistreerd. Er is niets veranderd." in content


def test_the_form_of_a_passholder_outside_ones_card_systems_does_not_exist(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    client = admin_as("ann")
    before = database_state()
    assert client.get(new_card_url(marc)).status_code == 404
    response = client.post(
        new_card_url(marc),
        {"reason": "EXTRA_CARD", "uitpas_number": "0930000000107", "balie": KEYS.bib_aalst},
    )
    assert response.status_code == 404
    assert database_state() == before
    assert client.get(reverse("admin:passholders_passholder_new_card", args=["nonsense"])).status_code == 404


def test_the_form_needs_a_login(demo, client):
    response = client.get(new_card_url(demo.passholder(UIDS.ellen)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
