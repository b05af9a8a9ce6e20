"""The guide for clerks and administrators (Handleiding): a page of the admin, linked from
every page's header, for everybody who may log in; its screenshots are in the repository."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from uitpas_site.guide import SCREENSHOTS

GUIDE = "/admin/guide/"
TEMPLATE = Path(settings.BASE_DIR) / "templates" / "admin" / "guide.html"


def test_the_guide_is_at_admin_guide():
    assert reverse("admin:guide") == GUIDE


@pytest.mark.parametrize("username", ["ann", "bert", "ksb-aalst", "admin"])
def test_a_clerk_and_an_administrator_read_it(demo, admin_as, username):
    response = admin_as(username).get(GUIDE, headers={"Accept-Language": "nl"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Handleiding |" in page
    assert 'lang="nl"' in page and "Een nieuwe kaart, in drie stappen" in page


def test_every_page_links_to_it_in_the_header(demo, admin_as):
    for username, page in [("bert", reverse("admin:counter")), ("ksb-aalst", reverse("admin:index"))]:
        response = admin_as(username).get(page, headers={"Accept-Language": "nl"})
        assert response.status_code == 200
        header = response.content.decode().split('id="user-tools"', 1)[1].split("</div>", 1)[0]
        assert f'<a href="{GUIDE}" id="guide-link">Handleiding</a>' in header


def test_an_english_reader_is_told_it_is_dutch(demo, admin_as):
    page = admin_as("bert").get(GUIDE, headers={"Accept-Language": "en"}).content.decode()
    assert '<a href="/admin/guide/" id="guide-link">Guide</a>' in page
    assert "This guide is written in Dutch" in page


def test_each_screenshot_it_shows_is_in_static_guide():
    template = TEMPLATE.read_text()
    shown = set(re.findall(r"\{% static 'guide/([^']+)' %\}", template))
    assert shown == set(SCREENSHOTS)
    for name in SCREENSHOTS:
        file = Path(settings.BASE_DIR) / "static" / "guide" / name
        assert file.is_file(), name
        assert file.stat().st_size < 150_000, name


def test_the_rendered_page_serves_its_screenshots(demo, admin_as):
    page = admin_as("ann").get(GUIDE).content.decode()
    for name in SCREENSHOTS:
        found = re.search(rf'src="(/static/guide/{re.escape(name[:-4])}[^"]*\.png)"', page)
        assert found, name
        assert Client().get(found.group(1)).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(db):
    response = Client().get(GUIDE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={GUIDE}"
