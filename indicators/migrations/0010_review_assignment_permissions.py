"""Editors manage who reviews what; reviewers see the assignments."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = ("add_reviewassignment", "change_reviewassignment", "delete_reviewassignment", "view_reviewassignment")


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
    reviewers.permissions.add(*permissions.filter(codename="view_reviewassignment"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="indicators", codename__in=EDITOR):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0009_review_assignments")]
    operations = [migrations.RunPython(grant, revoke)]
