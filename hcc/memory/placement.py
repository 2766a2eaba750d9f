"""Placement: offsets in one arena for buffers with known sizes and lifetimes.

The problem: given blocks (size, first step, last step), give each an offset so that two
blocks live at a common step never share a byte, minimising the arena size (the highest
end). Every size is already a multiple of the alignment and every offset is an end of
another block (or 0), so offsets stay aligned.

Links: `(a, b, lag)` lets block b (an op's output) overlap block a (that op's input, which
dies at the step where b is born) provided b starts at least `lag` bytes below a:
offset[b] <= offset[a] - lag, or else the two are apart as usual (hcc/memory/liveness.py:
a row-streaming conv overwrites the input rows it is done with). Every pair of blocks live
together thus forbids a range of offsets to each other: [o_j - a + 1, o_j + b) for block i
with a = size_i, b = size_j normally, a = lag (b the output) or b = lag (i the output's
input) for a link. Lowest fit, best fit and the exact search work on these ranges.

Groups: `[(block, delta), ...]` places its blocks at fixed distances from a common start
(offset[block] = start + delta): the inputs of an in-place Concat one after the other and
its output over all of them (views into a parent buffer). Blocks of one group never clash
with each other (their bytes are laid out by the group); the others see each member as
usual. The greedy strategies place a group at once, at the lowest (or best) start where
every member fits; the exact search and two_sided are not tried with groups.

Strategies (plan_memory keeps the best):
- greedy_by_size: TFLite Micro's; largest first, each at the lowest offset that fits.
- greedy_by_breadth: Pisarchyk & Lee 2020; visit steps by decreasing live bytes, place
  their blocks largest first into the tightest gap that fits (best fit).
- greedy_by_conflict: largest first like greedy_by_size, but a block that is live with more
  bytes comes first among equals, and each goes into the tightest gap (best fit).
- two_sided: when at most two blocks are ever live together (chains), the conflict
  graph is a forest; blocks of one colour go at the bottom, of the other at the top, and
  the arena equals the lower bound.
- exact: branch and bound over placement orders for small problems. Any optimum can be
  pushed down until no block can move lower; placing its blocks by increasing offset at
  the lowest fitting offset rebuilds it, so searching such orders (offsets
  non-decreasing) is exhaustive.
- improve: local search from the best greedy order (swap two places in the order, keep the
  swap when the arena shrinks), for problems where the greedy plans miss the bound.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    size: int
    first: int
    last: int

    def overlaps(self, other: "Block") -> bool:
        return self.first <= other.last and other.first <= self.last


Link = tuple[int, int, int]  # (a, b, delta): offset[b] = offset[a] + delta


def align_up(n: int, alignment: int) -> int:
    return -(-n // alignment) * alignment


Group = list[tuple[int, int]]  # [(block, delta)]: offset[block] = start + delta


def live_bytes(blocks: list[Block], steps: int, links: list[Link] = (), groups: list[Group] = ()) -> list[int]:
    """Bytes live at each step 0..steps-1; at the step of a link, the two blocks need only
    max(lag + size of the input, size of the output) together; the members of a group live
    at one step need the union of their byte ranges."""
    live = [0] * steps
    for b in blocks:
        for s in range(b.first, b.last + 1):
            live[s] += b.size
    for a, b, lag in links:
        src, dst = blocks[a], blocks[b]
        if src.size and dst.size and src.last == dst.first:
            live[dst.first] -= src.size + dst.size - max(lag + src.size, dst.size)
    for group in groups:
        for s in range(min(blocks[m].first for m, _ in group), max(blocks[m].last for m, _ in group) + 1):
            spans = sorted((d, d + blocks[m].size) for m, d in group if blocks[m].first <= s <= blocks[m].last)
            union, end = 0, None
            for lo, hi in spans:
                lo = lo if end is None else max(lo, end)
                if hi > lo:
                    union += hi - lo
                end = hi if end is None else max(end, hi)
            live[s] -= sum(hi - lo for lo, hi in spans) - union
    return live


def lower_bound(blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()) -> int:
    """No placement can use less than the bytes live at the busiest step."""
    steps = max((b.last for b in blocks), default=-1) + 1
    return max(live_bytes(blocks, steps, links, groups), default=0)


def arena_size(blocks: list[Block], offsets: list[int]) -> int:
    return max((o + b.size for b, o in zip(blocks, offsets)), default=0)


def _conflicts(blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()) -> list[list[tuple[int, int, int]]]:
    """For each block i, (j, a, b) for every block j live with it: i may not start in
    [o_j - a + 1, o_j + b) (empty blocks conflict with nothing, blocks of one group with each other)."""
    group_of = {m: g for g, group in enumerate(groups) for m, _ in group}
    special = {}
    for src, dst, lag in links:
        special[(dst, src)] = (lag, blocks[src].size)  # the output: at most o_src - lag, or above src
        special[(src, dst)] = (blocks[src].size, lag)  # the input: at least o_dst + lag, or below dst
    return [[(j, *special.get((i, j), (b.size, other.size))) for j, other in enumerate(blocks)
             if j != i and b.size and other.size and b.overlaps(other)
             and (i not in group_of or group_of[i] != group_of.get(j))]
            for i, b in enumerate(blocks)]


def _forbidden(i: int, conflicts, offsets) -> list[tuple[int, int]]:
    """Offsets [lo, hi) at which block i would clash with a placed block, sorted."""
    return sorted((offsets[j] - a + 1, offsets[j] + b) for j, a, b in conflicts[i] if offsets[j] is not None)


def _free_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int | None]]:
    """The free offsets >= 0 between forbidden spans, as [lo, hi) (hi None: unbounded)."""
    free, base = [], 0
    for lo, hi in spans:
        if lo > base:
            free.append((base, lo))
        base = max(base, hi)
    free.append((base, None))
    return free


def _lowest_of(spans) -> int:
    return _free_spans(spans)[0][0]


def _best_of(spans) -> int:
    free = _free_spans(spans)
    bounded = [(hi - lo, lo) for lo, hi in free if hi is not None]
    return min(bounded)[1] if bounded else free[-1][0]


def _lowest_fit(i: int, conflicts, offsets) -> int:
    return _lowest_of(_forbidden(i, conflicts, offsets))


def _best_fit(i: int, conflicts, offsets) -> int:
    """The start of the tightest free range of offsets (the smallest gap that holds the
    block), or the top when no bounded range exists."""
    return _best_of(_forbidden(i, conflicts, offsets))


class Problem:
    """Blocks, links, groups and the conflicts every strategy derives from them."""

    def __init__(self, blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()):
        self.blocks = blocks
        self.links = list(links)
        self.groups = [list(g) for g in groups]
        self.group_of = {m: g for g in self.groups for m, _ in g}
        self.conflicts = _conflicts(blocks, self.links, self.groups)

    def place(self, order: list[int], fit=_lowest_fit) -> list[int]:
        offsets: list[int | None] = [None] * len(self.blocks)
        pick = _best_of if fit is _best_fit else _lowest_of
        for i in order:
            if offsets[i] is not None:
                continue
            group = self.group_of.get(i)
            if group is None:
                offsets[i] = fit(i, self.conflicts, offsets)
                continue
            spans = sorted((lo - d, hi - d) for m, d in group for lo, hi in _forbidden(m, self.conflicts, offsets))
            start = pick(spans)
            for m, d in group:
                offsets[m] = start + d
        return offsets

    def size(self, offsets) -> int:
        return arena_size(self.blocks, offsets)


def place_in_order(blocks: list[Block], order: list[int], links: list[Link] = (), fit=_lowest_fit,
                   groups: list[Group] = ()) -> list[int]:
    return Problem(blocks, links, groups).place(order, fit)


def greedy_by_size(blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()) -> list[int]:
    order = sorted(range(len(blocks)), key=lambda i: (-blocks[i].size, -(blocks[i].last - blocks[i].first), blocks[i].first, i))
    return place_in_order(blocks, order, links, groups=groups)


def greedy_by_breadth(blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()) -> list[int]:
    steps = max((b.last for b in blocks), default=-1) + 1
    live = live_bytes(blocks, steps, links, groups)
    order: list[int] = []
    seen: set[int] = set()
    for step in sorted(range(steps), key=lambda s: (-live[s], s)):
        here = [i for i, b in enumerate(blocks) if b.first <= step <= b.last and i not in seen]
        for i in sorted(here, key=lambda i: (-blocks[i].size, i)):
            order.append(i)
            seen.add(i)
    order.extend(i for i in range(len(blocks)) if i not in seen)
    return place_in_order(blocks, order, links, fit=_best_fit, groups=groups)


def greedy_by_conflict(blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()) -> list[int]:
    """Largest first; among equals, the block live at the busier steps first; best fit."""
    steps = max((b.last for b in blocks), default=-1) + 1
    live = live_bytes(blocks, steps, links, groups)

    def key(i):
        b = blocks[i]
        return (-b.size, -max(live[b.first:b.last + 1], default=0), b.first, i)

    return place_in_order(blocks, sorted(range(len(blocks)), key=key), links, fit=_best_fit, groups=groups)


def two_sided(blocks: list[Block], links: list[Link] = (), groups: list[Group] = ()) -> list[int] | None:
    """Exact when no three blocks are live together and none are linked or grouped; None otherwise."""
    if links or groups:
        return None
    steps = max((b.last for b in blocks), default=-1) + 1
    count = [0] * steps
    for b in blocks:
        if b.size:
            for s in range(b.first, b.last + 1):
                count[s] += 1
    if any(c > 2 for c in count):
        return None
    top = lower_bound(blocks)
    conflicts = _conflicts(blocks)
    colour: list[int | None] = [None] * len(blocks)
    for root in range(len(blocks)):
        if colour[root] is not None:
            continue
        colour[root] = 0
        stack = [root]
        while stack:  # triangle-free interval graphs are forests: 2-colourable
            i = stack.pop()
            for j, _, _ in conflicts[i]:
                if colour[j] is None and blocks[j].size and blocks[i].size:
                    colour[j] = 1 - colour[i]
                    stack.append(j)
    return [0 if colour[i] == 0 or not b.size else top - b.size for i, b in enumerate(blocks)]


def improve(blocks: list[Block], links: list[Link], start: list[int], floor: int, tries: int = 400,
            seed: int = 0, groups: list[Group] = ()) -> list[int]:
    """Local search from the order that rebuilds `start` (blocks by increasing offset, each at
    the lowest fit, as in the exact search): move one block to another place in the order,
    keep the move when the arena does not grow. Deterministic (seeded); stops at `floor`."""
    p = Problem(blocks, links, groups)
    n = len(blocks)
    if n < 2:
        return start
    order = sorted(range(n), key=lambda i: (start[i], i))
    best = p.place(order)
    best_size = p.size(best)
    if p.size(start) < best_size:
        best, best_size = start, p.size(start)
    rng = random.Random(seed)
    for _ in range(tries):
        if best_size <= floor:
            break
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        trial = list(order)
        trial.insert(j, trial.pop(i))
        offsets = p.place(trial)
        size = p.size(offsets)
        if size <= best_size:
            order = trial
            if size < best_size:
                best, best_size = offsets, size
    return best


@dataclass
class ExactResult:
    offsets: list[int] | None  # None when nothing better than `upper` was found
    proven: bool  # the search finished: the result (or `upper`) is optimal


def exact(blocks: list[Block], upper: int, node_limit: int = 200_000, links: list[Link] = ()) -> ExactResult:
    """Branch and bound for an arena smaller than `upper` (see the module docstring)."""
    n = len(blocks)
    p = Problem(blocks, links)
    floor = lower_bound(blocks, links)
    best = {"size": upper, "offsets": None}
    offsets: list[int | None] = [0 if b.size == 0 else None for b in blocks]
    nodes = 0
    aborted = False

    def search(remaining: list[int], last_offset: int, last_index: int, top: int) -> None:
        nonlocal nodes, aborted
        if not remaining:
            if top < best["size"]:
                best["size"], best["offsets"] = top, list(offsets)
            return
        nodes += 1
        if nodes > node_limit:
            aborted = True
            return
        for i in remaining:
            offset = _lowest_fit(i, p.conflicts, offsets)
            if offset < last_offset or (offset == last_offset and i < last_index):
                continue  # not in canonical (offset, index) order
            rest = [j for j in remaining if j != i]
            # Every later block lands at or above this offset.
            bound = max(top, offset + blocks[i].size, offset + max((blocks[j].size for j in rest), default=0))
            if bound >= best["size"]:
                continue
            offsets[i] = offset
            search(rest, offset, i, max(top, offset + blocks[i].size))
            offsets[i] = None
            if aborted or best["size"] == floor:
                return

    search([i for i in range(n) if blocks[i].size], 0, -1, 0)
    return ExactResult(best["offsets"], proven=not aborted)


def overlapping_pairs(blocks: list[Block], offsets: list[int], links: list[Link] = (),
                      groups: list[Group] = ()) -> list[tuple[int, int]]:
    """Pairs of blocks live together whose byte ranges clash (empty for a valid plan): a
    link's output may overlap its input only from at least `lag` bytes below it; the members
    of a group must sit at their distances from the group's start."""
    bad = []
    for group in groups:
        (first, d0), *rest = group
        bad += [(first, m) for m, d in rest if offsets[m] - d != offsets[first] - d0]
    for i, row in enumerate(_conflicts(blocks, links, groups)):
        for j, a, b in row:
            if j > i and offsets[j] - a < offsets[i] < offsets[j] + b:
                bad.append((i, j))
    return bad
