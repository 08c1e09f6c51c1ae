"""Editors import official files (the admin's add page of OfficialImport) and see the imports; reviewers see
them (issue 16, section 2)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = ("add_officialimport", "view_officialimport")
REVIEWER = ("view_officialimport",)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations (see 0006_notification_permissions).
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="indicators")
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*permissions.filter(codename__in=EDITOR))
    reviewers, _ = Group.objects.get_or_create(name="reviewers")
    reviewers.permissions.add(*permissions.filter(codename__in=REVIEWER))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="indicators", codename__in=EDITOR):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0011_provenance")]
    operations = [migrations.RunPython(grant, revoke)]
