"""Which rules and terminals of compiler/syntax/grammar.lark a set of spec texts uses.

The texts are parsed with the project's grammar and parser options; a rule counts when a node of
its name (or alias) appears in a parse tree, a terminal when a token of its type does.
Terminals written inline in a rule (keywords, punctuation) leave no token in the tree:
the rule that contains them counts for them. Listed are the terminals the grammar
defines by name and keeps in the tree (not `_`-prefixed, not ignored).
"""
from __future__ import annotations

import re
from collections import Counter
from importlib import resources

from functools import lru_cache

from lark import Lark, Token


def _grammar() -> str:
    return resources.files("compiler.syntax").joinpath("grammar.lark").read_text()


@lru_cache(maxsize=1)
def _lark() -> Lark:
    """The grammar with the parser options of compiler/syntax/parser.py."""
    return Lark(_grammar(), parser="lalr", lexer="contextual", maybe_placeholders=True)


def grammar_symbols() -> tuple[set[str], set[str]]:
    """(rule names and aliases that can appear in a tree, named terminals)."""
    parser = _lark()
    rules = set()
    for rule in parser.rules:
        name = rule.alias or rule.origin.name
        inlined = rule.origin.name.startswith(("_", "?")) or rule.options.expand1
        if rule.alias or not inlined:
            rules.add(str(name))
    defined = re.findall(r"^([A-Z][A-Z_0-9]*)(?:\.\d+)?\s*:", _grammar(), re.M)
    terminals = set(defined) - set(parser.lexer_conf.ignore)
    return rules, terminals


def used_symbols(texts) -> Counter:
    """How many of ``texts`` use each rule and terminal."""
    parser = _lark()
    counts: Counter = Counter()
    for text in texts:
        seen = set()
        for node in parser.parse(text).iter_subtrees():
            seen.add(str(node.data))
            for child in node.children:
                if isinstance(child, Token):
                    seen.add(child.type)
        counts.update(seen)
    return counts


def table(texts) -> tuple[str, float, list[str]]:
    """A table of every grammar symbol and how many texts use it; the share used; the
    symbols never used."""
    texts = list(texts)
    rules, terminals = grammar_symbols()
    counts = used_symbols(texts)
    rows = [f"{'symbol':<16} {'kind':<9} specs using it (of {len(texts)})"]
    for kind, names in (("rule", sorted(rules)), ("terminal", sorted(terminals))):
        rows += [f"{name:<16} {kind:<9} {counts.get(name, 0)}" for name in names]
    every = rules | terminals
    unused = sorted(n for n in every if not counts.get(n))
    return "\n".join(rows), 1 - len(unused) / len(every), unused


if __name__ == "__main__":  # python tests/specgen/grammar_coverage.py [N]: the table for N specs
    import sys

    from hypothesis import HealthCheck, Phase, given, settings

    from specgen import specs

    drawn: list[str] = []

    @settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 200, derandomize=True,
              database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(specs())
    def draw(text):
        drawn.append(text)

    draw()
    report, share, unused = table(drawn)
    print(report)
    print(f"\n{share:.0%} of the grammar's rules and named terminals used; unused: {unused or 'none'}")
