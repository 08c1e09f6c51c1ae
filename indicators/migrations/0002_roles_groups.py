"""The reviewer and editor roles as auth groups (DESIGN §7), with the admin permissions they need.

Object-level rules (own city, phase, conflict of interest) are enforced by the services on top.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_MANAGES = ["edition", "domain", "indicator", "parameter", "city", "participation", "citymembership"]
EDITOR_VIEWS = ["answer", "evidencefile", "innovationproject"]
REVIEWER_VIEWS = ["edition", "domain", "indicator", "parameter", "city", "answer", "evidencefile",
                  "innovationproject"]


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations; restore the flag (tests call this
        # with the global registry, see tests/conftest.py::role_groups).
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = previous or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(models, actions):
        codenames = [f"{action}_{model}" for model in models for action in actions]
        return Permission.objects.filter(content_type__app_label="indicators", codename__in=codenames)

    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*perms(EDITOR_MANAGES, ["add", "change", "delete", "view"]),
                            *perms(EDITOR_VIEWS, ["view"]))
    reviewers, _ = Group.objects.get_or_create(name="reviewers")
    reviewers.permissions.add(*perms(REVIEWER_VIEWS, ["view"]))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["reviewers", "editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
