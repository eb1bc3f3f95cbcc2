"""The plan page's reading of the catalogue's assumptions and of binding limits."""

from __future__ import annotations

from haiquan.priorities.catalogue import load_catalogue
from haiquan.web.dashboard.plan import FIGURE_LABELS, assumption_groups, readable


def test_assumptions_are_grouped_by_initiative_and_none_is_lost() -> None:
    catalogue = load_catalogue()
    paths = catalogue.assumptions()
    names = {item.id: item.name for item in catalogue.initiatives}
    groups = assumption_groups(paths, names)
    listed = [path for group in groups for _, path in group.figures]
    assert sorted(listed) == sorted(paths)
    assert groups[0].id is None and groups[0].title == "The plan as a whole"
    for group in groups[1:]:
        assert group.title == names[group.id]
        assert all(path.startswith(f"initiatives[{group.id}].") for _, path in group.figures)
    # Every kind of figure reads as words, not as a dotted path.
    assert all(label in FIGURE_LABELS.values() for group in groups for label, _ in group.figures)


def test_exclusions_name_initiatives_by_name() -> None:
    catalogue = load_catalogue()
    names = {item.id: item.name for item in catalogue.initiatives}
    first, second = catalogue.exclusion_pairs()[0]
    text = readable(f"{first} is chosen, which rules out {second}", names)
    assert text == f"“{names[first]}” is chosen, which rules out “{names[second]}”"
    # Words that merely contain an id are left alone.
    assert readable(f"x-{first}-y", names) == f"x-{first}-y"
