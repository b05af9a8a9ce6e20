"""The "register new card" page of the back-office: reached through the list action and
the passholder's page; its steps (form, preview, confirmation) call the one newCard
service, never apply a reason nobody chose, and give the API's code for the same mistake
(in small print, after the refusal in words) on the field it concerns."""

import datetime
import re

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
    return dict(response.context["step"].form.errors)


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
    return [value for value, _ in response.context["step"].form.fields["balie"].widget.choices]


def test_the_form_offers_the_balies_the_clerk_works_at(demo, admin_as):
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert balie_choices(response) == ["", KEYS.bib_aalst, KEYS.toneel]
    assert response.context["step"].form["balie"].value() is None  # two balies: she chooses


def test_the_balie_chosen_at_the_counter_is_proposed(demo, admin_as):
    client = admin_as("ann")
    client.post(reverse("admin:counter_balie"), {"balie": demo.bib_aalst.pk})
    response = client.get(new_card_url(demo.passholder(UIDS.ellen)))
    assert response.context["step"].form["balie"].value() == KEYS.bib_aalst


def test_the_only_balie_is_preselected(demo, admin_as):
    response = admin_as("bert").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert balie_choices(response) == [KEYS.de_werf]
    assert response.context["step"].form["balie"].value() == KEYS.de_werf


def test_an_administrator_may_leave_the_balie_empty(demo, admin_as):
    response = admin_as("ksb-aalst").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert balie_choices(response) == [""]
    form = response.context["step"].form
    assert "kaartsysteembeheerder" in dict(form.fields["balie"].widget.choices)[""]


def test_the_form_proposes_30_april_of_next_year_as_end_date(demo, admin_as):
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    proposed = datetime.date(TODAY.year + 1, 4, 30).isoformat()
    assert response.context["step"].form["kansenstatuut_end_date"].value() == proposed
    assert f'type="date" name="kansenstatuut_end_date" value="{proposed}"' in response.content.decode()


def test_the_form_explains_each_of_the_six_reasons_and_checks_none(demo, admin_as):
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    reasons = response.context["step"].form.reasons_with_explanations()
    assert [radio.data["value"] for radio, _, _ in reasons] == [
        "LOSS_THEFT",
        "DEFECT",
        "LOSS_KANSENSTATUUT",
        "OBTAIN_KANSENSTATUUT",
        "CARD_UPGRADE",
        "EXTRA_CARD",
    ]
    assert all(explanation for _, explanation, _ in reasons)
    assert not re.search(r'name="reason"[^>]*checked', response.content.decode())


def test_the_form_knows_the_current_cards_kansenpas_flag_per_prefix(demo, admin_as):
    # The page's script points out a kansenstatuut reason from this.
    response = admin_as("ann").get(new_card_url(demo.passholder(UIDS.ellen)))
    assert response.context["kansenpas_by_prefix"] == {"09300": True}
    assert 'id="kansenpas-by-prefix"' in response.content.decode()


# --- The steps: preview (nothing saved), then confirm ---


def preview(client, passholder, data: dict):
    return client.post(new_card_url(passholder), {**data, "_preview": "Voorbeeld"})


def confirm(client, passholder, previewed, **extra):
    """Confirm what the preview showed: the values its confirmation form carries."""
    step = previewed.context["step"]
    assert step.plan is not None, form_errors(previewed)
    return client.post(
        new_card_url(passholder),
        {**step.form.carried_values(), "_confirm": "Bevestigen", **extra},
        follow=True,
    )


def register(client, passholder, data: dict, **extra):
    return confirm(client, passholder, preview(client, passholder, data), **extra)


