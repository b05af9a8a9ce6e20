"""The card stock in the admin, through the test client: who sees which cards, the list's
filters and search, the actions with their intermediate page, and the stock pages."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cardsystems.models import Card, CardImportUpload, CardStatus
from tests.factories import CardFactory
from tests.stock import aalst_number, ids_of, stock_state

CHANGELIST = reverse("admin:cardsystems_card_changelist")


@pytest.fixture
def client_of(demo):
    def login(username: str) -> Client:
        client = Client()
        client.force_login(demo.user(username))
        return client

    return login


def listed_numbers(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    return {card.uitpas_number for card in response.context["cl"].result_list}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def act(client: Client, action: str, card_ids: list[int], url: str = CHANGELIST, **extra):
    """Post an action from the card list, as its form does."""
    return client.post(url, {"action": action, "index": 0, ACTION_CHECKBOX_NAME: card_ids, **extra})


def confirm(client: Client, action: str, card_ids: list[int], url: str = CHANGELIST, **extra):
    """Post the intermediate page's form: the selection again, and the confirmation."""
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: card_ids, "confirm": "yes", **extra})


class TestWhoSeesWhat:
    def test_an_administrator_sees_every_card_of_their_card_system_only(self, client_of):
        numbers = listed_numbers(client_of("ksb-aalst").get(CHANGELIST))
        assert "0930000000909" in numbers and "0930056878802" in numbers
        assert not any(number.startswith("09450") for number in numbers)
        assert len(numbers) == Card.objects.filter(card_system__name="UiTPAS Regio Aalst").count()

    def test_staff_see_the_stock_of_their_balies_only(self, client_of):
        assert listed_numbers(client_of("greet").get(CHANGELIST)) == {
            "0945000000204",
            "0945000000303",
            "0945000001111",
        }
        assert listed_numbers(client_of("ann").get(CHANGELIST)) == {
            "0930000000107",
            "0930000000206",
            "0930000000305",
            "0930000000404",
            "0930000001113",
            "0930000001212",
            "0930000001311",
            "0930000000701",
        }

    def test_a_superuser_sees_every_card(self, client_of):
        assert len(listed_numbers(client_of("admin").get(CHANGELIST))) == Card.objects.count()

    def test_a_card_shows_its_history_to_those_who_may_see_it(self, demo, client_of):
        card = demo.card("0930000000107")
        url = reverse("admin:cardsystems_card_change", args=[card.pk])
        response = client_of("ann").get(url)
        assert response.status_code == 200
        assert "CREATED" in response.content.decode() or "aangemaakt" in response.content.decode()
        # Outside their list the card does not exist for them: back to the index.
        assert client_of("greet").get(url).status_code == 302
        assert client_of("bert").get(url).status_code == 302

    def test_staff_only_confirm_arrival(self, client_of):
        actions = client_of("ann").get(CHANGELIST).context["action_form"].fields["action"].choices
        assert [name for name, _label in actions if name] == ["confirm_arrival"]
        actions = client_of("ksb-aalst").get(CHANGELIST).context["action_form"].fields["action"].choices
        assert [name for name, _label in actions if name] == [
            "send_to_balie",
            "confirm_arrival",
            "return_to_stock",
            "delete_cards",
            "block_cards",
            "export_numbers",
        ]

    def test_nobody_adds_edits_or_removes_a_card_by_hand(self, demo, client_of):
        card = demo.card("0930000000800")
        client = client_of("admin")
        assert client.get(reverse("admin:cardsystems_card_add")).status_code == 403
        assert client.get(reverse("admin:cardsystems_card_delete", args=[card.pk])).status_code == 403
        # The change page only shows the card; saving it is refused as such.
        change = client.post(reverse("admin:cardsystems_card_change", args=[card.pk]), {"status": "DELETED"})
        assert change.status_code == 403
        assert demo.card("0930000000800").status == CardStatus.STOCK


