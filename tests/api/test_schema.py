"""The OpenAPI schema: valid, warning-free, and every operation and parameter described."""

import yaml
from django.core.management import call_command


def test_the_schema_is_valid_without_warnings_and_describes_every_operation_and_parameter(db, tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "put", "patch", "post", "delete"}
    ]
    assert len(operations) >= 30
    undescribed = [f"{method} {path}" for path, method, op in operations if not op.get("description")]
    assert undescribed == []
    bare_parameters = [
        f"{method} {path} {parameter['name']}"
        for path, method, op in operations
        for parameter in op.get("parameters", [])
        if not parameter.get("description")
    ]
    assert bare_parameters == []
    without_errors = [
        f"{method} {path}" for path, method, op in operations if not any(code >= "400" for code in op["responses"])
    ]
    assert without_errors == []
