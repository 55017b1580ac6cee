"""Rows as dicts: the function made per list of columns agrees with dict(zip(...))."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from timeline._rowdict import row_dict

names = st.lists(st.text(max_size=12), max_size=8)
values = st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.text()), max_size=10)


@given(names, values)
def test_a_row_becomes_the_dict_zip_would_make(columns: list[str], row: list[object]) -> None:
    """Any column names (quotes, newlines, repeats) give zip's dict of the row's leading values."""
    padded = tuple(row) + (None,) * (len(columns) - len(row))  # a row has every column
    made = row_dict(tuple(columns))(padded)
    assert made == dict(zip(columns, padded, strict=False))
    assert list(made) == list(dict(zip(columns, padded, strict=False)))  # key order too


def test_the_function_is_made_once_per_column_list() -> None:
    """Asking again for the same columns returns the same function, not a new one."""
    assert row_dict(("a", "b")) is row_dict(("a", "b"))
    assert row_dict(("a", "b")) is not row_dict(("b", "a"))
