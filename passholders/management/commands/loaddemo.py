from django.core.management.base import BaseCommand

from passholders.demo import DEMO_PASSWORD, USERS, load_demo_data


class Command(BaseCommand):
    help = "Put the demo data set (docs/demo-data.md) in the database; loading twice changes nothing."

    def handle(self, *args, **options) -> None:
        writes = load_demo_data()
        self.stderr.write(
            self.style.WARNING(
                "This is demo data, for trying the application only: every demo user "
                f"has the password '{DEMO_PASSWORD}'. Never load it into production."
            )
        )
        self.stdout.write(f"Demo data in place ({writes} changes); users: {', '.join(USERS)}.")
