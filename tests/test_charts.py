"""Charts: the data they draw, the files they write, and what a browser shows of them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import timeline
from timeline.cli import main

pytest.importorskip("altair", reason="charts are an optional extra: pip install 'timeline[charts]'")

from timeline import charts

META_ORANGE = (245, 133, 24)  # Vega's second category colour: meta's bars after fair's


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory):
    """The bundled log, copied so its projection is built in a temporary folder."""
    path = tmp_path_factory.mktemp("bundled") / "meta.jsonl"
    shutil.copy(timeline.bundled_log(), path)
    with timeline.open(path) as tl:
        yield tl


def _chart_cli(tmp_path: Path, kind: str, org: str, period: str, out: Path, *extra: str):
    """Run `timeline chart KIND ORG --from A --to B -o OUT` on a copy of the bundled log."""
    log = tmp_path / "meta.jsonl"
    if not log.exists():
        shutil.copy(timeline.bundled_log(), log)
    start, end = period.split("..")
    args = ["--log", str(log), "chart", kind, org, "--from", start, "--to", end, "-o", str(out)]
    return CliRunner().invoke(main, [*args, *extra])


def _layer_data(chart) -> list[list[dict]]:
    spec = chart.to_dict()
    return [layer["data"]["values"] for layer in spec["layer"]]


def test_team_chart_draws_a_bar_per_stint_and_the_markers(bundled) -> None:
    """The team chart has a row per person, three bar layers, event markers and the as-of band."""
    chart = charts.team_chart(bundled, "meta", "2013", "2025", as_of="2024-08")
    layers = _layer_data(chart)
    assert len(layers) == 5  # uncertain start, certain part, uncertain end, markers, as-of
    names = {row["name"] for row in layers[0]}
    assert {"Baptiste Rozière", "Hugo Touvron", "Joelle Pineau"} <= names
    assert {row["kind"] for row in layers[3]} == {"paper", "leadership"}
    assert layers[4] == [{"lo": "2024-08-01", "hi": "2024-08-31", "as_of": "2024-08"}]


def test_uncertain_parts_are_the_date_bounds(bundled) -> None:
    """A stint's faded start spans its join range and its faded end its leave month."""
    (rows, *_) = _layer_data(charts.team_chart(bundled, "meta", "2013", "2025"))
    roziere = next(r for r in rows if r["person"] == "baptiste-roziere")
    assert (roziere["s_lo"], roziere["s_hi"]) == ("2019-06-01", "2019-08-31")
    assert (roziere["e_lo"], roziere["e_hi"]) == ("2024-08-01", "2024-08-31")


def test_svg_and_png_files_are_written(bundled, tmp_path: Path) -> None:
    """save() writes SVG with the bars as marks, and a PNG image."""
    chart = charts.team_chart(bundled, "meta", "2022", "2025")
    svg = charts.save(chart, tmp_path / "team.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("mark-rect") >= 3
    png = charts.save(
        charts.headcount_chart(bundled, "meta", "2022-01", "2025-12"), tmp_path / "head.png"
    ).read_bytes()
    assert png.startswith(b"\x89PNG")


def test_flows_chart_counts_destinations(bundled) -> None:
    """The flows chart has a bar per next employer; Mistral's counts the five."""
    (rows,) = [charts.flows_chart(bundled, "meta", "2023", "2025").to_dict()["data"]["values"]]
    assert next(r for r in rows if r["to_org"] == "mistral")["people"] == 5


def test_cli_chart_errors_are_clear(tmp_path: Path) -> None:
    """A bad file suffix or an unknown org exits 1 with a message, writing nothing."""
    result = _chart_cli(tmp_path, "team", "meta", "2020..2025", tmp_path / "x.pdf")
    assert result.exit_code == 1 and "must end in .html, .svg, .png" in result.stderr
    result = _chart_cli(tmp_path, "flows", "nope", "2020..2025", tmp_path / "x.svg")
    assert result.exit_code == 1 and "unknown org 'nope'" in result.stderr
    assert not list(tmp_path.glob("x.*"))


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    _chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_html_chart_renders_bars_in_a_browser(tmp_path: Path) -> None:
    """The HTML chart, opened offline in headless Chromium, draws coloured bars (not a blank)."""
    from PIL import Image

    html = tmp_path / "team.html"
    result = _chart_cli(tmp_path, "team", "meta", "2013..2025", html, "--as-of", "2024-08")
    assert result.exit_code == 0, result.stderr
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,700",
            "--virtual-time-budget=10000",
            f"--screenshot={shot}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    image = Image.open(shot).convert("RGB")
    colors = image.getcolors(maxcolors=1 << 24) or []
    total = image.width * image.height

    def near(color: tuple[int, ...], target: tuple[int, ...]) -> bool:
        return all(abs(a - b) < 12 for a, b in zip(color, target, strict=True))

    orange = sum(n for n, color in colors if near(color, META_ORANGE))
    white = sum(n for n, color in colors if color == (255, 255, 255))
    assert orange > 5_000, "the page drew no bars in meta's colour"
    assert white < total * 0.95, "the page is blank"
