"""compiler/report/html.py: the file names of the report's listings."""
from __future__ import annotations

import re
from pathlib import Path

from compiler.report.html import page
from compiler.reserved import MAX_FILE_STEM, NAME_MAX

TEMPLATE = Path(__file__).resolve().parents[2] / "compiler" / "report" / "report.html.j2"


def test_a_listing_is_named_after_its_file_and_fits_a_file_name():
    assert page("infusion_pump.py") == "infusion_pump.py.html"
    stem = "p" * MAX_FILE_STEM  # the longest stem `check` allows: `<stem>.py` fills a name
    long = page(f"{stem}.py")
    assert len(long.encode()) <= NAME_MAX and long.endswith(".html") and long == page(f"{stem}.py")
    assert page(f"{stem}.py") != page(f"{stem}.v")


def test_the_index_links_every_listing_through_page():
    links = re.findall(r'href="code/([^"#]*)', TEMPLATE.read_text())
    # spec_page is page(spec name), computed in html.render
    assert links and all(re.fullmatch(r"{{ ([\w.]+ \| page|spec_page) }}", link)
                         for link in links), links
