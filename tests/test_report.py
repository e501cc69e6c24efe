"""The HTML report: one self-contained file with provenance, summary, gates and figures."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the report's figures need matplotlib")

from harness.results.store import load_run, save_run
from harness.results.summary import summarize
from harness.views.report import FIGURES, build_report

RESULTS = Path(__file__).resolve().parents[1] / "results"
REFERENCE = next(iter(sorted(RESULTS.glob("*-reference"))), None)
pytestmark = pytest.mark.skipif(REFERENCE is None, reason="no committed reference run")

IDS = [element_id for element_id, _build, _caption in FIGURES]
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:[a-z]+:)?//|url\(|@import""", re.I)
FIGURE = re.compile(r'<figure id="([^"]+)">(.*?)</figure>', re.S)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("report")
    out = build_report(
        REFERENCE.name, root=RESULTS, out=folder / "report.html", against=REFERENCE.name
    )
    return out, out.read_text(encoding="utf-8")


def test_one_file_and_nothing_else(report):
    out, _ = report
    assert out.is_file()
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_every_figure_is_an_embedded_image_with_a_caption(report):
    _, text = report
    figures = dict(FIGURE.findall(text))
    assert set(figures) == {*IDS, "fig-comparison"}
    for element_id, body in figures.items():
        images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', body)
        assert len(images) == 1, element_id
        assert "<figcaption>" in body, element_id


def test_summary_has_a_row_per_variant_and_coloured_verdicts(report):
    _, text = report
    df, _meta = load_run(REFERENCE.name, RESULTS)
    summary = summarize(df)
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td>.*?</tr>", text)
    assert [html.unescape(v) for v in rows] == summary["variant"].tolist()
    for verdict in summary["verdict"]:
        assert f'class="verdict-{verdict}">{verdict}</td>' in text
    assert ".verdict-PASS {" in text and ".verdict-FAIL {" in text


def test_provenance_and_gates_come_from_meta(report):
    _, text = report
    _, meta = load_run(REFERENCE.name, RESULTS)
    assert meta["git"]["commit"] in text
    assert html.escape(meta["cpu"]) in text and meta["utc"] in text
    for package, version in meta["packages"].items():
        assert f"<th>{package}</th><td>{version}</td>" in text
    assert html.escape(meta["thresholds"].splitlines()[0]) in text


def test_no_external_references(report):
    _, text = report
    assert not EXTERNAL.search(text)
    assert "http://" not in text and "https://" not in text


def test_a_run_without_some_checks_still_reports(tmp_path):
    df, meta = load_run(REFERENCE.name, RESULTS)
    meta = {**meta, "run_id": "20990101T000000Z-partial", "checks": ["dtype", "quality"]}
    save_run(df[df["check"].isin(["dtype", "quality"])].copy(), meta, tmp_path / "results")
    out = build_report(root=tmp_path / "results", out=tmp_path / "deep" / "partial.html")
    figures = dict(FIGURE.findall(out.read_text(encoding="utf-8")))
    assert set(figures) == set(IDS)
    assert "data:image/png" in figures["fig-dtype"]
    assert "Not drawn" in figures["fig-callback-cdf"]


def test_the_soak_gate_comes_from_thresholds_toml():
    """One gate system: the soak's limits and their wording are read from the file."""
    from harness.playback.player import gate_verdict
    from harness.results.gates import Thresholds, gate_text, load_thresholds

    report = {
        "underruns": {"fifo_empty": 1},
        "resample_us": {"p95": 800.0},
        "lost_frames": 0,
        "complete": True,
        "control": None,
    }
    shipped = load_thresholds()
    assert gate_text(shipped, "soak") == (
        "fifo underruns ≤ 0, late excess p ≥ 0.01, resample p95 us ≤ 5000, lost frames ≤ 0"
    )
    assert not gate_verdict(report, shipped)["passed"]  # the FIFO ran empty once
    text = shipped.text.replace("fifo_underruns_max = 0", "fifo_underruns_max = 1")
    import tomllib

    lenient = Thresholds(tomllib.loads(text), text)
    verdict = gate_verdict(report, lenient)
    assert verdict["passed"] and verdict["limit_fifo_underruns"] == 1
    assert "fifo underruns ≤ 1" in verdict["rule"]


def test_the_readme_sections_generated_from_the_code_are_current():
    """Docs cannot drift: ``make readme`` output equals what README.md holds."""
    from harness.views import readme

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert set(readme.SECTIONS) <= set(re.findall(r"<!-- generated: ([\w-]+)", text))
    assert readme.stale(text) == [], "README.md is stale: run make readme"


def test_a_changed_constant_makes_its_section_stale():
    from harness.views import readme

    calls = {"n": 0}

    def counting() -> str:
        calls["n"] += 1
        return f"figure {calls['n']}"

    text = "a\n<!-- generated: x (make readme) -->\nfigure 0\n<!-- end generated: x -->\nb\n"
    assert readme.stale(text, {"x": counting}) == ["x"]
    fixed = readme.render(text, {"x": lambda: "figure 0"})
    assert fixed == text and readme.stale(fixed, {"x": lambda: "figure 0"}) == []