class TestTheList:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"status__exact": "SENT_TO_BALIE"}, {"0930000000701"}),
            (
                {"status__exact": "LOCAL_STOCK", "kansenpas": "yes"},
                {"0930000001113", "0930000001212", "0930000001311"},
            ),
            ({"status__exact": "PROVISIONED"}, {"0930000000909"}),
            ({"card_type__exact": "STICKER"}, set()),
            (
                {"q": "0930000001"},
                {"0930000001113", "0930000001212", "0930000001311", "0930000001410", "0930000001717"},
            ),
            ({"q": " 0930000000800 "}, {"0930000000800"}),
            ({"q": "04a10000000002"}, {"0930000000206"}),  # a chip number, in lower case
            ({"q": "0930000000206 04A1"}, {"0930000000206"}),  # every term must match
        ],
    )
    def test_filters_and_search(self, demo, client_of, query, expected):
        assert listed_numbers(client_of("ksb-aalst").get(CHANGELIST, query)) == expected

    def test_the_card_system_and_balie_filters(self, demo, client_of):
        client = client_of("admin")
        assert len(listed_numbers(client.get(CHANGELIST, {"card_system": demo.gent.pk}))) == 4
        assert listed_numbers(client.get(CHANGELIST, {"balie": demo.de_werf.pk})) == {
            "0930000000503",
            "0930000000602",
        }

    def test_the_filters_offer_only_what_the_person_may_see(self, demo, client_of):
        response = client_of("ksb-aalst").get(CHANGELIST)
        [card_systems] = [
            spec
            for spec in response.context["cl"].filter_specs
            if getattr(spec, "parameter_name", "") == "card_system"
        ]
        assert [name for _pk, name in card_systems.lookup_choices] == ["UiTPAS Regio Aalst"]

    def test_the_list_costs_the_same_queries_whatever_the_stock(
        self, demo, client_of, django_assert_num_queries
    ):
        client = client_of("ksb-aalst")
        client.get(CHANGELIST)  # warm the content type cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(CHANGELIST, {"status__exact": "STOCK"})
        CardFactory.create_batch(300, card_system=demo.aalst, status=CardStatus.STOCK)
        with django_assert_num_queries(len(few.captured_queries)):
            response = client.get(CHANGELIST, {"status__exact": "STOCK"})
        assert len(listed_numbers(response)) == 100  # one page


