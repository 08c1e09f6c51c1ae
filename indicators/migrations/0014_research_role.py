"""Desk research (issue 16, section 3): the researchers' group and the admin's page "Recherche" (a proxy of
City), which researchers and editors see. Object-level rules (not their own city, the phase) are the services'."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RESEARCHERS_GROUP = "researchers"
PAGE = ("view_researchcity",)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations (see 0006_notification_permissions).
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    page = Permission.objects.filter(content_type__app_label="indicators", codename__in=PAGE)
    researchers, _ = Group.objects.get_or_create(name=RESEARCHERS_GROUP)
    researchers.permissions.add(*page)
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*page)


def revoke(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=RESEARCHERS_GROUP).delete()
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="indicators", codename__in=PAGE):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0013_check_window_and_answer_checks")]

    operations = [
        migrations.CreateModel(
            name="ResearchCity",
            fields=[],
            options={
                "verbose_name": "Recherche",
                "verbose_name_plural": "Recherche",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("indicators.city",),
        ),
        migrations.RunPython(grant, revoke),
    ]
