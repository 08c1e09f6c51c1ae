"""The command `import_official_data` (issue 16, section 2): its lines, the dry run and the exit code."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.models import Answer, City, OfficialImport
from indicators.official import profile_for
from tests.indicators.test_official_import import BOCHUM, MUENCHEN, REGISTER, official_edition

pytestmark = pytest.mark.usefixtures("official_dir")


def run(*args) -> str:
    out = StringIO()
    call_command("import_official_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "breitband.csv"
    path.write_text(f"AGS;Wert\n{BOCHUM};1.234\n{MUENCHEN};17\n09999999;3\n", encoding="utf-8")
    return path


def table_args(path, *more):
    return (
        str(path),
        "--edition=2030",
        "--parameter=ladepunkte",
        "--profile=ags-tabelle",
        "--stand=2023-12-31",
        "--option=ags_column=AGS",
        "--option=value_column=Wert",
        *more,
    )


def test_the_command_prints_a_line_per_city_and_imports(editor, csv_file):
    # given
    official_edition(with_project_cities=False)
    # when
    output = run(*table_args(csv_file, f"--user={editor.username}"))
    # then
    lines = output.splitlines()
    assert lines[1:6] == [
        f"{BOCHUM}\tBochum\t1234",
        f"{MUENCHEN}\tMünchen\t17",
        "05900999\tNirgendwo\tkein Wert in der Datei, bleibt unverändert",
        "2 Städte mit Wert, 2 davon geändert; nicht zugeordnet: 1, mehrdeutig: 0",
        "Importiert: 2 Werte gespeichert, 2 davon geändert, zur Prüfung eingereicht.",
    ]
    assert lines[0].startswith("Allgemeine AGS-Tabelle (CSV oder XLSX), Stand 31.12.2023, SHA-256 ")
    assert sorted(Answer.objects.values_list("city__ags", "value_number", "as_of")) == [
        (BOCHUM, Decimal("1234"), date(2023, 12, 31)),
        (MUENCHEN, Decimal(17), date(2023, 12, 31)),
    ]

    # when run again: nothing changes
    again = run(*table_args(csv_file, f"--user={editor.username}"))
    # then
    assert "Diese Datei wurde für den Parameter bereits importiert" in again and "Importiert:" not in again
    assert OfficialImport.objects.count() == 1


def test_a_dry_run_of_the_real_register_prints_the_values_and_writes_nothing(editor):
    # given
    official_edition(with_project_cities=False)
    # when
    output = run(
        str(REGISTER),
        "--edition=2030",
        "--parameter=ladepunkte",
        "--profile=bnetza-ladesaeulen",
        "--option=count=stations",
        f"--user={editor.username}",
        "--dry-run",
    )
    # then
    lines = output.splitlines()
    assert lines[0].startswith("Ladesäulenregister der Bundesnetzagentur, Stand 19.07.2019, SHA-256 1ee46fa5")
    stations = profile_for("bnetza-ladesaeulen").read(
        REGISTER.read_bytes(), cities=[(BOCHUM, "Bochum"), (MUENCHEN, "München")], count="stations"
    )
    assert {ags: value.value for ags, value in stations.values.items()} == {BOCHUM: 26, MUENCHEN: 116}
    assert lines[1:4] == [
        f"{BOCHUM}\tBochum\t26",
        f"{MUENCHEN}\tMünchen\t116",
        "05900999\tNirgendwo\tkein Wert in der Datei, bleibt unverändert",
    ]
    assert lines[-1] == "Probelauf: nichts gespeichert."
    assert (OfficialImport.objects.count(), Answer.objects.count(), City.objects.count()) == (0, 0, 3)


def test_a_broken_file_exits_non_zero_with_the_profiles_message(editor, tmp_path):
    # given
    official_edition(with_project_cities=False)
    broken = tmp_path / "register.xlsx"
    broken.write_bytes(b"keine Tabelle")
    # when
    with pytest.raises(CommandError) as error:
        run(
            str(broken),
            "--edition=2030",
            "--parameter=ladepunkte",
            "--profile=bnetza-ladesaeulen",
            f"--user={editor.username}",
        )
    # then
    assert str(error.value) == (
        "Die Datei ist keine gültige XLSX-Datei. Das Ladesäulenregister wird als Excel-Arbeitsmappe (.xlsx) gelesen."
    )
    assert error.value.returncode == 1
    assert (OfficialImport.objects.count(), Answer.objects.count()) == (0, 0)


def test_a_user_who_is_no_editor_and_a_wrong_option_are_refused(reviewer, editor, csv_file):
    official_edition(with_project_cities=False)
    with pytest.raises(CommandError) as refused:
        run(*table_args(csv_file, f"--user={reviewer.username}"))
    assert str(refused.value) == "Nur die Redaktion kann Ausgaben und Katalog verwalten."
    with pytest.raises(CommandError) as option:
        run(*table_args(csv_file, f"--user={editor.username}", "--option=zahlen=en"))
    assert str(option.value) == "Das Profil „ags-tabelle“ kennt die Option „zahlen“ nicht."
    assert Answer.objects.count() == 0
