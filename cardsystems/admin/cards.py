from django.contrib import admin

from cardsystems.models import Card

admin.site.register(Card)
