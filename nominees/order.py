"""A fair order for a round's nominee list while its vote is open: no nominee
gains from standing first. Each page view shows one of as many orders as
there are nominees, chosen at random, so a page cache holds a few pages, not
one per visitor. The orders are the rows of a balanced Latin square (Williams'
design) over the round's fixed order: each nominee stands in each place in
exactly one order, first included, and with an even number of nominees each
follows each other nominee directly in exactly one order too."""

from collections.abc import Sequence


def orders(count: int) -> list[tuple[int, ...]]:
    """Every order, as positions in the fixed order: 0, 1, n-1, 2, n-2, … and
    that sequence shifted by one, two, … places (mod n)."""
    first, low, high = [0], 1, count - 1
    while len(first) < count:
        first.append(low)
        low += 1
        if len(first) < count:
            first.append(high)
            high -= 1
    return [tuple((place + shift) % count for place in first) for shift in range(count)]


def arranged(items: Sequence, index: int) -> list:
    """``items``, in the fixed order, arranged in order number ``index``."""
    return [items[place] for place in orders(len(items))[index]]
