"""Dutch by default, English for a browser that asks for it, and a switch in the header."""

import pytest
from django.urls import reverse

LOGIN = reverse("admin:login")


@pytest.mark.parametrize(
    ("accept_language", "username_label"),
    [
        (None, "Gebruikersnaam"),
        ("nl-BE,nl;q=0.9", "Gebruikersnaam"),
        ("en-GB,en;q=0.8", "Username"),
        ("fr-BE", "Gebruikersnaam"),
    ],
    ids=["no preference", "Dutch", "English", "French: the default"],
)
def test_the_browser_language_chooses_dutch_or_english(db, client, accept_language, username_label):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    assert username_label in client.get(LOGIN, headers=headers).content.decode()


def test_the_header_switches_the_language_and_remembers_it(demo, admin_as):
    client = admin_as("ann")
    page = client.get(reverse("admin:index"), follow=True).content.decode()  # a clerk's: the counter
    assert 'id="language-switch"' in page
    assert 'value="en"' in page and 'value="nl"' in page
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/admin/passholders/passholder/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/passholders/passholder/")
    assert (
        "Search by UiTPAS number, chip number, uid, or the start of the name and first name."
        in client.get("/admin/passholders/passholder/").content.decode()
    )
    client.post(reverse("set_language"), {"language": "nl", "next": "/admin/"})
    assert (
        "Zoek op UiTPAS-nummer, chipnummer, uid, of het begin van de naam en voornaam."
        in client.get("/admin/passholders/passholder/").content.decode()
    )


def test_the_switch_is_on_the_login_page_too(db, client):
    assert 'id="language-switch"' in client.get(LOGIN).content.decode()
