from django.contrib import admin

from passholders.models import Membership, Passholder

admin.site.register([Passholder, Membership])
