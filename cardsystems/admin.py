from django.contrib import admin

from cardsystems.models import Balie, Card, CardSystem, Voucher, VoucherType

admin.site.register([CardSystem, Balie, Card, VoucherType, Voucher])
