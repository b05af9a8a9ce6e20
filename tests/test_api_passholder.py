"""The v3 passholder document, by card (``/uitpas/passholder/{uitpasNumber}``) and by uid
(``/uitpas/passholder/uid/{uid}``): its elements, their order and types as the v3
documentation shows them, who sees which card systems, the errors (root ``response``),
and what the unmodified v3 PHP client reads from it."""

import datetime
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from passholders.models import Passholder
from passholders.services import register_new_card
from tests.conftest import KEYS, UIDS, xml_of
from tests.v3_client import RDF, ClientCrash, read_error, read_passholder
from uitpas_site.errors import ErrorCode

TODAY = timezone.localdate()
CARD_OF = {
    UIDS.ellen: "0930000001410",
    UIDS.pieter: "0930056878802",
    UIDS.marc: "0945000000105",
    UIDS.sofie: "0930000004000",
    UIDS.tom: "0930000001717",
}
W3C_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")

# The elements of the v3 documentation's example passholder (ophalen-van-pashouder.md),
# in its order: ours must be a part of it, in the same order.
DOCUMENTED_PASSHOLDER = [
    "cardSystemSpecific",
    "city",
    "dateOfBirth",
    "email",
    "firstName",
    "secondName",
    "gender",
    "gsm",
    "inszNumber",
    "lastActivationMailNumber",
    "memberships",
    "name",
    "nationality",
    "number",
    "numberOfCheckins",
    "placeOfBirth",
    "points",
    "postalCode",
    "registrationBalieConsumerKey",
    "street",
    "telephone",
    "uitIdUser",
    "verified",
]
# ... and of its cardSystemSpecific, with kansenStatuut and status (which the v3 client
# reads there) in their alphabetical places.
DOCUMENTED_CARD_SYSTEM_SPECIFIC = [
    "cardSystem",
    "currentCard",
    "emailPreference",
    "kansenStatuut",
    "kansenStatuutEndDate",
    "kansenStatuutExpired",
    "kansenStatuutInGracePeriod",
    "smsPreference",
    "status",
]
DOCUMENTED_CURRENT_CARD = ["cardType", "kansenpas", "status", "uitpasNumber"]


def outline(element: ElementTree.Element):
    """The element as (name, text) or (name, [children]), in document order."""
    children = list(element)
    if not children:
        return (element.tag, element.text)
    return (element.tag, [outline(child) for child in children])


def by_card(client, uid: str, **params):
    return client.get(f"/uitpas/passholder/{CARD_OF[uid]}", params)


def by_uid(client, uid: str, **params):
    return client.get(f"/uitpas/passholder/uid/{uid}", params)


LOOKUPS = pytest.mark.parametrize("lookup", [by_card, by_uid], ids=["by card", "by uid"])


def card_system_specific(
    card_system, number: str, *, kansenpas: bool, status="ACTIVE", end_date=None, expired=False, grace=False
):
    kansenstatuut = [("kansenStatuut", "true" if end_date else "false")]
    if end_date:
        kansenstatuut.append(("kansenStatuutEndDate", end_date))
    return (
        "cardSystemSpecific",
        [
            ("cardSystem", [("id", str(card_system.pk)), ("name", card_system.name)]),
            (
                "currentCard",
                [
                    ("cardType", "CARD"),
                    ("kansenpas", "true" if kansenpas else "false"),
                    ("status", "ACTIVE"),
                    ("uitpasNumber", [("uitpasNumber", number)]),
                ],
            ),
            *kansenstatuut,
            ("kansenStatuutExpired", "true" if expired else "false"),
            ("kansenStatuutInGracePeriod", "true" if grace else "false"),
            ("status", status),
        ],
    )


def personal(uid, first_name, name, postal_code, date_of_birth=None):
    return [
        *([("dateOfBirth", date_of_birth)] if date_of_birth else []),
        ("firstName", first_name),
        ("memberships", None),
        ("name", name),
        ("postalCode", postal_code),
        ("uitIdUser", [(f"{{{RDF}}}id", uid), ("optInPreferences", None)]),
    ]