class TestActions:
    def test_the_intermediate_page_says_how_many_cards_change_and_changes_nothing(self, demo, client_of):
        client = client_of("ksb-aalst")
        ids = ids_of("0930000000701", "0930000000107")
        before = stock_state()
        response = act(client, "return_to_stock", ids)
        assert response.status_code == 200
        assert response.context["summary"].count == 2
        assert "0930000000107" in response.content.decode()
        assert stock_state() == before
        response = confirm(client, "return_to_stock", ids)
        assert response.status_code == 302
        assert set(Card.objects.filter(pk__in=ids).values_list("status", flat=True)) == {CardStatus.STOCK}

    def test_one_card_that_cannot_change_refuses_the_action_before_asking(self, demo, client_of):
        client = client_of("ksb-aalst")
        before = stock_state()
        response = act(client, "delete_cards", ids_of("0930000000909", "0930000000107"))
        assert response.status_code == 302
        assert any("INVALID_CARD_STATUS" in message for message in messages_of(response))
        response = confirm(client, "delete_cards", ids_of("0930000000909", "0930000000107"))
        assert any("INVALID_CARD_STATUS" in message for message in messages_of(response))
        assert stock_state() == before

    @pytest.mark.parametrize("step", [act, confirm])
    def test_a_card_outside_the_persons_list_refuses_the_action(self, demo, client_of, step):
        before = stock_state()
        response = step(client_of("ksb-aalst"), "delete_cards", ids_of("0930000000909", "0945000000204"))
        assert response.status_code == 302
        assert stock_state() == before
        assert any(
            "not in your list" in message or "niet in uw lijst" in message
            for message in messages_of(response)
        )

    @pytest.mark.parametrize("step", [act, confirm])
    @pytest.mark.parametrize("action", ["delete_cards", "export_numbers"])
    def test_an_id_that_is_no_number_refuses_the_action(self, demo, client_of, step, action):
        before = stock_state()
        response = step(client_of("ksb-aalst"), action, [*ids_of("0930000000909"), "abc"])
        assert response.status_code == 302
        assert not response.get("Content-Type", "").startswith("text/csv")
        assert stock_state() == before
        assert any(
            "not in your list" in message or "niet in uw lijst" in message
            for message in messages_of(response)
        )

    def test_a_card_ticked_twice_counts_once(self, demo, client_of):
        ids = ids_of("0930000000909")
        response = act(client_of("ksb-aalst"), "export_numbers", [*ids, *ids, f" {ids[0]}"])
        assert b"".join(response.streaming_content) == b'"0930000000909"\r\n'

    def test_staff_confirm_the_arrival_at_their_balie(self, demo, client_of):
        client = client_of("ann")
        ids = ids_of("0930000000701")
        assert act(client, "confirm_arrival", ids).status_code == 200
        assert confirm(client, "confirm_arrival", ids).status_code == 302
        assert demo.card("0930000000701").status == CardStatus.LOCAL_STOCK

    def test_staff_cannot_run_the_administrators_actions(self, demo, client_of):
        before = stock_state()
        confirm(client_of("ann"), "return_to_stock", ids_of("0930000000701"))
        assert stock_state() == before

    def test_sending_asks_for_the_balie_and_refuses_one_that_may_not_receive_the_cards(self, demo, client_of):
        kansenpas = CardFactory(card_system=demo.aalst, status=CardStatus.STOCK, kansenpas_card=True)
        client = client_of("ksb-aalst")
        response = act(client, "send_to_balie", [kansenpas.pk])
        assert response.status_code == 200
        assert "balie" in response.context["form"].fields
        before = stock_state()
        response = confirm(client, "send_to_balie", [kansenpas.pk], balie=demo.de_werf.pk)
        assert response.status_code == 200
        assert "ACCESS_DENIED" in str(response.context["form"].errors)
        assert stock_state() == before
        response = confirm(client, "send_to_balie", [kansenpas.pk], balie=demo.bib_aalst.pk)
        assert response.status_code == 302
        kansenpas.refresh_from_db()
        assert (kansenpas.status, kansenpas.balie) == (CardStatus.SENT_TO_BALIE, demo.bib_aalst)

    def test_select_across_changes_every_card_of_the_filtered_list(self, demo, client_of):
        cards = CardFactory.create_batch(
            120, card_system=demo.aalst, status=CardStatus.PROVISIONED, chip_number=None
        )
        url = f"{CHANGELIST}?status__exact=PROVISIONED"
        response = confirm(client_of("ksb-aalst"), "delete_cards", [cards[0].pk], url=url, select_across=1)
        assert response.status_code == 302
        assert Card.objects.filter(status=CardStatus.PROVISIONED).count() == 0
        assert Card.objects.filter(status=CardStatus.DELETED).count() == 121

    def test_blocking_a_card(self, demo, client_of):
        confirm(client_of("ksb-aalst"), "block_cards", ids_of("0930056878802"))
        assert demo.card("0930056878802").status == CardStatus.BLOCKED

    def test_exporting_the_numbers_of_the_selected_cards(self, demo, client_of):
        response = act(client_of("ksb-aalst"), "export_numbers", ids_of("0930000000909", "0930000000800"))
        assert response["Content-Type"].startswith("text/csv")
        assert b"".join(response.streaming_content) == b'"0930000000800"\r\n"0930000000909"\r\n'

    def test_an_export_with_a_card_outside_the_persons_list_is_refused_whole(self, demo, client_of):
        response = act(client_of("ksb-aalst"), "export_numbers", ids_of("0930000000909", "0945000000204"))
        assert response.status_code == 302
        assert not response.get("Content-Type", "").startswith("text/csv")
        assert any(
            "not in your list" in message or "niet in uw lijst" in message
            for message in messages_of(response)
        )


