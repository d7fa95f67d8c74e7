"""The tree by directory, as rows: order kept, directories once, chains on one line."""

from __future__ import annotations

from tfwatch.ui.run_tree import DIR_KEY, tree_rows, tree_width


def texts(names: list[str], width: int = 80) -> list[str]:
    return [row.text for row in tree_rows(names, width)]


def test_directories_show_once_in_the_order_of_their_first_run() -> None:
    names = ["sweep/b/seed=1", "base", "sweep/a/seed=1", "sweep/b/seed=2", "other/x"]
    assert texts(names) == [
        "sweep/",
        "  b/",
        "    seed=1",
        "    seed=2",
        "  a/seed=1",  # a directory with one entry shares its line
        "base",
        "other/x",
    ]
    rows = tree_rows(names, 80)
    assert [r.run for r in rows if r.run] == [
        "sweep/b/seed=1", "sweep/b/seed=2", "sweep/a/seed=1", "base", "other/x"
    ]  # fmt: skip
    assert rows[0].key == DIR_KEY + "sweep/" and rows[0].run is None


def test_the_shared_prefix_is_left_out_and_a_run_heads_its_nested_runs() -> None:
    assert texts(["exp/a", "exp/a/b", "exp/c"]) == ["a", "  b", "c"]
    assert tree_width(["exp/a", "exp/a/b", "exp/c"]) == len("  b") + 1


def test_labels_are_cut_among_siblings_and_indentation_gives_way() -> None:
    names = [f"d/{'x' * 30}_{i}/run" for i in range(3)]
    rows = texts(names, 12)
    assert len(set(rows)) == len(rows) and all(len(r) <= 12 for r in rows)
    deep = "/".join("abcdefghij") + "/run"
    assert all(len(t) <= 10 for t in texts([deep, deep + "2"], 10))