def test_the_preview_says_what_will_happen_and_saves_nothing(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    before = database_state()
    response = preview(
        admin_as("ann"),
        ellen,
        {"reason": "LOSS_KANSENSTATUUT", "uitpas_number": "0930000000107", "balie": KEYS.bib_aalst},
    )
    assert database_state() == before
    assert response.context["step"].plan_sentences == [
        "Kaart 0930000000107 (gewone kaart) wordt de kaart van Ellen Vanmaele in UiTPAS Regio Aalst.",
        "Ze vervangt 0930000001410, die geblokkeerd wordt.",
        f"Het kansenstatuut stopt (het liep tot 31/12/{TODAY.year}).",
    ]
    content = response.content.decode()
    assert 'name="_confirm"' in content
    assert 'type="checkbox" name="kansenstatuut_confirmed"' in content


def test_a_new_card_is_registered_and_the_message_states_every_change(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    response = register(
        admin_as("ann"),
        ellen,
        {
            "reason": "LOSS_KANSENSTATUUT",
            "uitpas_number": "0930000000107",
            "balie": KEYS.bib_aalst,
            "voucher_number": "1000001",
            "kansenstatuut_end_date": "",
        },
        kansenstatuut_confirmed="yes",
    )
    assert response.redirect_chain == [(change_url(ellen), 302)]
    assert messages_of(response) == [
        "Ellen Vanmaele heeft nu kaart 0930000000107 in UiTPAS Regio Aalst. "
        "De oude kaart 0930000001410 is geblokkeerd. "
        f"Het kansenstatuut is gestopt (het liep tot 31/12/{TODAY.year}). "
        "Voucher 1000001 is ingewisseld. "
        "Aangerekend: € 0,00. De voucher betaalt de kaart."
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


def test_a_kansenstatuut_is_only_granted_when_its_end_date_is_confirmed(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    client = admin_as("ann")
    proposed = client.get(new_card_url(pieter)).context["step"].form["kansenstatuut_end_date"].value()
    previewed = preview(
        client,
        pieter,
        {
            "reason": "OBTAIN_KANSENSTATUUT",
            "uitpas_number": "0930000001113",
            "balie": KEYS.bib_aalst,
            "kansenstatuut_end_date": proposed,
        },
    )
    shown = datetime.date.fromisoformat(proposed).strftime("%d/%m/%Y")
    assert previewed.context["step"].kansenstatuut_confirmation == (
        f"Ja: Pieter Janssen krijgt een kansenstatuut in UiTPAS Regio Aalst tot {shown}."
    )
    before = database_state()
    unconfirmed = confirm(client, pieter, previewed)
    assert unconfirmed.redirect_chain == []
    assert unconfirmed.context["step"].confirmation_refused.startswith("Er is niets veranderd")
    assert database_state() == before

    response = confirm(client, pieter, previewed, kansenstatuut_confirmed="yes")
    assert messages_of(response)[0].endswith(
        f"Kansenstatuut toegekend tot {shown}. Aangerekend: € 0,00. Gratis met het kansenstatuut."
    )
    membership = Membership.objects.get(passholder=pieter)
    assert (membership.kansenstatuut, membership.kansenstatuut_end_date.isoformat()) == (True, proposed)


def test_an_administrator_acts_without_a_balie(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    response = register(
        admin_as("ksb-aalst"), pieter, {"reason": "DEFECT", "uitpas_number": "0930000000503", "balie": ""}
    )
    assert response.redirect_chain == [(change_url(pieter), 302)]
    assert CardHistory.objects.filter(reason="DEFECT", balie=None, user__username="ksb-aalst").count() == 2


def test_an_extra_card_creates_the_membership_and_says_so(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    response = register(
        admin_as("admin"), marc, {"reason": "EXTRA_CARD", "uitpas_number": "0930000000107", "balie": ""}
    )
    assert messages_of(response) == [
        "Marc Peeters heeft nu kaart 0930000000107 in UiTPAS Regio Aalst. "
        "Er is een nieuw lidmaatschap van UiTPAS Regio Aalst aangemaakt. Er is geen kaart vervangen. "
        "Aangerekend: € 5,00."
    ]
    assert Membership.objects.filter(passholder=marc).count() == 2


def test_the_message_says_when_the_old_card_was_blocked_already(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    Card.objects.filter(uitpas_number="0930056878802").update(status=CardStatus.BLOCKED)
    client = admin_as("bert")
    previewed = preview(
        client, pieter, {"reason": "LOSS_THEFT", "uitpas_number": "0930000000503", "balie": KEYS.de_werf}
    )
    assert "Ze vervangt 0930056878802, die al geblokkeerd is." in previewed.context["step"].plan_sentences
    response = confirm(client, pieter, previewed)
    assert messages_of(response)[0].endswith(
        "De oude kaart 0930056878802 was al geblokkeerd. Aangerekend: € 5,00."
    )


def test_the_typed_values_go_to_the_service_as_typed(demo, admin_as):
    # Spaces around a scanned number: the service takes values without them, as in the API.
    pieter = demo.passholder(UIDS.pieter)
    response = register(
        admin_as("bert"),
        pieter,
        {"reason": " DEFECT ", "uitpas_number": " 0930000000503 ", "balie": KEYS.de_werf},
    )
    assert response.redirect_chain == [(change_url(pieter), 302)]
    new = demo.card("0930000000503")
    assert (new.status, new.passholder) == (CardStatus.ACTIVE, pieter)
    history = new.history.order_by("created_at", "id").last()
    assert (history.reason, history.balie, history.user.username) == ("DEFECT", demo.de_werf, "bert")


def test_change_shows_the_form_again_with_the_previewed_values(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    client = admin_as("bert")
    data = {"reason": "DEFECT", "uitpas_number": "0930000000503", "balie": KEYS.de_werf}
    carried = preview(client, pieter, data).context["step"].form.carried_values()
    before = database_state()
    response = client.post(new_card_url(pieter), {**carried, "_change": "Wijzigen"})
    step = response.context["step"]
    assert (step.plan, step.refused) == (None, False)
    assert step.form["uitpas_number"].value() == "0930000000503"
    assert database_state() == before


# --- Enter is safe: a submitted form only previews, and never with a reason nobody chose ---


def test_enter_without_a_reason_previews_nothing_and_asks_for_the_reason(demo, admin_as):
    greet, marc = "greet", demo.passholder(UIDS.marc)
    before = database_state()
    # The case: greet scans a kansenpas for Marc and the scanner presses Enter.
    response = admin_as(greet).post(new_card_url(marc), {"uitpas_number": "0945000001111", "_preview": "x"})
    assert database_state() == before
    assert form_errors(response) == {
        "reason": [
            'Kies de reden voor de nieuwe kaart. <small class="api-code">MISSING_REQUIRED_FIELDS</small>'
        ]
    }
    assert response.context["proposal"] == "OBTAIN_KANSENSTATUUT"
    content = response.content.decode()
    assert not re.search(r'name="reason"[^>]*checked', content)
    assert '<li class="proposed" data-reason="OBTAIN_KANSENSTATUUT">' in content


def test_a_confirmation_without_a_reason_registers_nothing(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    before = database_state()
    response = admin_as("greet").post(
        new_card_url(marc), {"uitpas_number": "0945000000204", "balie": KEYS.bib_gent, "_confirm": "x"}
    )
    assert "reason" in form_errors(response)
    assert database_state() == before


def test_every_missing_value_is_named_at_once(demo, admin_as):
    response = preview(admin_as("ann"), demo.passholder(UIDS.pieter), {"uitpas_number": " "})
    assert {
        field: [message.split(" <small")[0] for message in messages]
        for field, messages in form_errors(response).items()
    } == {
        "uitpas_number": ["Scan of typ het nieuwe UiTPAS-nummer."],
        "reason": ["Kies de reden voor de nieuwe kaart."],
        "balie": ["Kies de balie waarvoor u nu werkt."],
    }


# --- Refusals: the API's code in small print, on the field it concerns, and nothing changes ---
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


@pytest.mark.parametrize("step", ["_preview", "_confirm"])
@pytest.mark.parametrize(("changes", "code", "field"), MISTAKES.values(), ids=MISTAKES.keys())
def test_the_admin_and_the_api_give_the_same_code_for_the_same_mistake(
    demo, admin_as, api_as, changes, code, field, step
):
    data = case_data(changes)
    uid = data.pop("uid")
    before = database_state()

    response = admin_as("ann").post(new_card_url(demo.passholder(uid)), {**data, step: "x"})
    errors = form_errors(response)
    assert list(errors) == [field or "__all__"]
    [message] = errors[field or "__all__"]
    words, small_print = message.split(" <small", 1)
    assert small_print == f' class="api-code">{code}</small>'
    # In words: no API code, parameter name or status constant.
    assert not re.search(r"[A-Z]{2,}_[A-Z]|uitpasNumber|balieConsumerKey|kansenStatuutEndDate", words), words
    assert database_state() == before

    api_response = api_as("ann").post(
        NEW_CARD_API, {"uid": uid, **{API_NAMES[k]: v for k, v in data.items()}}
    )
    assert (api_response.status_code, error_code(api_response)) == (400, code)
    assert database_state() == before


def test_a_refusal_shows_the_form_again_with_what_was_typed(demo, admin_as):
    data = case_data(MISTAKES["card of another balie's stock"][0])
    response = preview(admin_as("ann"), demo.passholder(data.pop("uid")), data)
    content = response.content.decode()
    assert 'value="0930000000503"' in content
    assert (
        "Kaart 0930000000503 zit niet in de voorraad van Bibliotheek Aalst: neem een kaart uit die voorraad. "
        '<small class="api-code">INVALID_CARD</small>'
    ) in content
    assert "De kaart is niet geregistreerd. Er is niets veranderd." in content


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (
            "0930000000800",
            "Kaart 0930000000800 kan niet uitgereikt worden: haar status is “centrale voorraad”.",
        ),
        (
            "0930000000701",
            "Kaart 0930000000701 kan niet uitgereikt worden: haar status is “verzonden naar balie”.",
        ),
        ("0930000002004", "Kaart 0930000002004 kan niet uitgereikt worden: haar status is “geblokkeerd”."),
    ],
)
def test_a_status_is_named_in_words(demo, admin_as, number, words):
    data = case_data({"uitpas_number": number})
    response = preview(admin_as("ann"), demo.passholder(data.pop("uid")), data)
    [message] = form_errors(response)["uitpas_number"]
    assert message.startswith(words)


def test_the_form_of_a_passholder_outside_ones_card_systems_does_not_exist(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    client = admin_as("ann")
    before = database_state()
    assert client.get(new_card_url(marc)).status_code == 404
    response = client.post(
        new_card_url(marc),
        {"reason": "EXTRA_CARD", "uitpas_number": "0930000000107", "balie": KEYS.bib_aalst, "_confirm": "x"},
    )
    assert response.status_code == 404
    assert database_state() == before
    assert client.get(reverse("admin:passholders_passholder_new_card", args=["nonsense"])).status_code == 404


def test_the_form_needs_a_login(demo, client):
    response = client.get(new_card_url(demo.passholder(UIDS.ellen)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
