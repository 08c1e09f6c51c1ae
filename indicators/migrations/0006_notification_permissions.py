"""Editors and reviewers may read the notification outbox in the admin (who was told what, and when)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations; restore the flag (tests call this
        # with the global registry, see tests/conftest.py::role_groups).
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(content_type__app_label="indicators", codename="view_notification")
    for name in ("editors", "reviewers"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*view)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="indicators", codename="view_notification"):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0005_comments_notifications")]
    operations = [migrations.RunPython(grant, revoke)]
