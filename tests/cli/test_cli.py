"""The `sight` CLI: run a graph, reject bad input, run an eval suite with its gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from sight.settings import get_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "evals" / "kpi_estimation" / "example.json"


def test_run_when_example_file_then_prints_snapshot_json(cli_env: Path):
    result = CliRunner().invoke(app, ["run", "kpi_estimation", "--input", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["snapshot"]["segment_size"] >= 1000
    assert output["snapshot"]["cac_ltv_ratio"] == pytest.approx(0.15)
    assert "estimate_segment_size" in result.stderr
    assert (cli_env / "data" / "sight.db").is_file()


def test_run_when_invalid_input_then_exit_2_with_every_problem(cli_env: Path):
    bad = json.dumps({"age_min": 60, "age_max": 20, "location": "Atlantyda"})
    result = CliRunner().invoke(app, ["run", "kpi_estimation", "--input", bad])
    assert result.exit_code == 2
    assert "invalid_input" in result.stderr
    assert "age_min" in result.stderr and "location" in result.stderr


def test_run_when_input_not_json_then_usage_error(cli_env: Path):
    result = CliRunner().invoke(app, ["run", "kpi_estimation", "--input", "{not json"])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output + result.stderr


def test_run_when_unknown_graph_then_exit_2_listing_registered(cli_env: Path):
    result = CliRunner().invoke(app, ["run", "no_such_graph", "--input", "{}"])
    assert result.exit_code == 2  # a usage error, as the README says
    assert "kpi_estimation" in result.stderr


def test_run_when_settings_invalid_then_says_what_to_set(cli_env: Path, monkeypatch):
    monkeypatch.setenv("SIGHT_PROVIDER", "gemini")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["run", "kpi_estimation", "--input", str(EXAMPLE)])
    assert result.exit_code == 2
    assert "SIGHT_GOOGLE_API_KEY" in result.stderr


def test_eval_when_kpi_suite_then_passes_and_writes_reports(cli_env: Path):
    result = CliRunner().invoke(app, ["eval", "kpi_estimation", "--report-dir", "out"])
    assert result.exit_code == 0, result.stderr
    report = json.loads((cli_env / "out" / "kpi_estimation.json").read_text())
    assert report["passed"] is True
    assert report["metrics"]["invalid_rejection_rate"] == 1.0
    assert "| valid_case_pass_rate |" in (cli_env / "out" / "kpi_estimation.md").read_text()


def test_eval_when_metric_under_threshold_then_exit_1(cli_env: Path, monkeypatch):
    from evals.kpi_estimation import suite

    monkeypatch.setitem(suite.THRESHOLDS, "latency_p95_ms", ("<=", 0.0))
    result = CliRunner().invoke(app, ["eval", "kpi_estimation", "--report-dir", "out"])
    assert result.exit_code == 1
    assert json.loads((cli_env / "out" / "kpi_estimation.json").read_text())["passed"] is False


def test_eval_when_unknown_suite_then_exit_2_listing_known(cli_env: Path):
    result = CliRunner().invoke(app, ["eval", "nope"])
    assert result.exit_code == 2  # 1 means a metric under its threshold
    assert "kpi_estimation" in result.stderr


def _no_traceback(result) -> bool:
    return "Traceback" not in result.output + result.stderr and isinstance(
        result.exception, SystemExit
    )


@pytest.mark.parametrize(
    ("make", "value", "says"),
    [
        (lambda d: None, "@missing.json", "file not found: missing.json"),
        (lambda d: None, "missing.json", "file not found: missing.json"),
        (lambda d: (d / "folder").mkdir(), "@folder", "folder is a directory"),
        (
            lambda d: (d / "latin2.json").write_bytes(b'{"location": "\xb3\xf3d\xbc"}'),
            "@latin2.json",
            "latin2.json is not UTF-8",
        ),
    ],
    ids=["at-missing", "path-missing", "at-directory", "not-utf8"],
)
def test_run_when_input_file_unusable_then_exit_2_saying_why_without_traceback(
    cli_env: Path, make, value: str, says: str
):
    make(cli_env)

    result = CliRunner().invoke(app, ["run", "kpi_estimation", "--input", value])

    assert result.exit_code == 2
    text = " ".join((result.output + result.stderr).split())
    assert says in text
    assert "not valid JSON" not in text
    assert _no_traceback(result)


def test_eval_when_option_malformed_then_exit_2(cli_env: Path):
    result = CliRunner().invoke(app, ["eval", "kpi_estimation", "--option", "generate_n"])

    assert result.exit_code == 2
    assert "KEY=VALUE" in result.stderr


FOCUS_GROUP = {
    "generate": {"segments": [{"segment_id": "mlodzi", "age_min": 25, "age_max": 34, "count": 3}]},
    "questions": [
        {"id": "zakup", "text": "Czy kupisz auto elektryczne?", "type": "likert"},
        {"id": "bariery", "text": "Co Cię powstrzymuje?", "type": "open"},
    ],
}


def test_run_focus_group_when_estimate_only_then_prints_the_estimate_and_asks_no_model(
    cli_env: Path, monkeypatch
):
    monkeypatch.setenv("SIGHT_PROVIDER", "fake")
    monkeypatch.setenv("SIGHT_PERSONA_WRITER", "template")
    get_settings.cache_clear()
    payload = json.dumps({**FOCUS_GROUP, "estimate_only": True})
    result = CliRunner().invoke(app, ["run", "focus_group", "--input", payload])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "estimated" and summary["estimate"]["tokens"] > 0
    assert summary["spend"] is None or summary["spend"].get("tokens", 0) == 0


def test_run_focus_group_when_every_model_call_fails_then_headline_says_so(
    cli_env: Path, monkeypatch
):
    monkeypatch.setenv("SIGHT_PROVIDER", "fake")  # the fake has no script: every call fails
    monkeypatch.setenv("SIGHT_PERSONA_WRITER", "template")
    monkeypatch.setenv("SIGHT_MODEL_MAX_RETRIES", "0")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["run", "focus_group", "--input", json.dumps(FOCUS_GROUP)])
    assert result.exit_code == 0, result.output
    lines = result.stdout
    summary = json.loads(lines[lines.index("\n{") :])
    assert summary["status"] == "partial"
    headline = lines[: lines.index("\n{")]
    assert "odpowiedzi 0/6" in headline and "nieudane 6" in headline
    assert "Uwaga: Nie udało się uzyskać 6 z 6 odpowiedzi" in headline
