"""Editors see score runs in the admin (read-only)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("scoring")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(Permission.objects.get(content_type__app_label="scoring", codename="view_scorerun"))


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial"), ("indicators", "0002_roles_groups")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
