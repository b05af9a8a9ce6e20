from django.conf import settings
from django.db import migrations


def give_every_user_a_uid(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    UserIdentity = apps.get_model("uitid", "UserIdentity")
    UserIdentity.objects.bulk_create(
        [UserIdentity(user_id=pk) for pk in User.objects.filter(identity__isnull=True).values_list("pk", flat=True)]
    )


class Migration(migrations.Migration):
    dependencies = [("uitid", "0001_initial")]

    operations = [migrations.RunPython(give_every_user_a_uid, migrations.RunPython.noop)]
