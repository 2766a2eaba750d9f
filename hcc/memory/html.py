"""The HTML view of a memory plan: an SVG timeline of the arena and the tables.

One self-contained page (inline CSS, no scripts, no fonts or images fetched), rendered
from templates/plan.html.j2. Geometry is computed here so the template stays markup.
"""

from __future__ import annotations

import jinja2

from hcc.memory.model_plan import ModelPlans
from hcc.memory.report import percent, verdict
from hcc.memory.sizes import format_bytes
from hcc.resources import data_dir

COLOURS = {"activation": "#4e79a7", "inplace": "#76b7b2", "overlap": "#9c755f", "alias": "#f28e2b", "scratch": "#e15759",
           "input": "#59a14f",
           "output": "#b07aa1"}

WIDTH, HEIGHT = 1100, 440  # plot area of the timeline, in px
LEFT, TOP, BOTTOM = 90, 20, 150  # margins: offset axis, peak label, op names


def _timeline(plan, top_bytes: int | None = None) -> dict:
    """SVG geometry of `plan`'s arena over its steps (`top_bytes`: the y scale, shared by
    the timelines drawn to be compared)."""
    steps = max(len(plan.ops), 1)
    top_bytes = top_bytes or max(plan.peak_bytes, plan.lower_bound_bytes, 1)
    col = WIDTH / steps
    scale = HEIGHT / top_bytes

    def y(offset: int) -> float:  # offsets grow upwards, as in a memory map
        return TOP + HEIGHT - offset * scale

    align = plan.alignment
    rects = []
    for t in plan.tensors:
        size = -(-t.bytes // align) * align
        rects.append(
            {
                "x": LEFT + t.first * col + 1,
                "y": y(t.offset + size),
                "w": max((t.last - t.first + 1) * col - 2, 1),
                "h": max(size * scale, 1),
                "colour": COLOURS.get(t.kind, "#999"),
                "label": t.name if (t.last - t.first + 1) * col > 8 * len(t.name) and size * scale > 14 else "",
                "title": f"{t.name} ({t.kind}): {t.bytes:,} B at offset {t.offset:,}; live from step {t.first} "
                f"({plan.ops[t.first]['name']}) to step {t.last} ({plan.ops[t.last]['name']})"
                + (f"; shares the buffer of {t.buffer}" if t.buffer != t.name else ""),
            }
        )
    ticks = [{"y": y(v), "label": format_bytes(v).split(" (")[0]} for v in (top_bytes * k // 4 for k in range(5))]
    ops = [{"x": LEFT + (i + 0.5) * col, "label": f"{op['index']} {op['name']}"} for i, op in enumerate(plan.ops)]
    live = " ".join(f"{LEFT + i * col:.1f},{y(op['live_bytes']):.1f} {LEFT + (i + 1) * col:.1f},{y(op['live_bytes']):.1f}" for i, op in enumerate(plan.ops))
    return {
        "width": LEFT + WIDTH + 20,
        "height": TOP + HEIGHT + BOTTOM,
        "left": LEFT,
        "right": LEFT + WIDTH,
        "bottom": TOP + HEIGHT,
        "rects": rects,
        "ticks": ticks,
        "ops": ops,
        "live": live,
        "peak_y": y(plan.peak_bytes),
        "bound_y": y(plan.lower_bound_bytes),
        "peak_x": LEFT + (plan.peak_step + 0.5) * col,
    }


def render_plan_html(result: ModelPlans, sram_budget: int, flash_budget: int) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("templates"))), autoescape=True, undefined=jinja2.StrictUndefined)
    plan = result.plan
    top = max([plan.peak_bytes, plan.lower_bound_bytes, 1] + [p.peak_bytes for _, p in result.stages])
    stages = [{"name": name, "plan": p, "svg": _timeline(p, top)} for name, p in result.stages]
    return env.get_template("plan.html.j2").render(
        result=result,
        plan=plan,
        svg=_timeline(plan),
        stages=stages,
        colours=COLOURS,
        verdict=verdict(plan, sram_budget, flash_budget),
        fits=plan.peak_bytes <= sram_budget and plan.flash_bytes <= flash_budget,
        sram_budget=sram_budget,
        flash_budget=flash_budget,
        sram_percent=percent(plan.peak_bytes, sram_budget),
        flash_percent=percent(plan.flash_bytes, flash_budget),
        fmt=format_bytes,
    )