def expected_documents(demo) -> dict:
    """The whole document of each demo passholder, as its card systems' staff see it."""
    tom_end = TODAY - datetime.timedelta(days=60)
    return {
        UIDS.ellen: [
            card_system_specific(
                demo.aalst,
                "0930000001410",
                kansenpas=True,
                end_date=f"{TODAY.year}-12-31T23:59:59+01:00",
            ),
            *personal(UIDS.ellen, "Ellen", "Vanmaele", "9300", "1990-05-12T00:00:00+02:00"),
        ],
        UIDS.tom: [
            card_system_specific(
                demo.aalst,
                "0930000001717",
                kansenpas=True,
                # The last second of that day, with the Brussels offset of that day.
                end_date=f"{tom_end.isoformat()}T23:59:59{brussels_offset(tom_end)}",
                expired=True,
            ),
            *personal(UIDS.tom, "Tom", "Maes", "9300"),
        ],
        UIDS.marc: [
            card_system_specific(demo.gent, "0945000000105", kansenpas=False),
            *personal(UIDS.marc, "Marc", "Peeters", "9000", "1985-11-02T00:00:00+01:00"),
        ],
        UIDS.sofie: [
            card_system_specific(demo.aalst, "0930000004000", kansenpas=False, status="BLOCKED"),
            *personal(UIDS.sofie, "Sofie", "Claes", "9320", "2000-01-20T00:00:00+01:00"),
        ],
        UIDS.pieter: [
            card_system_specific(demo.aalst, "0930056878802", kansenpas=False),
            *personal(UIDS.pieter, "Pieter", "Janssen", "9300", "2012-03-01T00:00:00+01:00"),
        ],
    }


def brussels_offset(day: datetime.date) -> str:
    """+01:00 or +02:00: whether Brussels keeps summer time at the end of that day."""
    moment = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=timezone.get_default_timezone())
    return "+02:00" if moment.utcoffset() == datetime.timedelta(hours=2) else "+01:00"


VIEWER = {
    UIDS.ellen: "ann",
    UIDS.tom: "bert",
    UIDS.marc: "greet",
    UIDS.sofie: "ksb-aalst",
    UIDS.pieter: "admin",
}


@LOOKUPS
@pytest.mark.parametrize("uid", VIEWER, ids=["ellen", "tom", "marc", "sofie", "pieter"])
def test_the_whole_document_of_each_demo_passholder(demo, api_as, lookup, uid):
    response = lookup(api_as(VIEWER[uid]), uid)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert outline(xml_of(response)) == ("passHolder", expected_documents(demo)[uid])


@pytest.mark.parametrize("uid", VIEWER)
def test_both_lookups_answer_the_same_document(demo, api_as, uid):
    client = api_as(VIEWER[uid])
    assert by_card(client, uid).content == by_uid(client, uid).content


def test_the_root_declares_the_rdf_namespace_without_hash_and_no_default_namespace(demo, api_as):
    body = by_card(api_as("ann"), UIDS.ellen).content.decode()
    first_lines = body.splitlines()[:2]
    assert first_lines == [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<passHolder xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns">',
    ]
    assert "xmlns=" not in body
    assert "<rdf:id>8d80e3b6-80a2-4e2f-8bbb-cd2a72809d77</rdf:id>" in body


@LOOKUPS
def test_the_elements_keep_the_documented_names_and_order(demo, api_as, lookup):
    def in_documented_order(tags, documented):
        assert set(tags) <= set(documented), set(tags) - set(documented)
        positions = [documented.index(tag) for tag in tags]
        assert positions == sorted(positions), tags

    for uid, viewer in VIEWER.items():
        root = xml_of(lookup(api_as(viewer), uid))
        in_documented_order([child.tag for child in root], DOCUMENTED_PASSHOLDER)
        for specific in root.findall("cardSystemSpecific"):
            in_documented_order([child.tag for child in specific], DOCUMENTED_CARD_SYSTEM_SPECIFIC)
            in_documented_order(
                [child.tag for child in specific.find("currentCard")], DOCUMENTED_CURRENT_CARD
            )


