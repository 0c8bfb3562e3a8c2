"""The note that names levels whose series coincide (drawn on top of one another)."""

from analysis.figures import identical_note


def test_identical_levels_are_grouped_and_wrapped():
    note = identical_note([("copyleft", "permissive"), ("copyleft", "use_restricted"),
                           ("permissive", "use_restricted"), ("a", "b")])
    assert note.replace("\n", " ") == "identical: copyleft = permissive = use_restricted; a = b"
    assert max(len(line) for line in note.splitlines()) <= 36
