"""The counter (/admin/counter/): the clerk's first page, the balie chosen once per
session, the one lookup field, the holder at a glance, new card and block card."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from cardsystems.models import Card, CardHistory, CardStatus
from cardsystems.permissions import CardSystemPermission as Perm
from passholders import selectors
from passholders.counter_balie import SESSION_KEY
from passholders.models import Membership
from tests.conftest import UIDS, database_state
from tests.factories import BalieFactory, MembershipFactory, PassholderFactory, UserFactory

COUNTER = reverse("admin:counter")
CHOOSE = reverse("admin:counter_balie")


def holder_url(passholder) -> str:
    return reverse("admin:counter_passholder", kwargs={"passholder_id": passholder.pk})


def new_card_url(passholder) -> str:
    return reverse("admin:counter_new_card", kwargs={"passholder_id": passholder.pk})


def block_url(passholder, number: str) -> str:
    return reverse(
        "admin:counter_block_card", kwargs={"passholder_id": passholder.pk, "uitpas_number": number}
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def drama_club_registers(demo):
    """The drama club may register cards in Regio Aalst too: ann then works at two
    balies that can act at the counter."""
    assign_perm(Perm.PASSHOLDER_CREATE.full_name, demo.toneel.permission_group, demo.aalst)


# --- The first page of a clerk ---


@pytest.mark.parametrize(
    ("username", "lands_on"),
    [
        ("bert", COUNTER),  # a clerk of one balie
        ("ann", COUNTER),  # a clerk of two balies, one of which may register cards
        ("greet", COUNTER),
        ("ksb-aalst", None),  # a card system administrator keeps the index
        ("admin", None),  # so does a superuser
    ],
)
def test_the_index_leads_a_clerk_to_the_counter(demo, admin_as, username, lands_on):
    response = admin_as(username).get(reverse("admin:index"))
    if lands_on is None:
        assert response.status_code == 200
    else:
        assert (response.status_code, response["Location"]) == (302, lands_on)


def test_a_clerk_whose_balies_may_not_register_keeps_the_index(demo, admin_as):
    demo.toneel.staff.add(UserFactory(username="volunteer"))
    response = admin_as("volunteer").get(reverse("admin:index"))
    assert response.status_code == 200
    # The counter says why there is nothing for them there.
    page = admin_as("volunteer").get(COUNTER).content.decode()
    assert "Geen van de balies waar u werkt mag kaarten uitreiken" in page


def test_an_administrator_who_also_works_at_a_balie_keeps_the_index(demo, admin_as):
    demo.bib_aalst.staff.add(demo.user("ksb-aalst"))
    assert admin_as("ksb-aalst").get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("username", "linked"),
    [("ann", True), ("bert", True), ("ksb-aalst", False), ("admin", False)],
)
def test_the_header_links_the_counter_for_whoever_works_at_a_balie(demo, admin_as, username, linked):
    page = admin_as(username).get(reverse("admin:passholders_passholder_changelist")).content.decode()
    assert (f'<a href="{COUNTER}" id="counter-link">Balie</a>' in page) is linked


def test_the_counter_is_for_people_who_work_at_a_balie(demo, admin_as):
    assert admin_as("ksb-aalst").get(COUNTER).status_code == 403


def test_the_counter_shows_the_clerks_other_pages(demo, admin_as):
    response = admin_as("bert").get(COUNTER)
    assert {app["app_label"] for app in response.context["available_apps"]} >= {"passholders"}
    assert 'id="counter-other-pages"' in response.content.decode()


# --- The balie, chosen once per session ---


def test_the_only_balie_that_may_register_is_chosen_for_the_clerk(demo, admin_as):
    # ann works at the drama club too, which may not register cards: it is not offered.
    client = admin_as("ann")
    response = client.get(COUNTER)
    assert response.context["balie"] == demo.bib_aalst
    assert client.session[SESSION_KEY] == demo.bib_aalst.pk


def test_a_clerk_of_two_balies_chooses_once(demo, admin_as, drama_club_registers):
    client = admin_as("ann")
    asked = client.get(COUNTER)
    assert asked.context["balies"] == [demo.bib_aalst, demo.toneel]
    assert 'name="balie"' in asked.content.decode()
    assert SESSION_KEY not in client.session

    chosen = client.post(CHOOSE, {"balie": demo.toneel.pk})
    assert chosen["Location"] == COUNTER
    assert client.get(COUNTER).context["balie"] == demo.toneel
    # Remembered: the holder's page and the next lookups act for it without asking.
    ellen = demo.passholder(UIDS.ellen)
    assert client.get(holder_url(ellen)).context["balie"] == demo.toneel


def test_only_a_balie_that_may_register_can_be_chosen(demo, admin_as):
    client = admin_as("ann")
    response = client.post(CHOOSE, {"balie": demo.toneel.pk})
    assert response.status_code == 200
    assert "Kies een van de balies in de lijst." in response.content.decode()
    assert client.post(CHOOSE, {"balie": demo.de_werf.pk}).status_code == 200  # not hers
    assert client.session.get(SESSION_KEY) == demo.bib_aalst.pk  # her only one, still


def test_a_stale_choice_is_dropped_when_the_clerk_no_longer_works_there(demo, admin_as, drama_club_registers):
    client = admin_as("ann")
    client.post(CHOOSE, {"balie": demo.toneel.pk})
    demo.toneel.staff.remove(demo.user("ann"))
    response = client.get(COUNTER)
    # Her one remaining balie acts now; the drama club is forgotten.
    assert response.context["balie"] == demo.bib_aalst
    assert client.session[SESSION_KEY] == demo.bib_aalst.pk


def test_a_choice_is_dropped_when_the_balie_loses_its_right(demo, admin_as, drama_club_registers):
    client = admin_as("ann")
    client.post(CHOOSE, {"balie": demo.bib_aalst.pk})
    remove_perm(Perm.PASSHOLDER_CREATE.full_name, demo.bib_aalst.permission_group, demo.aalst)
    assert client.get(COUNTER).context["balie"] == demo.toneel


def test_a_choice_is_asked_again_when_it_no_longer_holds_and_two_remain(demo, admin_as, drama_club_registers):
    demo.de_werf.staff.add(demo.user("ann"))
    client = admin_as("ann")
    client.post(CHOOSE, {"balie": demo.toneel.pk})
    demo.toneel.staff.remove(demo.user("ann"))
    response = client.get(holder_url(demo.passholder(UIDS.ellen)))
    assert response["Location"] == COUNTER
    assert client.get(COUNTER).context["balie"] is None
    assert SESSION_KEY not in client.session


# --- The lookup field ---


def looked_up(client, term: str):
    return client.get(COUNTER, {"q": term})


@pytest.mark.parametrize(
    "term",
    [
        "0930000001410",  # her current card
        " 0930 0000 0141 0 ",  # with spaces, as printed
        "04A1000000001410",  # its chip
        "04a1000000001410",  # the chip in lower case
        UIDS.ellen,
        UIDS.ellen.upper(),
    ],
)
def test_a_number_chip_or_uid_goes_straight_to_the_holder(demo, admin_as, term):
    response = looked_up(admin_as("bert"), term)
    assert (response.status_code, response["Location"]) == (302, holder_url(demo.passholder(UIDS.ellen)))


def test_an_old_blocked_card_finds_its_holder_too(demo, admin_as):
    Card.objects.filter(uitpas_number="0930000001410").update(status=CardStatus.BLOCKED)
    assert looked_up(admin_as("bert"), "0930000001410")["Location"] == holder_url(demo.passholder(UIDS.ellen))


def names(response) -> list[str]:
    return [str(passholder) for passholder in response.context["lookup"].passholders]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("vanm", ["Ellen Vanmaele"]),  # the start of a name
        ("ELL", ["Ellen Vanmaele"]),  # of a first name, any case
        ("ma", ["Tom Maes"]),
        ("tom maes", ["Tom Maes"]),  # several words narrow down
        ("maes tom", ["Tom Maes"]),
        ("tom vanm", []),
        ("aes", []),  # the middle of a name is no start
    ],
)
def test_a_name_lists_the_passholders_it_starts(demo, admin_as, term, found):
    response = looked_up(admin_as("bert"), term)
    assert response.status_code == 200
    assert names(response) == found


def test_a_name_that_is_hex_is_looked_up_as_a_chip_and_then_as_a_name(demo, admin_as):
    MembershipFactory(passholder=PassholderFactory(first_name="Bea", name="Decaf"), card_system=demo.aalst)
    assert names(looked_up(admin_as("bert"), "bea")) == ["Bea Decaf"]
    assert names(looked_up(admin_as("bert"), "decaf")) == ["Bea Decaf"]


def test_names_are_listed_by_name_and_at_most_fifty(demo, admin_as, monkeypatch):
    for first_name in ("Zita", "Anna", "Mila"):
        MembershipFactory(
            passholder=PassholderFactory(first_name=first_name, name="Aerts"), card_system=demo.aalst
        )
    monkeypatch.setattr(selectors, "NAME_MATCHES_SHOWN", 2)
    response = looked_up(admin_as("bert"), "aerts")
    lookup = response.context["lookup"]
    assert (names(response), lookup.more) == (["Anna Aerts", "Mila Aerts"], True)
    assert "er zijn er meer: typ meer van de naam" in response.content.decode()


def test_a_name_too_many_passholders_start_asks_for_more(demo, admin_as, monkeypatch):
    monkeypatch.setattr(selectors, "NAME_MATCHES_SORTED", 0)
    response = looked_up(admin_as("bert"), "e")
    assert response.context["lookup"].too_many
    assert "typ meer van de naam" in response.content.decode()


def test_a_clerk_only_finds_members_of_the_card_systems_the_balie_sees(demo, admin_as):
    # Marc is a member of Gent only; bert's balie holds rights in Regio Aalst.
    client = admin_as("bert")
    for term in ("0945000000105", "04B1000000000105", UIDS.marc, "peeters", "marc"):
        response = looked_up(client, term)
        assert response.status_code == 200, term
        assert response.context["lookup"].passholders == [], term
    # and greet (Gent) finds Marc, not Ellen.
    greet = admin_as("greet")
    assert looked_up(greet, "0930000001410").context["lookup"].passholders == []
    assert names(looked_up(greet, "ellen")) == []
    assert names(looked_up(greet, "marc")) == ["Marc Peeters"]


def test_what_a_lookup_did_not_find_is_said_in_words(demo, admin_as):
    client = admin_as("bert")
    cases = {
        "0930000000108": "is geen UiTPAS-nummer",  # a wrong check digit
        "0945000000105": "heeft de kaart 0945000000105",
        "zzz": "heeft een naam of voornaam",
        "12": "heeft het chipnummer of de uid “12”",  # two hex digits: a chip number?
        "!!": "geen UiTPAS-nummer, chipnummer, uid of naam",
    }
    for term, words in cases.items():
        content = looked_up(client, term).content.decode()
        assert words in content, (term, content[content.find("errornote") :][:300])


# --- The holder's page ---


def test_the_holder_at_a_glance(demo, admin_as):
    tom = demo.passholder(UIDS.tom)
    content = admin_as("bert").get(holder_url(tom)).content.decode()
    assert "UiTPAS Regio Aalst" in content
    assert re.search(r"afgelopen \d\d/\d\d/\d{4} \(telt niet meer\)", content)
    assert "0930000001717 (kansenpas, actief)" in content
    # The scan goes into the new card's number; no reason is chosen.
    assert re.search(r'<input type="text" name="uitpas_number"[^>]*autofocus', content)
    assert not re.search(r'name="reason"[^>]*checked', content)


def test_the_kansenstatuut_in_its_grace_period_is_said_so(demo, admin_as):
    ended = timezone.localdate() - datetime.timedelta(days=10)
    Membership.objects.filter(passholder__uid=UIDS.ellen).update(kansenstatuut_end_date=ended)
    content = admin_as("bert").get(holder_url(demo.passholder(UIDS.ellen))).content.decode()
    grace_end = ended + datetime.timedelta(days=30)
    assert (
        f"afgelopen {ended:%d/%m/%Y}, telt nog mee in de respijtperiode tot {grace_end:%d/%m/%Y}" in content
    )


def test_a_passholder_outside_the_balies_card_systems_does_not_exist_here(demo, admin_as):
    marc = demo.passholder(UIDS.marc)
    client = admin_as("bert")
    before = database_state()
    assert client.get(holder_url(marc)).status_code == 404
    assert (
        client.post(
            new_card_url(marc), {"reason": "EXTRA_CARD", "uitpas_number": "0930000000503", "_confirm": "x"}
        ).status_code
        == 404
    )
    assert client.get(block_url(marc, "0945000000105")).status_code == 404
    assert client.post(block_url(marc, "0945000000105")).status_code == 404
    assert database_state() == before


def test_block_card_is_offered_where_the_balie_holds_the_block_right(demo, admin_as):
    ellen = demo.passholder(UIDS.ellen)
    assert block_url(ellen, "0930000001410") in admin_as("bert").get(holder_url(ellen)).content.decode()
    # A balie that may register but not block.
    registers_only = BalieFactory(name="Jeugddienst")
    registers_only.card_systems.add(demo.aalst)
    assign_perm(Perm.PASSHOLDER_CREATE.full_name, registers_only.permission_group, demo.aalst)
    registers_only.staff.add(UserFactory(username="jeugd"))
    content = admin_as("jeugd").get(holder_url(ellen)).content.decode()
    assert "block-card" not in content


# --- New card at the counter ---


def test_a_replacement_at_the_counter(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    client = admin_as("bert")
    before = database_state()
    previewed = client.post(
        new_card_url(pieter), {"reason": "LOSS_THEFT", "uitpas_number": "0930000000503", "_preview": "x"}
    )
    assert database_state() == before
    step = previewed.context["step"]
    assert step.plan_sentences[1] == "Ze vervangt 0930056878802, die geblokkeerd wordt."
    assert "balie" not in step.form.fields  # the counter's balie acts
    done = client.post(new_card_url(pieter), {**step.form.carried_values(), "_confirm": "x"}, follow=True)
    assert done.redirect_chain == [(holder_url(pieter), 302)]
    assert messages_of(done) == [
        "Pieter Janssen heeft nu kaart 0930000000503 in UiTPAS Regio Aalst. De oude kaart 0930056878802 is geblokkeerd. "
        "Aangerekend: € 5,00."
    ]
    # Done: the focus waits in the lookup field for the next customer.
    assert re.search(r'id="counter-lookup"[^>]*autofocus', done.content.decode())
    assert CardHistory.objects.filter(card__uitpas_number="0930000000503", balie=demo.de_werf).exists()


def test_a_refusal_at_the_counter_is_in_words_on_its_field(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    before = database_state()
    response = admin_as("bert").post(
        new_card_url(pieter), {"reason": "LOSS_THEFT", "uitpas_number": "0930000000107", "_preview": "x"}
    )
    assert dict(response.context["step"].form.errors) == {
        "uitpas_number": [
            "Kaart 0930000000107 zit niet in de voorraad van CC De Werf: neem een kaart uit die voorraad. "
            '<small class="api-code">INVALID_CARD</small>'
        ]
    }
    assert database_state() == before


def test_a_get_of_the_new_card_step_changes_nothing(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    before = database_state()
    response = admin_as("bert").get(
        new_card_url(pieter), {"reason": "LOSS_THEFT", "uitpas_number": "0930000000503", "_confirm": "x"}
    )
    assert response.status_code == 405
    assert database_state() == before


# --- Block card ---


def test_block_a_card(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    client = admin_as("bert")
    asked = client.get(block_url(pieter, "0930056878802"))
    assert "Kaart 0930056878802 van Pieter Janssen blokkeren?" in asked.content.decode()
    assert demo.card("0930056878802").status == CardStatus.ACTIVE  # asking changes nothing
    done = client.post(block_url(pieter, "0930056878802"), follow=True)
    assert done.redirect_chain == [(holder_url(pieter), 302)]
    assert messages_of(done) == [
        "Kaart 0930056878802 van Pieter Janssen is geblokkeerd: ze kan niet meer gebruikt worden."
    ]
    assert demo.card("0930056878802").status == CardStatus.BLOCKED
    history = CardHistory.objects.filter(card__uitpas_number="0930056878802").latest("created_at")
    assert (history.user.username, history.balie) == ("bert", demo.de_werf)


def test_a_refused_block_is_said_in_words_and_changes_nothing(demo, admin_as):
    pieter = demo.passholder(UIDS.pieter)
    client = admin_as("bert")
    client.post(block_url(pieter, "0930056878802"))
    before = database_state()
    again = client.post(block_url(pieter, "0930056878802"))
    assert (
        "Kaart 0930056878802 kan niet geblokkeerd worden: haar status is “geblokkeerd”. "
        "Enkel een actieve kaart kan dat. "
        '<small class="api-code">INVALID_CARD_STATUS</small>'
    ) in again.content.decode()
    assert database_state() == before


def test_a_balie_without_the_block_right_cannot_block(demo, admin_as):
    registers_only = BalieFactory(name="Jeugddienst")
    registers_only.card_systems.add(demo.aalst)
    assign_perm(Perm.PASSHOLDER_CREATE.full_name, registers_only.permission_group, demo.aalst)
    registers_only.staff.add(UserFactory(username="jeugd"))
    pieter = demo.passholder(UIDS.pieter)
    before = database_state()
    response = admin_as("jeugd").post(block_url(pieter, "0930056878802"))
    assert "Jeugddienst mag geen kaarten van UiTPAS Regio Aalst blokkeren." in response.content.decode()
    assert database_state() == before


# --- What the counter's pages cost ---


# Every page: the session, the user, the clerk's balies with their right (3); a page
# that is shown: the admin's list of the clerk's pages (header and sidebar, 6).
@pytest.mark.parametrize(
    ("page", "queries"),
    [
        ("the counter", 3 + 6),
        # the card systems the balie sees, the holder of the card (then off to their page)
        ("a number", 3 + 2),
        # those card systems, how many match (at most 25,000), the first 50 by name
        ("a name", 3 + 3 + 6),
        # those card systems, the passholder, their memberships, their cards, the
        # balie's rights (who may block)
        ("the holder", 3 + 5 + 6),
    ],
)
def test_the_queries_of_the_counter_pages(demo, admin_as, django_assert_num_queries, page, queries):
    client = admin_as("bert")
    client.get(COUNTER)  # the balie is chosen (and remembered) once
    pieter = demo.passholder(UIDS.pieter)
    request = {
        "the counter": (COUNTER, {}),
        "a number": (COUNTER, {"q": "0930056878802"}),
        "a name": (COUNTER, {"q": "jan"}),
        "the holder": (holder_url(pieter), {}),
    }[page]
    with django_assert_num_queries(queries):
        response = client.get(*request)
    assert response.status_code in (200, 302)


# --- Doors ---


@pytest.mark.parametrize(
    "url",
    [COUNTER, CHOOSE, "/admin/counter/passholder/1/", "/admin/counter/passholder/1/block/0930056878802/"],
)
def test_the_counter_needs_a_login(demo, client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_counters_changes_need_the_csrf_token(demo):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="bert"))
    pieter = demo.passholder(UIDS.pieter)
    before = database_state()
    refused = [
        client.post(block_url(pieter, "0930056878802")),
        client.post(
            new_card_url(pieter), {"reason": "DEFECT", "uitpas_number": "0930000000503", "_confirm": "x"}
        ),
        client.post(CHOOSE, {"balie": demo.de_werf.pk}),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert database_state() == before
