from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from uitid import services
from uitpas_site.errors import UitpasError


class Command(BaseCommand):
    help = (
        "Issue an OAuth 1.0a access token for USERNAME and print the credentials a v3 client "
        "needs: consumer_key, consumer_secret, token, token_secret and the user's uid. Without "
        "--consumer-key the token is for the command line's own application consumer (created "
        "once); with a balie's consumer key, for that balie's own consumer (created the first time)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--consumer-key", help="an existing consumer's key, or a balie's consumer key (its own consumer)"
        )

    def handle(self, *args, username: str, consumer_key: str | None, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is inactive: a token would be refused.")
        try:
            consumer, consumer_secret = services.consumer_for_command_line(consumer_key=consumer_key)
            issued = services.issue_access_token(user=user, consumer=consumer, issued_by=None)
        except UitpasError as error:
            raise CommandError(str(error.message)) from None
        self.stdout.write(
            f"consumer_key={consumer.key}\n"
            f"consumer_secret={consumer_secret}\n"
            f"token={issued.access_token.token}\n"
            f"token_secret={issued.secret}\n"
            f"uid={issued.user_uid}"
        )
