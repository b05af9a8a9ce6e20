"""DRF's rate throttle, reading its rate from the settings when it runs.

DRF's own classes copy the rates once, when they are imported, so a rate changed later
(in a test, or by reloading settings) would never apply.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _RatesFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    pass
