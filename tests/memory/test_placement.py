"""Placement strategies on random lifetimes and sizes (hcc/memory/placement.py)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hcc.memory import placement
from hcc.memory.placement import Block, align_up
from hcc.memory.planner import choose_placement

STRATEGIES = [placement.greedy_by_size, placement.greedy_by_breadth]


@st.composite
def blocks(draw, max_blocks=14, max_steps=10, alignment=16):
    n = draw(st.integers(1, max_blocks))
    out = []
    for _ in range(n):
        first = draw(st.integers(0, max_steps - 1))
        last = draw(st.integers(first, max_steps - 1))
        size = align_up(draw(st.integers(0, 5000)), alignment)
        out.append(Block(size, first, last))
    return out


@st.composite
def chains(draw, max_len=30, with_scratch=False, alignment=16):
    """Op i reads tensor i-1 and writes tensor i: tensor i lives over steps i..i+1."""
    n = draw(st.integers(1, max_len))
    out = [Block(align_up(draw(st.integers(1, 4000)), alignment), i, i + 1) for i in range(n)]
    if with_scratch:
        for step in draw(st.sets(st.integers(0, n - 1), max_size=3)):
            out.append(Block(align_up(draw(st.integers(1, 2000)), alignment), step, step))
    return out


def assert_valid(bs, offsets, alignment=16):
    assert placement.overlapping_pairs(bs, offsets) == []
    assert all(o % alignment == 0 and o >= 0 for o in offsets)


@settings(max_examples=150, deadline=None)
@given(blocks())
def test_strategies_are_valid_and_between_bounds(bs):
    floor = placement.lower_bound(bs)
    naive = sum(b.size for b in bs)
    for strategy in STRATEGIES:
        offsets = strategy(bs)
        assert_valid(bs, offsets)
        assert floor <= placement.arena_size(bs, offsets) <= naive


@settings(max_examples=100, deadline=None)
@given(blocks(max_blocks=9))
def test_best_plan_is_valid_and_no_worse_than_greedy(bs):
    offsets, name, sizes, _ = choose_placement(bs)
    assert_valid(bs, offsets)
    size = placement.arena_size(bs, offsets)
    assert size == sizes[name] == min(sizes.values())
    assert placement.lower_bound(bs) <= size <= placement.arena_size(bs, placement.greedy_by_size(bs))


@settings(max_examples=100, deadline=None)
@given(chains())
def test_chains_of_any_length_reach_the_lower_bound(bs):
    offsets, _, _, _ = choose_placement(bs)
    assert_valid(bs, offsets)
    assert placement.arena_size(bs, offsets) == placement.lower_bound(bs)


@settings(max_examples=60, deadline=None)
@given(chains(max_len=9, with_scratch=True))
def test_small_chains_with_scratch_reach_the_lower_bound(bs):
    offsets, _, _, _ = choose_placement(bs)
    assert_valid(bs, offsets)
    assert placement.arena_size(bs, offsets) == placement.lower_bound(bs)


def _brute_force_optimum(bs: list[Block]) -> int:
    """The smallest arena by trying every offset (tiny problems only; unit alignment)."""
    size = placement.lower_bound(bs)
    while True:
        ranges = [range(0, size - b.size + 1) for b in bs]
        for offsets in itertools.product(*ranges):
            if not placement.overlapping_pairs(bs, list(offsets)):
                return size
        size += 1


@settings(max_examples=60, deadline=None)
@given(blocks(max_blocks=5, max_steps=4, alignment=1).map(lambda bs: [Block(b.size % 4 + 1, b.first, b.last) for b in bs]))
def test_exact_search_finds_the_optimum(bs):
    found = placement.exact(bs, upper=sum(b.size for b in bs) + 1)
    assert found.proven
    assert_valid(bs, found.offsets, alignment=1)
    assert placement.arena_size(bs, found.offsets) == _brute_force_optimum(bs)


def test_exact_search_beats_the_greedy_strategies_when_they_miss():
    bs = [Block(4, 2, 3), Block(3, 2, 4), Block(2, 1, 3), Block(5, 4, 4)]
    assert placement.arena_size(bs, placement.greedy_by_size(bs)) == 10
    assert placement.arena_size(bs, placement.greedy_by_breadth(bs)) == 12
    offsets, name, sizes, proven = choose_placement(bs)
    assert (name, placement.arena_size(bs, offsets), proven) == ("exact", 9, True)
    assert placement.lower_bound(bs) == 9
    assert_valid(bs, offsets, alignment=1)


def test_alignment_rounds_every_buffer():
    assert align_up(1, 16) == 16 and align_up(16, 16) == 16 and align_up(17, 16) == 32 and align_up(0, 16) == 0


@st.composite
def linked(draw, max_len=12, alignment=16):
    """A chain where op i reads tensor i-1 and writes tensor i, some outputs allowed to
    overlap their input from `lag` bytes below (placement.Link), plus scratch."""
    n = draw(st.integers(2, max_len))
    out = [Block(align_up(draw(st.integers(1, 4000)), alignment), i, i + 1) for i in range(n)]
    links = []
    for i in range(1, n):
        if draw(st.booleans()):
            links.append((i - 1, i, align_up(draw(st.integers(0, out[i].size)), alignment)))
    for step in draw(st.sets(st.integers(0, n - 1), max_size=3)):
        out.append(Block(align_up(draw(st.integers(1, 2000)), alignment), step, step))
    return out, links


@settings(max_examples=150, deadline=None)
@given(linked())
def test_links_let_an_output_overlap_its_input_only_from_lag_below(problem):
    bs, links = problem
    offsets, name, sizes, _ = choose_placement(bs, links=links)
    assert placement.overlapping_pairs(bs, offsets, links) == []
    for a, b, lag in links:  # overlapping only from below, at least lag bytes
        if offsets[b] < offsets[a] + bs[a].size and offsets[a] < offsets[b] + bs[b].size:
            assert offsets[b] <= offsets[a] - lag
    size = placement.arena_size(bs, offsets)
    assert placement.lower_bound(bs, links) <= size <= placement.arena_size(bs, placement.greedy_by_size(bs))
    assert placement.lower_bound(bs, links) <= placement.lower_bound(bs)


def test_a_link_saves_what_the_lag_allows():
    # input 1,024 B dies where the 2,048-B output is born: apart they need 3,072 B, linked
    # with a 1,040-B lag the output starts 1,040 B below the input: 1,040 + 1,024 = 2,064 B
    bs = [Block(1024, 0, 1), Block(2048, 1, 2)]
    links = [(0, 1, 1040)]
    offsets, _, _, _ = choose_placement(bs, links=links)
    assert placement.arena_size(bs, offsets) == placement.lower_bound(bs, links) == 2064
    assert offsets == [1040, 0]
    assert placement.overlapping_pairs(bs, [0, 0], links) == [(0, 1)]  # too close: a clash
