"""Environment for the test run, loaded as a pytest plugin before Django's settings.

The settings module is production-safe by default and needs a secret key; the tests run
with debug off (as production does) and a throwaway key. DATABASE_URL passes through, so
the same suite runs on SQLite (default) and on PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_DEBUG", "0")
# Production settings, but over plain HTTP: the test client and live servers speak HTTP.
os.environ.setdefault("DJANGO_HTTPS", "0")
# Playwright's synchronous API runs an event loop in the test thread; Django then takes
# the test's database calls for calls from async code. They are not: the test waits for
# the browser, and the live server answers in a thread of its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