class TestStockPages:
    def test_only_administrators_open_them(self, client_of):
        for name in ("generate", "import", "send_packages"):
            url = reverse(f"admin:cardsystems_card_{name}")
            assert client_of("ann").get(url).status_code == 403
            assert client_of("ksb-aalst").get(url).status_code == 200

    def test_generating_then_downloading_the_numbers(self, demo, client_of):
        client = client_of("ksb-aalst")
        response = client.post(
            reverse("admin:cardsystems_card_generate"),
            {"card_system": demo.aalst.pk, "count": 3, "card_type": "CARD"},
        )
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert page.context["count"] == 3
        export = client.get(page.context["export_url"])
        numbers = [aalst_number(serial) for serial in (568789, 568790, 568791)]
        assert b"".join(export.streaming_content).decode() == "".join(f'"{n}"\r\n' for n in numbers)

    @pytest.mark.parametrize("page", ["generated", "export"])
    @pytest.mark.parametrize(
        "batch", [{}, {"first": "x", "last": "0930000000909"}, {"first": "0930000000909"}]
    )
    def test_a_batch_page_without_a_batch_of_numbers_is_not_found(self, demo, client_of, page, batch):
        response = client_of("ksb-aalst").get(
            reverse(f"admin:cardsystems_card_{page}"), {"card_system": demo.aalst.pk, **batch}
        )
        assert response.status_code == 404

    def test_generating_for_a_card_system_one_does_not_manage_is_refused(self, demo, client_of):
        response = client_of("ksb-aalst").post(
            reverse("admin:cardsystems_card_generate"),
            {"card_system": demo.gent.pk, "count": 3, "card_type": "CARD"},
        )
        assert response.status_code == 200
        assert "card_system" in response.context["form"].errors
        export = client_of("ksb-aalst").get(
            reverse("admin:cardsystems_card_export"), {"card_system": demo.gent.pk, "first": "0", "last": "1"}
        )
        assert export.status_code == 404

    def upload(self, client, demo, text: str):
        return client.post(
            reverse("admin:cardsystems_card_import"),
            {"card_system": demo.aalst.pk, "file": SimpleUploadedFile("chips.csv", text.encode())},
        )

    def test_an_upload_is_previewed_then_applied(self, demo, client_of):
        client = client_of("ksb-aalst")
        response = self.upload(client, demo, '"chip number";"uitpas number"\r\n"04C1";"0930000000909"\r\n')
        assert response.status_code == 302
        preview_url = response["Location"]
        preview = client.get(preview_url)
        assert (preview.context["preview"].card_count, preview.context["preview"].problem_count) == (1, 0)
        assert demo.card("0930000000909").status == CardStatus.PROVISIONED
        applied = client.post(preview_url)
        assert applied.status_code == 302
        card = demo.card("0930000000909")
        assert (card.status, card.chip_number) == (CardStatus.STOCK, "04C1")
        assert not CardImportUpload.objects.exists()

    def test_a_file_with_problems_lists_them_and_cannot_be_applied(self, demo, client_of):
        client = client_of("ksb-aalst")
        response = self.upload(client, demo, '"04C1";"0930000000909"\n"04C2";"0930000000800"\n"04C3"\n')
        preview = client.get(response["Location"])
        assert [(p.line, p.code) for p in preview.context["preview"].problems] == [
            (2, "INVALID_CARD_STATUS"),
            (3, "INVALID_PARAMETERS"),
        ]
        assert b"apply-import" not in preview.content
        before = stock_state()
        refused = client.post(response["Location"])
        assert refused.status_code == 200
        assert refused.context["preview"].problem_count == 2
        assert stock_state() == before

    def test_nul_characters_are_problems_of_their_line_not_failures(self, demo, client_of):
        client = client_of("ksb-aalst")
        response = self.upload(client, demo, '"04C1";"0930000000909"\n"04\x00C2";"0930000000800"\n')
        preview = client.get(response["Location"])
        assert [(p.line, p.code) for p in preview.context["preview"].problems] == [(2, "INVALID_PARAMETERS")]
        assert client.get(CHANGELIST, {"q": "0930000000\x00800"}).status_code == 200

    def test_an_upload_is_seen_only_by_who_uploaded_it(self, demo, client_of):
        response = self.upload(client_of("ksb-aalst"), demo, '"04C1";"0930000000909"\n')
        assert client_of("admin").get(response["Location"]).status_code == 404

    def test_sending_packages_checks_then_sends(self, demo, client_of):
        demo.aalst.package_size = 2
        demo.aalst.save()
        CardFactory(card_system=demo.aalst, serial=600000, status=CardStatus.STOCK)
        client = client_of("ksb-aalst")
        form = {"card_system": demo.aalst.pk, "balie": demo.de_werf.pk, "kansenpas": "false", "packages": 1}
        url = reverse("admin:cardsystems_card_send_packages")
        checked = client.post(url, form)
        assert checked.context["summary"].count == 2
        assert demo.card("0930000000800").status == CardStatus.STOCK
        sent = client.post(url, {**form, "confirm": "yes"})
        assert sent.status_code == 302
        assert set(
            Card.objects.filter(balie=demo.de_werf, status="SENT_TO_BALIE").values_list(
                "uitpas_number", flat=True
            )
        ) == {
            "0930000000800",
            aalst_number(600000),
        }

    def test_too_many_packages_are_refused_on_the_form(self, demo, client_of):
        response = client_of("ksb-aalst").post(
            reverse("admin:cardsystems_card_send_packages"),
            {"card_system": demo.aalst.pk, "balie": demo.de_werf.pk, "kansenpas": "false", "packages": 5},
        )
        assert "packages" in response.context["form"].errors