@LOOKUPS
def test_the_values_have_the_documented_types(demo, api_as, lookup):
    booleans = [
        "kansenStatuut",
        "kansenStatuutExpired",
        "kansenStatuutInGracePeriod",
        "currentCard/kansenpas",
    ]
    for uid, viewer in VIEWER.items():
        root = xml_of(lookup(api_as(viewer), uid))
        for specific in root.findall("cardSystemSpecific"):
            assert int(specific.findtext("cardSystem/id")) > 0
            assert specific.findtext("cardSystem/name")
            assert all(specific.findtext(path) in ("true", "false") for path in booleans)
            assert specific.findtext("status") in ("ACTIVE", "BLOCKED")
            assert specific.findtext("currentCard/status") in ("ACTIVE", "BLOCKED")
            assert specific.findtext("currentCard/cardType") in ("CARD", "STICKER", "KEYRING")
            assert re.fullmatch(r"0\d{12}", specific.findtext("currentCard/uitpasNumber/uitpasNumber"))
            end_date = specific.findtext("kansenStatuutEndDate")
            assert end_date is None or W3C_DATETIME.fullmatch(end_date)
        date_of_birth = root.findtext("dateOfBirth")
        assert date_of_birth is None or W3C_DATETIME.fullmatch(date_of_birth)
        assert len(root.find("memberships")) == 0 and not (root.find("memberships").text or "").strip()
        assert len(root.find("uitIdUser/optInPreferences")) == 0
        assert root.find(f"uitIdUser/{{{RDF}}}id").text == uid
        # The usual RDF namespace, with "#", would not do: the v3 client asks for this one.
        assert root.find("uitIdUser/{http://www.w3.org/1999/02/22-rdf-syntax-ns#}id") is None


def test_a_kansenstatuut_in_its_grace_period(demo, api_as):
    """Ended 10 days ago, with 30 days' grace: not expired, in its grace period."""
    ended = TODAY - datetime.timedelta(days=10)
    demo.passholder(UIDS.tom).memberships.update(kansenstatuut_end_date=ended)
    specific = xml_of(by_uid(api_as("ann"), UIDS.tom)).find("cardSystemSpecific")
    assert [
        specific.findtext(tag)
        for tag in ("kansenStatuut", "kansenStatuutExpired", "kansenStatuutInGracePeriod")
    ] == [
        "true",
        "false",
        "true",
    ]
    assert (
        specific.findtext("kansenStatuutEndDate") == f"{ended.isoformat()}T23:59:59{brussels_offset(ended)}"
    )


def test_what_we_know_more_of_a_passholder_is_shown_too(demo, api_as):
    Passholder.objects.filter(uid=UIDS.tom).update(
        email="tom@example.org", city="Aalst", date_of_birth=datetime.date(2001, 7, 4)
    )
    root = xml_of(by_uid(api_as("ann"), UIDS.tom))
    assert [(child.tag, child.text) for child in root][1:4] == [
        ("city", "Aalst"),
        ("dateOfBirth", "2001-07-04T00:00:00+02:00"),
        ("email", "tom@example.org"),
    ]


def extra_aalst_card_for_marc(demo) -> None:
    register_new_card(
        user=demo.user("ann"),
        uid=UIDS.marc,
        reason="EXTRA_CARD",
        uitpas_number="0930000000305",
        balie_consumer_key=KEYS.bib_aalst,
    )


