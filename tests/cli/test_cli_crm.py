"""`sight crm`: a synthetic file imported once and again (nothing duplicated), a bad file
refused whole with its problems, and a persona built offline from the stored history."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app


def test_crm_synthetic_import_twice_then_persona(cli_env: Path):
    runner = CliRunner()
    made = runner.invoke(app, ["crm", "synthetic", "crm.json", "--contacts", "8", "--seed", "3"])
    assert made.exit_code == 0, made.output
    first = runner.invoke(app, ["crm", "import", "crm.json"])
    assert first.exit_code == 0, first.output
    imported = json.loads(first.stdout)
    assert (imported["format"], len(imported["created"])) == ("json", 8)
    again = json.loads(runner.invoke(app, ["crm", "import", "crm.json"]).stdout)
    assert (again["created"], len(again["unchanged"])) == ([], 8)

    contact = imported["created"][0]
    built = runner.invoke(app, ["crm", "persona", contact, "--mode", "rag"])
    assert built.exit_code == 0, built.output
    persona = json.loads(built.stdout)
    assert persona["contact_id"] == contact and persona["version"] == 1
    assert persona["mode"] in {"rag", "basic"}
    # Offline (the embedded model) `auto` leaves the persona to the rules.
    assert persona["generation"]["writer"] == "rules"


def test_crm_import_when_a_record_is_bad_then_exit_2_listing_it_and_nothing_stored(cli_env: Path):
    bad = {"contacts": [{"id": "c1", "name": "Jan"}, {"id": "c2", "name": "Ola", "emails": [{"id": "e1", "sent_at": "jutro", "direction": "outbound"}]}]}  # fmt: skip
    Path("bad.json").write_text(json.dumps(bad), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["crm", "import", "bad.json"])
    assert result.exit_code == 2
    assert "contacts.1.emails.0.sent_at" in result.stderr
    assert "nothing was imported" in result.stderr
    good = {"contacts": [{"id": "c1", "name": "Jan"}]}
    Path("good.json").write_text(json.dumps(good), encoding="utf-8")
    after = json.loads(runner.invoke(app, ["crm", "import", "good.json"]).stdout)
    assert after["created"] == ["c1"]  # c1 was not stored by the refused file


def test_crm_persona_when_contact_unknown_then_exit_2_naming_it(cli_env: Path):
    result = CliRunner().invoke(app, ["crm", "persona", "nobody"])
    assert result.exit_code == 2
    assert "input.contact_id" in result.stderr
