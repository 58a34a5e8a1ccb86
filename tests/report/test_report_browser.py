"""The report as a reader sees it: written by `pumpspec report`, opened in headless
Chromium, its rendered DOM checked (the diagram's SVG with every state, a matrix row
per requirement with a verdict, no broken asset or anchor, no external URL).

Marked ``browser`` (select with ``-m browser``); needs Graphviz and Chromium
(scripts/bootstrap.sh installs both).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from compiler import __version__, cli, pipeline

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SPECS = ["spec/infusion_pump.pump", "spec/minimal_pump.pump"]
VERDICTS = {"proved", "violated", "unknown", "vacuous", "guards only"}


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Chromium is not installed (scripts/bootstrap.sh installs it)"
    return subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True)


class Page(HTMLParser):
    """Every element's tag and attributes, and the page's text, in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.svg_text: list[str] = []
        self._in_svg_text = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "text":
            self._in_svg_text += 1

    def handle_endtag(self, tag):
        if tag == "text":
            self._in_svg_text -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self._in_svg_text:
            self.svg_text.append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}


def render(spec: str, out: Path) -> tuple:
    """Write the report of ``spec`` into ``out`` with a lockstep coverage file in which
    every other transition fired; its IR, the folder and the DOM Chromium renders."""
    module = pipeline.load_module(spec)
    coverage = out.parent / f"{out.name}-lockstep.json"
    fired = [t.index for t in module.transitions][::2]
    coverage.write_text(json.dumps({"fired": fired, "reasons_seen": [], "events": 1234}))
    assert cli.main(["report", spec, "-o", str(out), "-q",
                     "--lockstep-coverage", str(coverage)]) == 0
    dom = chromium("--dump-dom", (out / "index.html").as_uri(), profile=out.parent / "profile")
    return module, out, Page(dom.stdout)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)  # the default requirements document and benches
        return {spec: render(spec, tmp_path_factory.mktemp("report")) for spec in SPECS}


@pytest.fixture(params=SPECS)
def rendered(request, reports):
    return reports[request.param]


def test_the_diagram_is_an_svg_naming_every_state(rendered):
    module, _, page = rendered
    assert any(tag == "svg" for tag, _ in page.elements)
    labels = {t.strip() for t in page.svg_text}
    assert {s.name for s in module.states} <= labels
    assert any(t.startswith(f"#{module.transitions[0].index} ") for t in labels)


def test_the_matrix_has_a_row_per_requirement_with_a_verdict(rendered):
    module, _, page = rendered
    rows = {a["data-req"]: a["data-verdict"] for tag, a in page.elements
            if tag == "tr" and "data-req" in a}
    cited = {p.id for p in module.properties} | {r.requirement for r in module.reasons
                                                 if r.requirement}
    assert set(rows) == cited
    assert set(rows.values()) <= VERDICTS
    assert all(rows[p.id] != "guards only" for p in module.properties)


def test_every_reference_resolves_and_none_leaves_the_machine(rendered):
    _, out, page = rendered
    ids = page.ids()
    refs = [(tag, a.get("href") or a.get("src") or a.get("xlink:href"))
            for tag, a in page.elements if {"href", "src", "xlink:href"} & set(a)]
    assert refs
    for tag, ref in refs:
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I), f"<{tag}> leaves the report: {ref}"
        path, _, fragment = ref.partition("#")
        if path:
            assert (out / path).is_file(), f"<{tag}> points to a missing file: {ref}"
        elif fragment:
            assert fragment in ids, f"<{tag}> points to a missing anchor: {ref}"
    css = (out / "report.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_a_listed_code_line_is_in_its_listing(rendered):
    _, out, page = rendered
    link = next(a["href"] for tag, a in page.elements
                if tag == "a" and a.get("href", "").startswith("code/") and "#L" in a["href"])
    path, line = link.split("#")
    assert f'id="{line}"' in (out / path).read_text()


def test_the_reader_sees_provenance_and_coverage(rendered):
    module, _, page = rendered
    text = " ".join(page.text)
    # what reproduces it: the tool's version, the spec's sha256, the command lines
    assert f"pumpspec {__version__}" in text
    assert module.source_hash in text
    assert f"pumpspec report {module.source_file}" in text
    assert f"pumpspec prove {module.source_file}" in text
    assert "1,234 events" in text
    assert "not fired" in text  # every other transition is missing from the coverage file


def test_the_reference_spec_shows_its_hazards_and_traces_in_spec_units(reports):
    _, _, page = reports["spec/infusion_pump.pump"]
    text = " ".join(page.text)
    assert "over-delivery" in text
    assert re.search(r"amount=\d+(\.\d+)? U", text), "a trace shows a dose in insulin units"


def test_screenshot(rendered, tmp_path):
    _, out, _ = rendered
    shot = tmp_path / "report.png"
    chromium("--window-size=1400,1000", f"--screenshot={shot}", (out / "index.html").as_uri(),
             profile=tmp_path / "profile")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