def card_systems_seen(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [
        specific.findtext("cardSystem/name") for specific in xml_of(response).findall("cardSystemSpecific")
    ]


@LOOKUPS
@pytest.mark.parametrize(
    "viewer, key, seen",
    [
        ("ann", None, ["UiTPAS Regio Aalst"]),
        ("ann", KEYS.bib_aalst, ["UiTPAS Regio Aalst"]),
        ("bert", None, ["UiTPAS Regio Aalst"]),
        ("greet", None, ["UiTPAS Gent"]),
        ("greet", KEYS.bib_gent, ["UiTPAS Gent"]),
        ("ksb-aalst", None, ["UiTPAS Regio Aalst"]),
        ("admin", None, ["UiTPAS Gent", "UiTPAS Regio Aalst"]),
        # A superuser naming a balie sees what that balie may see.
        ("admin", KEYS.bib_gent, ["UiTPAS Gent"]),
        ("admin", KEYS.de_werf, ["UiTPAS Regio Aalst"]),
    ],
)
def test_each_viewer_sees_the_card_systems_they_hold_a_right_in(demo, api_as, lookup, viewer, key, seen):
    """Marc, member of Gent, with an extra card of Regio Aalst."""
    extra_aalst_card_for_marc(demo)
    params = {"balieConsumerKey": key} if key else {}
    response = lookup(api_as(viewer), UIDS.marc, **params)
    assert card_systems_seen(response) == seen
    assert read_passholder(response.content).uid == UIDS.marc


@LOOKUPS
@pytest.mark.parametrize(
    "viewer, uid, key, status, code",
    [
        ("ann", UIDS.marc, None, 400, "ACCESS_DENIED"),
        ("greet", UIDS.ellen, None, 400, "ACCESS_DENIED"),
        ("ksb-aalst", UIDS.marc, None, 400, "ACCESS_DENIED"),
        # Narrowed to a balie without rights: nothing to see.
        ("ann", UIDS.ellen, KEYS.toneel, 400, "ACCESS_DENIED"),
        # A balie one does not work at.
        ("ann", UIDS.ellen, KEYS.bib_gent, 400, "ACCESS_DENIED"),
        ("greet", UIDS.ellen, KEYS.bib_aalst, 400, "ACCESS_DENIED"),
        ("ann", UIDS.ellen, "NOPE", 400, "UNKNOWN_BALIE_CONSUMERKEY"),
    ],
)
def test_who_may_not_see_a_passholder(demo, api_as, lookup, viewer, uid, key, status, code):
    params = {"balieConsumerKey": key} if key else {}
    response = lookup(api_as(viewer), uid, **params)
    assert response.status_code == status
    assert read_error(response.content)[0] == code


def test_the_refusal_names_the_right_it_needs(demo, api_as):
    response = by_uid(api_as("greet"), UIDS.ellen)
    assert read_error(response.content) == (
        "ACCESS_DENIED",
        "U hebt geen rechten in de kaartsystemen van deze pashouder.",
        "PERMISSION_PASSHOLDER - ACTION_CREATE",
    )


@pytest.mark.parametrize(
    "uid",
    [
        "00000000-0000-4000-8000-000000000000",  # well-formed, nobody's
        "not-a-uid",
        "8d80e3b6-80a2-4e2f-8bbb-cd2a72809d7",  # one digit short
        "0930000001410",  # a card number is no uid
        "%00",
    ],
)
def test_an_unknown_uid_is_a_404_with_unknown_passholder_uid(demo, api_as, uid):
    response = api_as("ann").get(f"/uitpas/passholder/uid/{uid}")
    assert response.status_code == 404
    code, message, permission = read_error(response.content)
    assert (code, permission) == ("UNKNOWN_PASSHOLDER_UID", None)


@pytest.mark.parametrize(
    "uid",
    [UIDS.ellen.upper(), UIDS.ellen.replace("-", ""), f"%20{UIDS.ellen}%20", f"urn:uuid:{UIDS.ellen}"],
    ids=["upper case", "no dashes", "spaces around", "urn"],
)
def test_a_uid_is_read_in_any_uuid_spelling(demo, api_as, uid):
    response = api_as("ann").get(f"/uitpas/passholder/uid/{uid}")
    assert read_passholder(response.content).uid == UIDS.ellen


@pytest.mark.parametrize(
    "viewer, uid, key, status, code",
    [
        # The balie is checked before the uid ...
        ("ann", "unknown", "NOPE", 400, "UNKNOWN_BALIE_CONSUMERKEY"),
        ("ann", "unknown", KEYS.bib_gent, 400, "ACCESS_DENIED"),
        # ... and the uid before what the viewer may see of its passholder.
        ("greet", "unknown", None, 404, "UNKNOWN_PASSHOLDER_UID"),
        ("greet", UIDS.ellen, None, 400, "ACCESS_DENIED"),
    ],
)
def test_the_uid_lookup_checks_in_the_documented_order(demo, api_as, viewer, uid, key, status, code):
    params = {"balieConsumerKey": key} if key else {}
    response = by_uid(api_as(viewer), uid, **params)
    assert (response.status_code, read_error(response.content)[0]) == (status, code)


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("get", "/uitpas/passholder/uid", 400, "PARSE_INVALID_UITPASNUMBER"),  # a number, "uid"
        ("get", "/uitpas/passholder/uid/", 404, "NOT_FOUND"),
        ("get", "/uitpas/passholder/uid/newCard", 404, "UNKNOWN_PASSHOLDER_UID"),
        ("get", f"/uitpas/passholder/uid/{UIDS.ellen}/x", 404, "NOT_FOUND"),
        ("post", f"/uitpas/passholder/uid/{UIDS.ellen}", 405, "METHOD_NOT_ALLOWED"),
        ("get", "/uitpas/passholder/newCard", 405, "METHOD_NOT_ALLOWED"),
        ("get", "/uitpas/passholder/block/0930000001410", 405, "METHOD_NOT_ALLOWED"),
        ("post", "/uitpas/passholder/block/uid", 400, "PARSE_INVALID_UITPASNUMBER"),
    ],
)
def test_the_uid_url_and_its_neighbours_keep_to_their_own_requests(demo, api_as, method, path, status, code):
    response = getattr(api_as("admin"), method)(path)
    assert (response.status_code, read_error(response.content)[0]) == (status, code)


