"""Reports of a memory plan: the text table of `hcc plan` and its JSON."""

from __future__ import annotations

from hcc.memory.model_plan import ModelPlans
from hcc.memory.budget import firmware_note
from hcc.memory.sizes import format_bytes


def plan_json(result: ModelPlans, sram_budget: int, flash_budget: int) -> dict:
    plan = result.plan
    out = {
        "peak_bytes": plan.peak_bytes,
        "lower_bound_bytes": plan.lower_bound_bytes,
        "budget_bytes": sram_budget,
        "fits": plan.peak_bytes <= sram_budget,
        "peak_op": plan.peak_op,
        "flash_bytes": plan.flash_bytes,
        "flash_budget_bytes": flash_budget,
        "flash_fits": plan.flash_bytes <= flash_budget,
        "streaming": result.streaming,
        "streaming_peak_bytes": result.streaming_peak,
        "unfused_peak_bytes": result.unfused_peak,
        "ram_bytes": plan.ram_bytes,
    }
    if result.tflm is not None:
        out["tflm_arena"] = {f"{k}_bytes": v for k, v in result.tflm.items()}
    out["memory_passes"] = [{"pass": name, "peak_bytes": p.peak_bytes, "lower_bound_bytes": p.lower_bound_bytes,
                             "peak_op": p.peak_op} for name, p in result.stages]
    out.update({k: v for k, v in plan.to_json().items() if k not in out})
    return out


def percent(part: int, whole: int) -> str:
    """`part` as a percentage of `whole` to 0.1%, rounded away from the budget line: what
    fits rounds down and what does not rounds up, so 1 byte over never reads 100.0%."""
    if not whole:
        return "-"
    tenths = 1000 * part // whole if part <= whole else -(-1000 * part // whole)
    return f"{tenths // 10}.{tenths % 10}%"


def verdict(plan, sram_budget: int, flash_budget: int | None = None) -> str:
    """One line with the verdict for every budget checked (the last line of `hcc plan`)."""
    checks = [("SRAM", plan.peak_bytes, sram_budget, f" at op {plan.peak_op}")]
    if flash_budget is not None:
        checks.append(("flash", plan.flash_bytes, flash_budget, ""))
    parts, over = [], []
    for what, need, budget, where in checks:
        if need <= budget:
            parts.append(f"{what} {need:,} of {budget:,} B ({percent(need, budget)})")
        else:
            over.append(what)
            parts.append(f"{what} needs {need:,} B, budget {budget:,}, over by {need - budget:,}{where}")
    head = "fits" if not over else f"does not fit ({' and '.join(over)})"
    return f"{head}: {'; '.join(parts)}"


def plan_text(result: ModelPlans, sram_budget: int, flash_budget: int) -> str:
    plan = result.plan
    names = [op["name"] for op in plan.ops]
    rows = [("tensor", "kind", "bytes", "first use", "last use", "offset")]
    for t in plan.tensors:
        rows.append((t.name, t.kind, f"{t.bytes:,}", f"{t.first} {names[t.first]}", f"{t.last} {names[t.last]}", f"{t.offset:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {2, 5}
    lines = [f"memory plan of @{result.graph_name}: {len(plan.ops)} ops, {len(plan.tensors)} arena tensors, alignment {plan.alignment}", ""]
    for r in rows:
        lines.append("  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    optimal = plan.peak_bytes == plan.lower_bound_bytes or plan.exact_proven
    lines += [
        "",
        f"arena peak:   {format_bytes(plan.peak_bytes)} at op {plan.peak_op} ({plan.peak_op_kind}, step {plan.peak_step})",
        f"lower bound:  {format_bytes(plan.lower_bound_bytes)}: bytes live at the busiest step",
        f"placement:    {plan.algorithm}{' (optimal)' if optimal else ''}; no reuse would need {format_bytes(plan.naive_bytes)}",
    ]
    if result.streaming is None:
        lines.append("streaming:    planned as built (a build directory's final IR)")
    else:
        saved = result.unfused_peak - result.streaming_peak
        lines.append(
            f"streaming:    with fusion {result.streaming_peak:,} B, without {result.unfused_peak:,} B "
            f"(saves {saved:,} B, {percent(saved, result.unfused_peak)}); this plan: {'with' if result.streaming else 'without'}"
        )
    if result.stages:
        steps = " -> ".join(f"{name} {p.peak_bytes:,}" for name, p in result.stages)
        lines.append(f"memory passes: {steps} B (arena after each)")
    if result.tflm is not None:
        t = result.tflm
        lines.append(f"TFLM arena:   head {t['head']:,} B (activations with inputs and outputs), tail {t['tail']:,} B "
                     f"(persistent), total {t['total']:,} B; hcc RAM {plan.ram_bytes:,} B = {plan.ram_bytes / t['head']:.2f}x "
                     f"the head (weights and multipliers in flash)")
    elif result.tflm_note:
        lines.append(result.tflm_note)
    lines += [
        (f"io buffers:   {format_bytes(plan.io_bytes)}: inputs/outputs, inside the arena (--io-in-arena)" if plan.io_in_arena
         else f"io buffers:   {format_bytes(plan.io_bytes)}: inputs/outputs, owned by the caller of _run, not in the arena"),
        f"RAM:          {format_bytes(plan.ram_bytes)} = "
        + ("the arena (input and output inside it)" if plan.io_in_arena else f"arena {plan.peak_bytes:,} + input and output {plan.io_bytes:,}"),
        f"SRAM arena:   {plan.peak_bytes:,} of {sram_budget:,} B ({percent(plan.peak_bytes, sram_budget)})",
        f"flash:        {plan.flash_bytes:,} of {flash_budget:,} B of weights and tables ({percent(plan.flash_bytes, flash_budget)})",
        firmware_note(),
        verdict(plan, sram_budget, flash_budget),
    ]
    return "\n".join(lines) + "\n"
