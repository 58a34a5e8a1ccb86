"""The public API, `import pumpspec`: the installed package is this checkout's
compiler/api (an editable install maps the name to the folder), docs/api.md's examples
run as written, and pyproject.toml lists every package the wheel must carry."""
from __future__ import annotations

import doctest
import tomllib
from pathlib import Path

import pytest

import pumpspec

ROOT = Path(__file__).resolve().parents[2]


def test_pumpspec_is_this_checkouts_api():
    assert Path(pumpspec.__file__).resolve() == ROOT / "compiler" / "api" / "__init__.py"
    assert set(pumpspec.__all__) <= set(dir(pumpspec))


def test_the_documented_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                              verbose=False)
    assert result.attempted >= 15 and result.failed == 0, result


def test_every_package_is_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "compiler").rglob("__init__.py")}
    assert config["package-dir"] == {"pumpspec": "compiler/api", "compiler": "compiler"}
    assert set(config["packages"]) == (on_disk - {"compiler.api"}) | {"pumpspec"}


def test_spec_errors_raise_with_their_analysis():
    with pytest.raises(pumpspec.SpecError) as info:
        pumpspec.load(ROOT / "tests" / "semantics" / "errors" / "E0101_duplicate.pump")
    assert [d.code for d in info.value.analysis.diagnostics] == ["E0101"]
