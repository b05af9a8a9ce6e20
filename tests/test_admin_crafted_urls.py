"""The back-office's lists against crafted URLs, for a clerk and an administrator:
letters where an id belongs, values a filter does not offer, regular expressions, NUL
characters, searches of a thousand words. The list with Django's ``?e=1``, a message or
a 400; never a 500."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

CARDS = reverse("admin:cardsystems_card_changelist")
PASSHOLDERS = reverse("admin:passholders_passholder_changelist")
AUDIT = reverse("admin:cardsystems_auditentry_changelist")
HISTORY = reverse("admin:cardsystems_cardhistory_changelist")
THOUSAND_WORDS = " ".join(f"word{number}" for number in range(1100))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("username", ["ann", "ksb-aalst"])
@pytest.mark.parametrize(
    "url, query",
    [
        (CARDS, {"balie": "abc"}),
        (CARDS, {"card_system": "abc"}),
        (CARDS, {"card_system": "1.5"}),
        (CARDS, {"card_system": "²"}),  # a digit to str.isdigit, not to int()
        (CARDS, {"card_system": "9" * 30}),
        (CARDS, {"kansenpas": "maybe"}),
        (PASSHOLDERS, {"card_system": "abc"}),
        (PASSHOLDERS, {"card_system": "²"}),
        (PASSHOLDERS, {"card_system": "9" * 30}),
        (PASSHOLDERS, {"card_system": "1", "membership_status": "sleeping"}),
    ],
)
def test_a_value_a_filter_does_not_offer_gives_the_invalid_lookup_page(demo, admin_as, username, url, query):
    response = admin_as(username).get(url, query)
    assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")


def test_a_card_system_the_viewer_does_not_see_is_not_a_filter_value(demo, admin_as):
    response = admin_as("ksb-aalst").get(CARDS, {"card_system": demo.gent.pk})
    assert (response.status_code, response["Location"]) == (302, f"{CARDS}?e=1")
    response = admin_as("ksb-aalst").get(CARDS, {"balie": demo.bib_gent.pk})
    assert (response.status_code, response["Location"]) == (302, f"{CARDS}?e=1")


@pytest.mark.parametrize(
    "username, url, query",
    [
        ("ann", CARDS, {"uitpas_number__regex": "("}),
        ("ann", CARDS, {"chip_number__iregex": "(a+)+$"}),
        ("ann", CARDS, {"status__exact": "\x00"}),
        ("ann", PASSHOLDERS, {"name__regex": "("}),
        ("ann", PASSHOLDERS, {"name__exact": "Maes\x00"}),
        ("ksb-aalst", AUDIT, {"object_repr__regex": "("}),
        ("ksb-aalst", HISTORY, {"reason__exact": "\x00"}),
    ],
)
def test_a_regular_expression_or_a_nul_in_a_filter_is_a_bad_request(demo, admin_as, username, url, query):
    assert admin_as(username).get(url, query).status_code == 400


@pytest.mark.parametrize(
    "username, url",
    [
        ("ann", CARDS),
        ("ann", PASSHOLDERS),
        ("ksb-aalst", CARDS),
        ("ksb-aalst", AUDIT),
        ("ksb-aalst", HISTORY),
    ],
)
def test_a_search_of_more_than_ten_words_is_refused_with_a_message(demo, admin_as, username, url):
    client = admin_as(username)
    response = client.get(url, {"q": THOUSAND_WORDS})
    assert response.status_code == 200
    assert messages_of(response) == ["Zoek met hoogstens 10 woorden."]
    unsearched = client.get(url).context["cl"].result_count
    assert response.context["cl"].result_count == unsearched > 0


def test_ten_words_still_search_passholders(demo, admin_as):
    # Each word starts her name or first name (the search's rule).
    response = admin_as("ann").get(PASSHOLDERS, {"q": "el ell elle ellen va van vanm vanma vanmae vanmaele"})
    assert messages_of(response) == []
    assert [passholder.name for passholder in response.context["cl"].result_list] == ["Vanmaele"]


def test_ten_terms_still_search_cards(demo, admin_as):
    terms = " ".join("0930000000206"[:length] for length in range(4, 14))
    response = admin_as("ann").get(CARDS, {"q": terms})
    assert messages_of(response) == []
    assert [card.uitpas_number for card in response.context["cl"].result_list] == ["0930000000206"]
