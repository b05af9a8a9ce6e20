"""What the unmodified v3 PHP client (culturefeed-php, ``CultureFeed_Uitpas_Default``) reads
from our answers, and where it would crash: read from that client's source
(``CultureFeed_Uitpas_Default`` and the ``createFromXML`` methods of its value objects).

Test-only. It reads XML the way that client does: unprefixed names (so a default
namespace would hide every element), absolute paths from the document's root, the uid
only as ``uitIdUser/rdf:id`` in the namespace without ``#``, the card number only as
``currentCard/uitpasNumber/uitpasNumber``. Where the client would stop with a PHP
TypeError (a missing element it passes on to a typed parser), this raises
:class:`ClientCrash`.
"""

import datetime
from dataclasses import dataclass, field
from xml.etree import ElementTree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns"


class ClientCrash(AssertionError):
    """The v3 client would stop here with a fatal error."""


def _element(parent: ElementTree.Element, path: str, what: str) -> ElementTree.Element:
    found = parent.find(path)
    if found is None:
        raise ClientCrash(f"{what}: no {path} in <{parent.tag}>")
    return found


def _str(parent, path) -> str | None:
    found = parent.find(path)
    return None if found is None else (found.text or "").strip()


def _bool(parent, path) -> bool | None:
    text = _str(parent, path)
    return None if not text else text.lower() == "true"


def _int(parent, path) -> int | None:
    text = _str(parent, path)
    return None if text is None else int(text)


def _time(parent, path) -> datetime.datetime | None:
    """``strtotime`` of a W3C date-time; the client keeps the moment, with its offset."""
    text = _str(parent, path)
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{path} has no offset: {text}"
    return moment


@dataclass
class CardSystem:
    id: int
    name: str


def _card_system(element: ElementTree.Element) -> CardSystem:
    """The strict client's CardSystem: an int id and a non-empty name, or a TypeError."""
    card_system_id, name = _int(element, "id"), _str(element, "name")
    if card_system_id is None or not name:
        raise ClientCrash(f"cardSystem without id or name: {ElementTree.tostring(element)!r}")
    return CardSystem(card_system_id, name)


@dataclass
class Card:
    uitpas_number: str
    kansenpas: bool | None
    status: str | None
    type: str | None


@dataclass
class CardSystemSpecific:
    card_system: CardSystem
    current_card: Card | None
    status: str | None
    kansen_statuut: bool | None
    kansen_statuut_end_date: datetime.datetime | None
    kansen_statuut_expired: bool | None
    kansen_statuut_in_grace_period: bool | None


@dataclass
class Passholder:
    uid: str | None
    name: str | None
    first_name: str | None
    email: str | None
    postal_code: str | None
    city: str | None
    date_of_birth: datetime.datetime | None
    card_system_specific: dict[int, CardSystemSpecific] = field(default_factory=dict)
    memberships: list = field(default_factory=list)


def read_passholder(body: bytes) -> Passholder:
    """``getPassholderByUitpasNumber`` / ``getPassholderByUser``: ``xpath('/passHolder')``,
    then ``CultureFeed_Uitpas_Passholder::createFromXML``."""
    root = ElementTree.fromstring(body)
    if root.tag != "passHolder":
        raise ClientCrash(f"/passHolder matches nothing: the root is <{root.tag}>")
    specific = {}
    for element in root.findall("cardSystemSpecific"):
        card_system = _card_system(_element(element, "cardSystem", "CardSystemSpecific"))
        current = element.find("currentCard")
        card = None
        if current is not None:
            number = _str(current, "uitpasNumber/uitpasNumber")
            if number is None:
                raise ClientCrash("currentCard without uitpasNumber/uitpasNumber")
            card = Card(
                number, _bool(current, "kansenpas"), _str(current, "status"), _str(current, "cardType")
            )
        specific[card_system.id] = CardSystemSpecific(
            card_system=card_system,
            current_card=card,
            status=_str(element, "status"),
            kansen_statuut=_bool(element, "kansenStatuut"),
            kansen_statuut_end_date=_time(element, "kansenStatuutEndDate"),
            kansen_statuut_expired=_bool(element, "kansenStatuutExpired"),
            kansen_statuut_in_grace_period=_bool(element, "kansenStatuutInGracePeriod"),
        )
    memberships = []
    for membership in root.findall("memberships/membership"):
        association = _element(membership, "association", "Membership")
        memberships.append(_card_system(_element(association, "cardSystem", "Association")))
    uid = None
    user = root.find("uitIdUser")
    if user is not None:
        uid = _str(user, f"{{{RDF}}}id")
        _element(user, "optInPreferences", "UitIdUser")
    return Passholder(
        uid=uid,
        name=_str(root, "name"),
        first_name=_str(root, "firstName"),
        email=_str(root, "email"),
        postal_code=_str(root, "postalCode"),
        city=_str(root, "city"),
        date_of_birth=_time(root, "dateOfBirth"),
        card_system_specific=specific,
        memberships=memberships,
    )