def test_from_a_generated_number_to_a_balies_local_stock_through_the_admin(demo, client_of):
    """The issue's "done when": an administrator takes a card all the way, and the
    balie's staff confirm its arrival."""
    demo.aalst.package_size = 1
    demo.aalst.save()
    ksb = client_of("ksb-aalst")
    Card.objects.filter(uitpas_number="0930000000800").update(status=CardStatus.DELETED)  # leave stock empty
    generated = ksb.post(
        reverse("admin:cardsystems_card_generate"),
        {"card_system": demo.aalst.pk, "count": 1, "card_type": "CARD"},
    )
    export_url = ksb.get(generated["Location"]).context["export_url"]
    number = b"".join(ksb.get(export_url).streaming_content).decode().strip().strip('"')
    upload = ksb.post(
        reverse("admin:cardsystems_card_import"),
        {
            "card_system": demo.aalst.pk,
            "file": SimpleUploadedFile("back.csv", f'"04D1";"{number}"\n'.encode()),
        },
    )
    ksb.post(upload["Location"])
    send = {"card_system": demo.aalst.pk, "balie": demo.bib_aalst.pk, "kansenpas": "false", "packages": 1}
    ksb.post(reverse("admin:cardsystems_card_send_packages"), {**send, "confirm": "yes"})
    ann = client_of("ann")
    confirm(ann, "confirm_arrival", ids_of(number))
    card = demo.card(number)
    assert (card.status, card.balie, card.chip_number) == (CardStatus.LOCAL_STOCK, demo.bib_aalst, "04D1")
    assert list(card.history.order_by("id").values_list("to_status", flat=True)) == [
        "PROVISIONED",
        "STOCK",
        "SENT_TO_BALIE",
        "LOCAL_STOCK",
    ]


class TestTheReadersLanguage:
    DUTCH, ENGLISH = {"Accept-Language": "nl-BE"}, {"Accept-Language": "en-GB"}

    @pytest.mark.parametrize(
        ("numbers", "headers", "message"),
        [
            (["0930056878802"], DUTCH, "1 kaart (0930056878802) is geblokkeerd."),
            (["0930056878802"], ENGLISH, "1 card (0930056878802) was blocked."),
            (
                ["0930056878802", "0930000004000"],
                DUTCH,
                "2 kaarten (0930000004000 tot 0930056878802) zijn geblokkeerd.",
            ),
        ],
    )
    def test_a_done_action_counts_its_cards_in_the_right_plural(
        self, demo, client_of, numbers, headers, message
    ):
        client = client_of("ksb-aalst")
        response = client.post(
            CHANGELIST,
            {"action": "block_cards", ACTION_CHECKBOX_NAME: ids_of(*numbers), "confirm": "yes"},
            headers=headers,
        )
        assert messages_of(response) == [message]

    def test_one_package_too_many_is_one_package(self, demo, client_of):
        response = client_of("ksb-aalst").post(
            reverse("admin:cardsystems_card_send_packages"),
            {"card_system": demo.aalst.pk, "balie": demo.de_werf.pk, "kansenpas": "true", "packages": 1},
            headers=self.DUTCH,
        )
        assert response.context["form"].errors["packages"] == [
            "ACTION_FAILED: 1 pakket vraagt 50 kaarten; de centrale voorraad heeft er vanaf daar 0."
        ]

    @pytest.mark.parametrize(
        ("headers", "help_text"),
        [
            (DUTCH, "Hier maximaal 100.000 tegelijk; het commando generate_cards maakt er meer."),
            (ENGLISH, "At most 100,000 at a time here; the generate_cards command makes more."),
        ],
    )
    def test_the_generate_page_explains_its_limit_in_the_readers_language(
        self, client_of, headers, help_text
    ):
        response = client_of("ksb-aalst").get(reverse("admin:cardsystems_card_generate"), headers=headers)
        assert response.context["form"].fields["count"].help_text == help_text
