"""Placement: offsets in one arena for buffers with known sizes and lifetimes.

The problem: given blocks (size, first step, last step), give each an offset so that two
blocks live at a common step never share a byte, minimising the arena size (the highest
end). Every size is already a multiple of the alignment and every offset is an end of
another block (or 0), so offsets stay aligned.

Strategies (plan_memory keeps the best):
- greedy_by_size: TFLite Micro's; largest first, each at the lowest offset that fits.
- greedy_by_breadth: Pisarchyk & Lee 2020; visit steps by decreasing live bytes, place
  their blocks largest first into the tightest gap that fits (best fit).
- two_sided: when at most two blocks are ever live together (chains), the conflict
  graph is a forest; blocks of one colour go at the bottom, of the other at the top, and
  the arena equals the lower bound.
- exact: branch and bound over placement orders for small problems. Any optimum can be
  pushed down until no block can move lower; placing its blocks by increasing offset at
  the lowest fitting offset rebuilds it, so searching such orders (offsets
  non-decreasing) is exhaustive.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    size: int
    first: int
    last: int

    def overlaps(self, other: "Block") -> bool:
        return self.first <= other.last and other.first <= self.last


def align_up(n: int, alignment: int) -> int:
    return -(-n // alignment) * alignment


def live_bytes(blocks: list[Block], steps: int) -> list[int]:
    """Bytes live at each step 0..steps-1."""
    live = [0] * steps
    for b in blocks:
        for s in range(b.first, b.last + 1):
            live[s] += b.size
    return live


def lower_bound(blocks: list[Block]) -> int:
    """No placement can use less than the bytes live at the busiest step."""
    steps = max((b.last for b in blocks), default=-1) + 1
    return max(live_bytes(blocks, steps), default=0)


def arena_size(blocks: list[Block], offsets: list[int]) -> int:
    return max((o + b.size for b, o in zip(blocks, offsets)), default=0)


def _conflicts(blocks: list[Block]) -> list[list[int]]:
    """For each block, the blocks live with it (empty blocks conflict with nothing)."""
    return [[j for j, other in enumerate(blocks) if j != i and b.size and other.size and b.overlaps(other)] for i, b in enumerate(blocks)]


def _occupied(i: int, conflicts, offsets, blocks) -> list[tuple[int, int]]:
    return sorted((offsets[j], offsets[j] + blocks[j].size) for j in conflicts[i] if offsets[j] is not None)


def _lowest_fit(size: int, taken: list[tuple[int, int]]) -> int:
    offset = 0
    for start, end in taken:
        if offset + size <= start:
            break
        offset = max(offset, end)
    return offset


def _best_fit(size: int, taken: list[tuple[int, int]]) -> int:
    """The start of the smallest gap that holds `size`, or the top when none does."""
    best, best_gap, offset = None, None, 0
    for start, end in taken:
        gap = start - offset
        if gap >= size and (best_gap is None or gap < best_gap):
            best, best_gap = offset, gap
        offset = max(offset, end)
    return offset if best is None else best


def place_in_order(blocks: list[Block], order: list[int], fit=_lowest_fit) -> list[int]:
    conflicts = _conflicts(blocks)
    offsets: list[int | None] = [None] * len(blocks)
    for i in order:
        offsets[i] = fit(blocks[i].size, _occupied(i, conflicts, offsets, blocks))
    return offsets


def greedy_by_size(blocks: list[Block]) -> list[int]:
    order = sorted(range(len(blocks)), key=lambda i: (-blocks[i].size, -(blocks[i].last - blocks[i].first), blocks[i].first, i))
    return place_in_order(blocks, order)


def greedy_by_breadth(blocks: list[Block]) -> list[int]:
    steps = max((b.last for b in blocks), default=-1) + 1
    live = live_bytes(blocks, steps)
    order: list[int] = []
    seen: set[int] = set()
    for step in sorted(range(steps), key=lambda s: (-live[s], s)):
        here = [i for i, b in enumerate(blocks) if b.first <= step <= b.last and i not in seen]
        for i in sorted(here, key=lambda i: (-blocks[i].size, i)):
            order.append(i)
            seen.add(i)
    order.extend(i for i in range(len(blocks)) if i not in seen)
    return place_in_order(blocks, order, fit=_best_fit)


def two_sided(blocks: list[Block]) -> list[int] | None:
    """Exact when no three blocks are live together; None otherwise."""
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


@dataclass
class ExactResult:
    offsets: list[int] | None  # None when nothing better than `upper` was found
    proven: bool  # the search finished: the result (or `upper`) is optimal


def exact(blocks: list[Block], upper: int, node_limit: int = 200_000) -> ExactResult:
    """Branch and bound for an arena smaller than `upper` (see the module docstring)."""
    n = len(blocks)
    conflicts = _conflicts(blocks)
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
            offset = _lowest_fit(blocks[i].size, _occupied(i, conflicts, offsets, blocks))
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


def overlapping_pairs(blocks: list[Block], offsets: list[int]) -> list[tuple[int, int]]:
    """Pairs of blocks live together whose byte ranges intersect (empty for a valid plan)."""
    bad = []
    for i, a in enumerate(blocks):
        for j in range(i + 1, len(blocks)):
            b = blocks[j]
            if a.size and b.size and a.overlaps(b) and offsets[i] < offsets[j] + b.size and offsets[j] < offsets[i] + a.size:
                bad.append((i, j))
    return bad