@dataclass
class EmployeeCardSystem:
    id: int
    name: str
    permissions: list[str]
    groups: list[str] | None


@dataclass
class Employee:
    """``CultureFeed_Uitpas_Counter_Employee``: one balie of the list."""

    id: str | None
    consumer_key: str | None
    name: str | None
    role: str | None
    actor_id: str | None
    card_systems: dict[int, EmployeeCardSystem]


def read_balies(body: bytes) -> list[Employee]:
    """``searchCountersForMember``: ``xpath('balies/balie')`` from the root."""
    root = ElementTree.fromstring(body)
    employees = []
    for balie in root.findall("balies/balie"):
        card_systems = {}
        for element in balie.findall("cardSystems/cardSystem"):
            card_system = _card_system(element)
            groups = element.find("groups")
            card_systems[card_system.id] = EmployeeCardSystem(
                card_system.id,
                card_system.name,
                [(permission.text or "").strip() for permission in element.findall("permissions/permission")],
                None if groups is None else [(group.text or "").strip() for group in groups.findall("group")],
            )
        employees.append(
            Employee(
                id=_str(balie, "id"),
                consumer_key=_str(balie, "consumerKey"),
                name=_str(balie, "name"),
                role=_str(balie, "role"),
                actor_id=_str(balie, "actorId"),
                card_systems=card_systems,
            )
        )
    return employees


def read_error(body: bytes) -> tuple[str, str, str | None]:
    """A non-200 answer: ``/response/code``, ``/response/message`` (which must not be
    empty: one client version fails on an empty one) and ``requiredPermission``."""
    root = ElementTree.fromstring(body)
    if root.tag != "response" or not _str(root, "code"):
        raise ClientCrash(f"an error without /response/code: <{root.tag}>")
    message = _str(root, "message")
    if not message:
        raise ClientCrash("an error without a message")
    return _str(root, "code"), message, _str(root, "requiredPermission")


@dataclass
class VoucherType:
    name: str | None
    prefix: str | None


@dataclass
class UitpasPrice:
    """``CultureFeed_Uitpas_Passholder_UitpasPrice``, as ``createFromXML`` fills it."""

    id: int | None
    reason: str | None
    card_type: str | None
    voucher_type: VoucherType | None
    age_from: int | None
    age_to: int | None
    kansenstatuut: bool | None
    price: float | None
    card_system: CardSystem


def _age(parent, path) -> int | None:
    """An age bound: an int, where 0 (or none) means no bound."""
    value = _int(parent, path)
    return value or None


def _uitpas_price(element: ElementTree.Element) -> UitpasPrice:
    voucher_type = element.find("voucherType")
    price = _str(element, "price")
    return UitpasPrice(
        id=_int(element, "id"),
        reason=_str(element, "reason"),
        card_type=_str(element, "cardType"),
        voucher_type=None
        if voucher_type is None
        else VoucherType(_str(voucher_type, "name"), _str(voucher_type, "prefix")),
        age_from=_age(element, "ageRange/ageFrom"),
        age_to=_age(element, "ageRange/ageTo"),
        kansenstatuut=_bool(element, "kansenstatuut"),
        price=None if price is None else float(price),
        # The client builds the card system unconditionally, with its strict parser.
        card_system=_card_system(_element(element, "cardSystem", "UitpasPrice")),
    )


def read_prices(body: bytes) -> list[UitpasPrice]:
    """``getPrice``: ``xpath('/response/uitpasPrices/uitpasPrice')``."""
    root = ElementTree.fromstring(body)
    if root.tag != "response":
        raise ClientCrash(f"/response matches nothing: the root is <{root.tag}>")
    return [_uitpas_price(element) for element in root.findall("uitpasPrices/uitpasPrice")]


def read_price(body: bytes) -> UitpasPrice:
    """``getPriceByUitpas``: ``xpath('/response/uitpasPrice')``, which must be there."""
    root = ElementTree.fromstring(body)
    element = root.find("uitpasPrice") if root.tag == "response" else None
    if element is None:
        raise ClientCrash("no /response/uitpasPrice")
    return _uitpas_price(element)