@pytest.mark.parametrize(
    "path",
    [
        "/uitpas/passholder/0930000000108",
        "/uitpas/passholder/0930000099901",
        "/uitpas/passholder/uid/unknown",
        f"/uitpas/passholder/uid/{UIDS.marc}",
    ],
)
def test_errors_of_the_passholder_lookups_keep_root_response(demo, api_as, path):
    response = api_as("ann").get(path)
    assert response.status_code in (400, 404)
    root = xml_of(response)
    assert root.tag == "response" and root.attrib == {}
    assert [child.tag for child in root][:2] == ["code", "message"]
    assert root.findtext("code") in {code.value for code in ErrorCode}


@LOOKUPS
@pytest.mark.parametrize("uid", VIEWER)
def test_the_v3_php_client_reads_the_document(demo, api_as, lookup, uid):
    passholder = read_passholder(lookup(api_as(VIEWER[uid]), uid).content)
    expected = demo.passholder(uid)
    assert (passholder.uid, passholder.name, passholder.first_name, passholder.postal_code) == (
        uid,
        expected.name,
        expected.first_name,
        expected.postal_code,
    )
    assert passholder.email is None and passholder.city is None and passholder.memberships == []
    if expected.date_of_birth:
        assert (passholder.date_of_birth.date(), passholder.date_of_birth.time()) == (
            expected.date_of_birth,
            datetime.time(0, 0),
        )
    else:
        assert passholder.date_of_birth is None
    [membership] = expected.memberships.all()
    specific = passholder.card_system_specific[membership.card_system_id]
    assert specific.card_system.name == membership.card_system.name
    assert specific.current_card.uitpas_number == CARD_OF[uid]
    assert specific.current_card.kansenpas == membership.current_card.kansenpas
    assert specific.status == membership.status
    assert specific.kansen_statuut == membership.kansenstatuut
    if membership.kansenstatuut:
        assert specific.kansen_statuut_end_date.date() == membership.kansenstatuut_end_date
    else:
        assert specific.kansen_statuut_end_date is None


def test_the_client_parser_would_have_crashed_on_the_old_shape():
    """The parser is strict where the v3 client is: the earlier answer, wrapped in
    ``response`` with memberships without an association, fails it."""
    old = (
        b"<response><passHolder><uid>x</uid><memberships><membership/></memberships></passHolder></response>"
    )
    with pytest.raises(ClientCrash):
        read_passholder(old)
    with pytest.raises(ClientCrash):
        read_passholder(old.replace(b"<response>", b"").replace(b"</response>", b""))
    with pytest.raises(ClientCrash):
        read_passholder(b"<passHolder><uitIdUser/></passHolder>")
