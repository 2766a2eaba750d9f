"""Placement: offsets in one arena for buffers with known sizes and lifetimes.

The problem: given blocks (size, first step, last step), give each an offset so that two
blocks live at a common step never share a byte, minimising the arena size (the highest
end). Every size is already a multiple of the alignment and every offset is an end of
another block (or 0), so offsets stay aligned.

Links: `(a, b, delta)` fixes offset[b] = offset[a] + delta. The planner links an op's
output to the input it may partly overwrite (an in-place conv whose output starts `lag`
bytes below its input, hcc/memory/liveness.py): linked blocks form a *unit* that is placed
as one rigid piece, and the two blocks of a link may share bytes at the one step where
both live. Units are chains (a block is overwritten by at most one op and overwrites at
most one input), so members of a unit that are not linked are never live together.

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


# ----- units: blocks placed together ---------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    members: tuple[tuple[int, int], ...]  # (block index, offset from the unit's base); offsets >= 0

    def extent(self, blocks: list[Block], step: int | None = None) -> int:
        """Bytes the unit spans (only its members live at `step`, when given)."""
        live = [(r, blocks[i].size) for i, r in self.members
                if blocks[i].size and (step is None or blocks[i].first <= step <= blocks[i].last)]
        if not live:
            return 0
        return max(r + s for r, s in live) - min(r for r, _ in live)


def make_units(blocks: list[Block], links: list[Link] = ()) -> list[Unit]:
    """The rigid units of `blocks` under `links` (a block without links is a unit alone)."""
    parent = list(range(len(blocks)))
    rel = [0] * len(blocks)  # offset from the root of its set

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    def offset_to_root(i: int) -> int:
        total = 0
        while parent[i] != i:
            total += rel[i]
            i = parent[i]
        return total

    for a, b, delta in links:
        ra, rb = find(a), find(b)
        oa, ob = offset_to_root(a), offset_to_root(b)
        if ra == rb:
            if ob - oa != delta:
                raise ValueError(f"links of blocks {a} and {b} disagree")
            continue
        parent[rb] = ra
        rel[rb] = oa + delta - ob  # offset(rb) - offset(ra)
    groups: dict[int, list[tuple[int, int]]] = {}
    for i in range(len(blocks)):
        groups.setdefault(find(i), []).append((i, offset_to_root(i)))
    units = []
    for members in groups.values():
        low = min(r for _, r in members)
        units.append(Unit(tuple((i, r - low) for i, r in members)))
    return sorted(units, key=lambda u: u.members[0][0])


def _unit_of(units: list[Unit], n: int) -> list[int]:
    owner = [0] * n
    for k, u in enumerate(units):
        for i, _ in u.members:
            owner[i] = k
    return owner


def live_bytes(blocks: list[Block], steps: int, links: list[Link] = ()) -> list[int]:
    """Bytes live at each step 0..steps-1 (a unit counts the span of its live members)."""
    live = [0] * steps
    if not links:
        for b in blocks:
            for s in range(b.first, b.last + 1):
                live[s] += b.size
        return live
    for u in make_units(blocks, links):
        first = min(blocks[i].first for i, _ in u.members)
        last = max(blocks[i].last for i, _ in u.members)
        for s in range(first, last + 1):
            live[s] += u.extent(blocks, s)
    return live


def lower_bound(blocks: list[Block], links: list[Link] = ()) -> int:
    """No placement can use less than the bytes live at the busiest step."""
    steps = max((b.last for b in blocks), default=-1) + 1
    return max(live_bytes(blocks, steps, links), default=0)


def arena_size(blocks: list[Block], offsets: list[int]) -> int:
    return max((o + b.size for b, o in zip(blocks, offsets)), default=0)


def _conflicts(blocks: list[Block], owner: list[int] | None = None) -> list[list[int]]:
    """For each block, the blocks of other units live with it (empty blocks conflict with nothing)."""
    return [[j for j, other in enumerate(blocks)
             if j != i and b.size and other.size and b.overlaps(other) and (owner is None or owner[i] != owner[j])]
            for i, b in enumerate(blocks)]


def _forbidden(unit: Unit, blocks, conflicts, offsets) -> list[tuple[int, int]]:
    """Bases [lo, hi) at which some member of `unit` would overlap a placed block, sorted."""
    spans = []
    for i, r in unit.members:
        s = blocks[i].size
        for j in conflicts[i]:
            if offsets[j] is not None:
                spans.append((offsets[j] - r - s + 1, offsets[j] + blocks[j].size - r))
    return sorted(spans)


def _free_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int | None]]:
    """The free bases >= 0 between forbidden spans, as [lo, hi) (hi None: unbounded)."""
    free, base = [], 0
    for lo, hi in spans:
        if lo > base:
            free.append((base, lo))
        base = max(base, hi)
    free.append((base, None))
    return free


def _lowest_fit(unit: Unit, blocks, conflicts, offsets) -> int:
    return _free_spans(_forbidden(unit, blocks, conflicts, offsets))[0][0]


def _best_fit(unit: Unit, blocks, conflicts, offsets) -> int:
    """The start of the tightest free range of bases (the smallest gap that holds the unit),
    or the top when no bounded range exists."""
    free = _free_spans(_forbidden(unit, blocks, conflicts, offsets))
    bounded = [(hi - lo, lo) for lo, hi in free if hi is not None]
    return min(bounded)[1] if bounded else free[-1][0]


def _place(blocks: list[Block], units: list[Unit], order: list[int], fit, conflicts) -> list[int]:
    offsets: list[int | None] = [None] * len(blocks)
    for k in order:
        base = fit(units[k], blocks, conflicts, offsets)
        for i, r in units[k].members:
            offsets[i] = base + r
    return offsets


class Problem:
    """Blocks, links and what every strategy derives from them once."""

    def __init__(self, blocks: list[Block], links: list[Link] = ()):
        self.blocks = blocks
        self.links = list(links)
        self.units = make_units(blocks, self.links)
        self.owner = _unit_of(self.units, len(blocks))
        self.conflicts = _conflicts(blocks, self.owner)

    def place(self, order: list[int], fit=_lowest_fit) -> list[int]:
        return _place(self.blocks, self.units, order, fit, self.conflicts)

    def size(self, offsets) -> int:
        return arena_size(self.blocks, offsets)

    def unit_size(self, k: int) -> int:
        return self.units[k].extent(self.blocks)

    def unit_span(self, k: int) -> tuple[int, int]:
        members = [self.blocks[i] for i, _ in self.units[k].members]
        return min(b.first for b in members), max(b.last for b in members)


def _by_size(p: Problem) -> list[int]:
    def key(k):
        first, last = p.unit_span(k)
        return (-p.unit_size(k), -(last - first), first, k)

    return sorted(range(len(p.units)), key=key)


def greedy_by_size(blocks: list[Block], links: list[Link] = ()) -> list[int]:
    p = Problem(blocks, links)
    return p.place(_by_size(p))


def greedy_by_breadth(blocks: list[Block], links: list[Link] = ()) -> list[int]:
    p = Problem(blocks, links)
    steps = max((b.last for b in blocks), default=-1) + 1
    live = live_bytes(blocks, steps, p.links)
    order: list[int] = []
    seen: set[int] = set()
    for step in sorted(range(steps), key=lambda s: (-live[s], s)):
        here = [k for k in range(len(p.units)) if k not in seen and p.unit_span(k)[0] <= step <= p.unit_span(k)[1]]
        for k in sorted(here, key=lambda k: (-p.unit_size(k), k)):
            order.append(k)
            seen.add(k)
    order.extend(k for k in range(len(p.units)) if k not in seen)
    return p.place(order, fit=_best_fit)


def greedy_by_conflict(blocks: list[Block], links: list[Link] = ()) -> list[int]:
    p = Problem(blocks, links)
    steps = max((b.last for b in blocks), default=-1) + 1
    live = live_bytes(blocks, steps, p.links)

    def key(k):
        first, last = p.unit_span(k)
        return (-p.unit_size(k), -max(live[first:last + 1]), first, k)

    return p.place(sorted(range(len(p.units)), key=key), fit=_best_fit)


def two_sided(blocks: list[Block], links: list[Link] = ()) -> list[int] | None:
    """Exact when no three blocks are live together and no blocks are linked; None otherwise."""
    if links:
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
            for j in conflicts[i]:
                if colour[j] is None and blocks[j].size and blocks[i].size:
                    colour[j] = 1 - colour[i]
                    stack.append(j)
    return [0 if colour[i] == 0 or not b.size else top - b.size for i, b in enumerate(blocks)]


def improve(blocks: list[Block], links: list[Link], start: list[int], floor: int, tries: int = 400,
            seed: int = 0) -> list[int]:
    """Local search from the order that gave `start`'s offsets: move one unit to another
    place in the order, keep the move when the arena does not grow (lowest fit, so plans
    only change where the order does). Deterministic (seeded); stops at `floor`."""
    p = Problem(blocks, links)
    if len(p.units) < 2:
        return start
    # the order that rebuilds `start`: units by increasing base, as in the exact search
    order = sorted(range(len(p.units)), key=lambda k: (min(start[i] - r for i, r in p.units[k].members), k))
    best = p.place(order)
    best_size = p.size(best)
    if p.size(start) < best_size:
        best, best_size = start, p.size(start)
    rng = random.Random(seed)
    n = len(order)
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


def exact(blocks: list[Block], upper: int, node_limit: int = 200_000) -> ExactResult:
    """Branch and bound for an arena smaller than `upper` (see the module docstring).
    Unlinked blocks only: the canonical-order argument is for single blocks."""
    n = len(blocks)
    p = Problem(blocks)
    floor = lower_bound(blocks)
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
            offset = _lowest_fit(p.units[i], blocks, p.conflicts, offsets)
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


def overlapping_pairs(blocks: list[Block], offsets: list[int], links: list[Link] = ()) -> list[tuple[int, int]]:
    """Pairs of blocks live together whose byte ranges intersect (empty for a valid plan).
    The two blocks of a link may overlap where they meet (the planner checked that the op
    between them overwrites only dead bytes), but their offsets must keep the link's delta."""
    linked = {(min(a, b), max(a, b)) for a, b, _ in links}
    bad = []
    for a, b, delta in links:
        if offsets[b] - offsets[a] != delta:
            bad.append((min(a, b), max(a, b)))
    for i, a in enumerate(blocks):
        for j in range(i + 1, len(blocks)):
            b = blocks[j]
            if (i, j) in linked:
                continue
            if a.size and b.size and a.overlaps(b) and offsets[i] < offsets[j] + b.size and offsets[j] < offsets[i] + a.size:
                bad.append((i, j))
    return bad
