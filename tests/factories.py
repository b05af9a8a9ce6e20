"""factory_boy factories for objects the demo data does not have."""

import factory
from django.contrib.auth import get_user_model
from guardian.shortcuts import assign_perm

from cardsystems.models import Balie, Card, CardStatus, CardSystem, Voucher, VoucherType
from cardsystems.uitpas_numbers import make_uitpas_number
from passholders.models import Membership, Passholder


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("secret")


class CardSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardSystem

    name = factory.Sequence(lambda n: f"UiTPAS Test {n}")
    number_prefix = factory.Sequence(lambda n: f"0{(5000 + n) % 10000:04d}")
    kansenstatuut_grace_days = 0


class BalieFactory(factory.django.DjangoModelFactory):
    """A balie of one card system; ``perms`` are the rights it holds there."""

    class Meta:
        model = Balie
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Balie {n}")

    @factory.post_generation
    def card_system(self, create, extracted, **kwargs):
        if extracted is not None:
            self.card_systems.add(extracted)

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        for perm in extracted or ():
            for card_system in self.card_systems.all():
                assign_perm(perm.full_name, self.permission_group, card_system)

    @factory.post_generation
    def staff_members(self, create, extracted, **kwargs):
        if extracted:
            self.staff.add(*extracted)


class CardFactory(factory.django.DjangoModelFactory):
    """A card with the next serial of its card system; LOCAL_STOCK needs a ``balie``."""

    class Meta:
        model = Card

    class Params:
        serial = factory.Sequence(lambda n: 500000 + n)
        kansenpas_card = False

    card_system = factory.SubFactory(CardSystemFactory)
    uitpas_number = factory.LazyAttribute(
        lambda o: make_uitpas_number(
            prefix=o.card_system.number_prefix, serial=o.serial, kansenpas=o.kansenpas_card
        )
    )
    chip_number = factory.LazyAttribute(lambda o: f"04F{o.uitpas_number}")
    status = CardStatus.STOCK


class PassholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Passholder

    first_name = factory.Faker("first_name", locale="nl_BE")
    name = factory.Faker("last_name", locale="nl_BE")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    passholder = factory.SubFactory(PassholderFactory)
    card_system = factory.SubFactory(CardSystemFactory)


class VoucherTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoucherType

    card_system = factory.SubFactory(CardSystemFactory)
    name = factory.Sequence(lambda n: f"Voucher type {n}")
    prefix = factory.Sequence(lambda n: str(300 + n))


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    voucher_type = factory.SubFactory(VoucherTypeFactory)
    number = factory.LazyAttributeSequence(lambda o, n: f"{o.voucher_type.prefix}{n:06d}")
