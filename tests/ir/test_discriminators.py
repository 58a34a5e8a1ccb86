"""IR discriminators are enums, and a dispatch table over one must name every member."""
from __future__ import annotations

import pytest

from compiler.ir import nodes as ir


def test_a_table_missing_a_member_fails_when_built():
    with pytest.raises(TypeError, match=r"lacks \['max'\]"):
        ir.every_member(ir.MinMaxOp, {ir.MinMaxOp.MIN: min})


def test_a_table_with_a_foreign_key_fails_when_built():
    with pytest.raises(TypeError, match=r"unknown keys \['avg'\]"):
        ir.every_member(ir.MinMaxOp, {ir.MinMaxOp.MIN: min, ir.MinMaxOp.MAX: max, "avg": sum})


def test_the_operator_groups_partition_the_binary_operators():
    groups = (ir.ARITH_OPS, ir.COMPARE_OPS, ir.LOGIC_OPS)
    assert sorted(op for g in groups for op in g) == sorted(ir.BinaryOp)


def test_members_compare_equal_to_their_spelling():
    # StrEnum: code comparing a discriminator with its text keeps working
    assert ir.BinaryOp.FLOORDIV == "//" and ir.Role.WINDOW == "window"
    assert f"{ir.BinaryOp.LE}" == "<="
