"""Editors read the accessibility feedback in the admin and record its answer (view, change)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_accessibilityfeedback", "change_accessibilityfeedback"]


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
    permissions = Permission.objects.filter(content_type__app_label="public", codename__in=CODENAMES)
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="public", codename__in=CODENAMES):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [("public", "0001_initial"), ("indicators", "0002_roles_groups")]
    operations = [migrations.RunPython(grant, revoke)]
