from django.contrib import admin

from cardsystems.models import Balie, CardSystem, Voucher, VoucherType

admin.site.register([CardSystem, Balie, VoucherType, Voucher])
