"""Static memory planning: liveness, placement in one arena, sizes and reports."""

from hcc.memory.planner import MemoryPlan, PlannedTensor, check_budget, plan_memory

__all__ = ["MemoryPlan", "PlannedTensor", "check_budget", "plan_memory"]
