"""The pure counting and ranking, without a database."""

from itertools import product

import pytest

from voting.tally import count, rank


def test_the_three_with_most_votes_are_finalists_in_order():
    ranking = rank([(1, 10), (2, 30), (3, 20), (4, 5), (5, 40), (6, 0)])

    assert [p.nomination_id for p in ranking.places] == [5, 2, 3, 1, 4, 6]
    assert [p.rank for p in ranking.places] == [1, 2, 3, 4, 5, 6]
    assert ranking.finalists == (5, 2, 3)
    assert ranking.tied_at_cut == ()
    assert ranking.shortfall == 0


def test_a_tie_across_the_cut_is_reported_and_never_broken():
    ranking = rank([(1, 50), (2, 40), (3, 30), (4, 30), (5, 10), (6, 1)])

    assert ranking.finalists == (1, 2)
    assert ranking.tied_at_cut == (3, 4)
    assert ranking.seats_in_tie == 1
    assert [p.rank for p in ranking.places] == [1, 2, 3, 3, 5, 6]


def test_a_tie_inside_the_seats_is_not_a_problem():
    ranking = rank([(1, 50), (2, 50), (3, 30), (4, 20)])

    assert ranking.finalists == (1, 2, 3)
    assert ranking.tied_at_cut == ()
    assert [p.rank for p in ranking.places] == [1, 1, 3, 4]


def test_a_tie_just_below_the_cut_is_not_a_problem():
    ranking = rank([(1, 50), (2, 40), (3, 30), (4, 20), (5, 20)])

    assert ranking.finalists == (1, 2, 3)
    assert ranking.tied_at_cut == ()


def test_all_equal_makes_everyone_tied_for_all_seats():
    ranking = rank([(i, 7) for i in range(1, 7)])

    assert ranking.finalists == ()
    assert ranking.tied_at_cut == (1, 2, 3, 4, 5, 6)
    assert ranking.seats_in_tie == 3
    assert {p.rank for p in ranking.places} == {1}


def test_no_votes_at_all_gives_no_finalists_and_says_so():
    ranking = rank([(i, 0) for i in range(1, 7)])

    assert ranking.finalists == ()
    assert ranking.tied_at_cut == ()
    assert ranking.shortfall == 3


def test_fewer_nominations_with_votes_than_seats_is_a_shortfall():
    ranking = rank([(1, 3), (2, 1), (3, 0), (4, 0)])

    assert ranking.finalists == (1, 2)
    assert ranking.shortfall == 1
    assert ranking.tied_at_cut == ()


def test_fewer_nominations_than_seats_is_a_shortfall():
    ranking = rank([(1, 3), (2, 1)])

    assert ranking.finalists == (1, 2)
    assert ranking.shortfall == 1


def test_no_nominations_at_all():
    ranking = rank([])

    assert ranking.places == ()
    assert ranking.shortfall == 3


def test_seats_are_set_per_round():
    ranking = rank([(1, 5), (2, 4), (3, 3), (4, 2)], seats=1)

    assert ranking.finalists == (1,)


@pytest.mark.parametrize(
    "counts",
    [[(1, 1), (1, 2)], [(1, -1)]],
)
def test_impossible_input_is_refused(counts):
    with pytest.raises(ValueError):
        rank(counts)


def test_zero_seats_are_refused():
    with pytest.raises(ValueError):
        rank([(1, 1)], seats=0)


@pytest.mark.parametrize("seats", [1, 2, 3, 4])
def test_every_combination_of_small_counts_obeys_the_rule(seats):
    """Exhaustive over four nominations with 0-3 votes each: ties at every place."""
    for votes in product(range(4), repeat=4):
        counts = list(enumerate(votes, start=1))
        ranking = rank(counts, seats=seats)
        by_id = {p.nomination_id: p for p in ranking.places}
        finalists, tied = set(ranking.finalists), set(ranking.tied_at_cut)

        assert not finalists & tied
        assert len(finalists) <= seats
        assert len(finalists) + ranking.seats_in_tie + ranking.shortfall == seats
        for nid, v in counts:
            more = sum(1 for _, w in counts if w > v)
            assert by_id[nid].rank == more + 1
            if nid in finalists:
                # Every finalist beats every non-finalist that is not tied with it.
                assert v > 0
                assert all(w < v for oid, w in counts if oid not in finalists)
            if nid in tied:
                assert v > 0
                assert all(by_id[t].votes == v for t in tied)
        if tied:
            assert len(tied) > ranking.seats_in_tie > 0
        assert [p.votes for p in ranking.places] == sorted(votes, reverse=True)


# Counting the votes before ranking them


def test_invalidated_votes_are_in_no_count():
    counted = count([(1, True), (2, False), (1, True), (2, True), (1, False)])

    assert counted.per_nomination == {1: 2, 2: 1}
    assert counted.invalidated == 2


def test_invalidating_votes_can_change_who_is_a_finalist():
    votes = [("A1", 1), ("A2", 1), ("A3", 1), ("B1", 2), ("B2", 2)]
    before = count((nomination_id, True) for _, nomination_id in votes)
    after = count((nomination_id, receipt not in ("A2", "A3")) for receipt, nomination_id in votes)

    assert rank(list(before.per_nomination.items()), seats=1).finalists == (1,)
    assert rank(list(after.per_nomination.items()), seats=1).finalists == (2,)
    assert after.per_nomination[1] == 1


def test_a_round_whose_votes_are_all_invalidated_counts_nothing():
    counted = count([(1, False), (2, False)])

    assert counted.per_nomination == {}
    assert counted.invalidated == 2
    assert rank([(1, counted.per_nomination[1]), (2, counted.per_nomination[2])]).finalists == ()
