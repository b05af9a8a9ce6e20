from django.db import migrations

# The four rights by what they allow; their API names are shown next to them in small
# print instead of inside their names.
NAMES = {
    "passholder_create": "Register passholders and new cards",
    "passholder_block": "Block cards of members",
    "kansenstatuut_create": "Grant kansenstatuut",
    "manage_stock": "Manage stock, balies and vouchers (card system administrator)",
}


def rename_rights(apps, schema_editor):
    # Django creates permissions once and never renames them: the rows already made.
    Permission = apps.get_model("auth", "Permission")
    for codename, name in NAMES.items():
        Permission.objects.filter(content_type__app_label="cardsystems", codename=codename).update(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cardsystems", "0009_check_constraints_without_regex"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="cardsystem",
            options={
                "ordering": ["name"],
                "permissions": list(NAMES.items()),
                "verbose_name": "card system",
                "verbose_name_plural": "card systems",
            },
        ),
        migrations.RunPython(rename_rights, migrations.RunPython.noop),
    ]
