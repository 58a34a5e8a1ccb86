"""The report as files: ``index.html``, its stylesheet, the diagram's dot source, and one
HTML listing per source file with an anchor per line (``code/<file>.html#L<n>``) that the
report's locations link to. Strict Jinja (an undefined name is an error), autoescaped.
"""
from __future__ import annotations

from importlib import resources

import jinja2

from ..reserved import file_stem
from .evidence import Evidence

_CSS_CLASS = {
    "proved": "ok", "reached": "ok", "non-vacuous": "ok", "initial": "ok", "visited": "ok",
    "fired": "ok",
    "violated": "bad", "dead": "bad", "vacuous": "bad",
    "unknown": "warn", "not visited": "warn", "not fired": "warn", "guards only": "warn",
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, ""),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css"] = lambda verdict: _CSS_CLASS.get(verdict, "")
    env.filters["page"] = page
    return env


def page(name: str) -> str:
    """The listing of the source file ``name``: ``<name>.html``, cut and hashed when that
    is longer than a file name may be (a pump's generated ``<stem>.py``)."""
    return f"{file_stem(name, '.html')}.html"


def render(evidence: Evidence, sources: dict[str, str]) -> dict[str, str]:
    """``{relative path: text}`` of the report; ``sources`` are the spec and the
    generated files by name (the spec's name first)."""
    env = _environment()
    spec_name = next(iter(sources))
    props = [p for r in evidence.requirements for p in r.properties]
    files = {
        "index.html": env.get_template("report.html.j2").render(
            e=evidence, props=props, spec_name=spec_name, spec_page=page(spec_name)),
        "report.css": resources.files(__package__).joinpath("report.css").read_text("utf-8"),
        "diagram.dot": evidence.dot,
    }
    listing = env.get_template("code.html.j2")
    for name, text in sources.items():
        files[f"code/{page(name)}"] = listing.render(pump=evidence.pump, name=name,
                                                    lines=text.splitlines())
    return files
