"""``GET /uitpas/balie/list?uid=…``: the balies a person works at, with their card systems
and rights under their v3 names; who may ask about whom; the errors in their order; a
constant number of queries; what the v3 PHP client reads from it."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from cardsystems.permissions import CardSystemPermission as Perm
from tests.conftest import KEYS, xml_of
from tests.factories import BalieFactory, CardSystemFactory, UserFactory
from tests.v3_client import read_balies, read_error
from uitid.services import uid_of

BALIE_LIST = "/uitpas/balie/list"


def outline(element):
    children = list(element)
    if not children:
        return (element.tag, element.text)
    return (element.tag, [outline(child) for child in children])


def balie(balie, *card_systems):
    return (
        "balie",
        [
            ("id", str(balie.pk)),
            ("consumerKey", balie.consumer_key),
            ("name", balie.name),
            ("role", "member"),
            ("actorId", balie.consumer_key),
            ("cardSystems", list(card_systems) or None),
        ],
    )


def card_system(card_system, *permissions):
    return (
        "cardSystem",
        [
            ("id", str(card_system.pk)),
            ("name", card_system.name),
            ("permissions", [("permission", name) for name in permissions] or None),
        ],
    )


def balies_of(demo, api_as, asker: str, username: str):
    return api_as(asker).get(BALIE_LIST, {"uid": str(uid_of(demo.user(username)))})


def test_ann_works_at_two_balies(demo, api_as):
    response = balies_of(demo, api_as, "ann", "ann")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert outline(xml_of(response)) == (
        "response",
        [
            (
                "balies",
                [
                    balie(
                        demo.bib_aalst,
                        card_system(demo.aalst, "registratie", "blokkeren", "kansenstatuut toekennen"),
                    ),
                    balie(demo.toneel, card_system(demo.aalst)),
                ],
            )
        ],
    )


def test_the_empty_permissions_of_a_balie_without_rights_are_an_empty_element(demo, api_as):
    body = balies_of(demo, api_as, "ann", "ann").content.decode()
    assert "\t\t\t\t\t<permissions/>\n" in body


@pytest.mark.parametrize(
    "username, expected",
    [
        (
            "greet",
            lambda demo: [
                balie(
                    demo.bib_gent,
                    card_system(demo.gent, "registratie", "blokkeren", "kansenstatuut toekennen"),
                )
            ],
        ),
        ("bert", lambda demo: [balie(demo.de_werf, card_system(demo.aalst, "registratie", "blokkeren"))]),
    ],
)
def test_each_clerk_sees_their_balies(demo, api_as, username, expected):
    response = balies_of(demo, api_as, username, username)
    assert outline(xml_of(response)) == ("response", [("balies", expected(demo))])


@pytest.mark.parametrize("username", ["admin", "ksb-aalst"])
def test_someone_at_no_balie_gets_an_empty_list(demo, api_as, username):
    response = balies_of(demo, api_as, username, username)
    assert response.status_code == 200
    assert outline(xml_of(response)) == ("response", [("balies", None)])
    assert read_balies(response.content) == []


def test_a_superuser_may_ask_about_anyone(demo, api_as):
    assert balies_of(demo, api_as, "admin", "ann").content == balies_of(demo, api_as, "ann", "ann").content
    assert (
        balies_of(demo, api_as, "admin", "greet").content == balies_of(demo, api_as, "greet", "greet").content
    )


def test_a_uid_is_read_in_any_uuid_spelling(demo, api_as):
    own = str(uid_of(demo.user("ann")))
    for spelling in (own.upper(), f"  {own} ", own.replace("-", "")):
        response = api_as("ann").get(BALIE_LIST, {"uid": spelling})
        assert [employee.name for employee in read_balies(response.content)] == [
            "Bibliotheek Aalst",
            "Toneelvereniging Haaltert",
        ]


def test_card_systems_include_those_the_balie_holds_a_right_on_by_name(demo, api_as):
    """Toneelvereniging Haaltert belongs to Regio Aalst and now holds a right in Gent
    and in a card system named before both; a balie of no card system has none."""
    abc = CardSystemFactory(name="Aaa UiTPAS")
    assign_perm(Perm.PASSHOLDER_BLOCK.full_name, demo.toneel.permission_group, demo.gent)
    assign_perm(Perm.KANSENSTATUUT_CREATE.full_name, demo.toneel.permission_group, abc)
    empty = BalieFactory(name="Zolder", staff_members=[demo.user("ann")])
    response = balies_of(demo, api_as, "ann", "ann")
    assert outline(xml_of(response)) == (
        "response",
        [
            (
                "balies",
                [
                    balie(
                        demo.bib_aalst,
                        card_system(demo.aalst, "registratie", "blokkeren", "kansenstatuut toekennen"),
                    ),
                    balie(
                        demo.toneel,
                        card_system(abc, "kansenstatuut toekennen"),
                        card_system(demo.gent, "blokkeren"),
                        card_system(demo.aalst),
                    ),
                    balie(empty),
                ],
            )
        ],
    )


def test_the_stock_right_has_no_v3_name_and_is_left_out(demo, api_as):
    assign_perm(Perm.MANAGE_STOCK.full_name, demo.toneel.permission_group, demo.gent)
    [_, toneel] = read_balies(balies_of(demo, api_as, "ann", "ann").content)
    assert {card_system.name: card_system.permissions for card_system in toneel.card_systems.values()} == {
        "UiTPAS Gent": [],
        "UiTPAS Regio Aalst": [],
    }


@pytest.mark.parametrize(
    "asker, uid, code",
    [
        # 1. MISSING_REQUIRED_FIELDS, for anybody
        ("ann", None, "MISSING_REQUIRED_FIELDS"),
        ("ann", "", "MISSING_REQUIRED_FIELDS"),
        ("admin", "   ", "MISSING_REQUIRED_FIELDS"),
        # 2. ACCESS_DENIED: not your own uid, whether it exists or not
        ("ann", "greet", "ACCESS_DENIED"),
        ("greet", "ann", "ACCESS_DENIED"),
        ("ksb-aalst", "ann", "ACCESS_DENIED"),
        ("ann", str(uuid.UUID(int=1)), "ACCESS_DENIED"),
        ("ann", "not-a-uid", "ACCESS_DENIED"),
        # 3. UNKNOWN_USER: only a superuser gets this far
        ("admin", str(uuid.UUID(int=1)), "UNKNOWN_USER"),
        ("admin", "not-a-uid", "UNKNOWN_USER"),
        ("admin", "\x00", "UNKNOWN_USER"),
    ],
)
def test_the_errors_in_their_order(demo, api_as, asker, uid, code):
    if uid in ("ann", "greet"):
        uid = str(uid_of(demo.user(uid)))
    response = api_as(asker).get(BALIE_LIST, {} if uid is None else {"uid": uid})
    assert response.status_code == 400
    assert read_error(response.content)[0] == code


def test_the_errors_say_why_in_dutch(demo, api_as):
    greet = str(uid_of(demo.user("greet")))
    assert read_error(api_as("ann").get(BALIE_LIST, {"uid": greet}).content) == (
        "ACCESS_DENIED",
        "U mag alleen uw eigen balies opvragen.",
        None,
    )
    assert read_error(api_as("admin").get(BALIE_LIST, {"uid": "nobody"}).content)[1] == (
        "Geen gebruiker heeft uid nobody."
    )
    assert read_error(api_as("admin").get(BALIE_LIST).content)[1] == "uid is verplicht."


def queries_for_list_of(api_as, user) -> tuple[int, list[str]]:
    client = api_as(user.username)
    uid = str(uid_of(user))
    client.get(BALIE_LIST, {"uid": uid})  # warm: the token's user, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BALIE_LIST, {"uid": uid})
    assert response.status_code == 200
    return len(read_balies(response.content)), [query["sql"] for query in captured.captured_queries]


def test_the_list_takes_the_same_few_queries_however_many_balies(demo, api_as):
    busy = UserFactory(username="busy")
    for number in range(6):
        card_systems = [CardSystemFactory(), CardSystemFactory()]
        made = BalieFactory(
            name=f"Balie {number}",
            card_system=card_systems[0],
            perms=[Perm.PASSHOLDER_CREATE, Perm.PASSHOLDER_BLOCK],
            staff_members=[busy],
        )
        assign_perm(Perm.KANSENSTATUUT_CREATE.full_name, made.permission_group, card_systems[1])
    balies_of_ann, queries_of_ann = queries_for_list_of(api_as, demo.user("ann"))
    balies_of_busy, queries_of_busy = queries_for_list_of(api_as, busy)
    assert (balies_of_ann, balies_of_busy) == (2, 6)
    assert len(queries_of_busy) == len(queries_of_ann), "\n".join(queries_of_busy)
    # The token and its user; the uid; the balies, their card systems, their rights and
    # those card systems' names.
    assert len(queries_of_busy) == 6, "\n".join(queries_of_busy)


def test_the_v3_php_client_reads_the_list(demo, api_as):
    employees = read_balies(balies_of(demo, api_as, "ann", "ann").content)
    assert [(e.id, e.consumer_key, e.name, e.role, e.actor_id) for e in employees] == [
        (str(demo.bib_aalst.pk), KEYS.bib_aalst, "Bibliotheek Aalst", "member", KEYS.bib_aalst),
        (str(demo.toneel.pk), KEYS.toneel, "Toneelvereniging Haaltert", "member", KEYS.toneel),
    ]
    library, drama_club = employees
    aalst = library.card_systems[demo.aalst.pk]
    assert (aalst.name, aalst.permissions, aalst.groups) == (
        "UiTPAS Regio Aalst",
        ["registratie", "blokkeren", "kansenstatuut toekennen"],
        None,
    )
    assert drama_club.card_systems[demo.aalst.pk].permissions == []
