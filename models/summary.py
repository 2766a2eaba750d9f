"""Per-layer summary (output shape, parameters, multiply-accumulates) and budget check for all variants.

    python -m models.summary            # all variants, exit status 1 if a budget is missed
    python -m models.summary --markdown # tables for the model card

MACs counted: Conv (out elements x in-channels/groups x kernel area), Linear (rows x in x out), the attention
MatMuls (QK^T and AV), and the selective scan: per token, 3 per state element (dt*A, dA*h + dtu*B, C.h) plus
2 per channel (dt*u, D*u). BatchNorm (folded by the compiler), LayerNorm, pooling and activations are not MACs.
"""

from __future__ import annotations

import argparse
import sys

import torch
import torch.nn as nn

from models.hcmtmm import ARCHS, INPUT_SIZE, MambaBlock, MSABlock, build

MAC_BUDGET = 3_000_000
PARAM_BUDGETS = {"baseline": 64_000, "baseline_msa": 69_000, "baseline_mamba": 66_000, "hcmtmm": 66_000}
PARAM_TOLERANCE = 0.05


def layer_table(model: nn.Module) -> list[dict]:
    """Rows (name, type, output shape, params, MACs) in execution order for one [1,1,98,98] input."""
    rows: list[dict] = []
    hooks = []

    def own_params(m):
        return sum(p.numel() for p in m.parameters(recurse=False))

    def hook(name):
        def fn(m, inp, out):
            out_t = out[0] if isinstance(out, tuple) else out
            macs = 0
            if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                k = 1
                for s in m.kernel_size:
                    k *= s
                macs = out_t.numel() * (m.in_channels // m.groups) * k
            elif isinstance(m, nn.Linear):
                macs = out_t.numel() * m.in_features
            elif isinstance(m, MambaBlock):
                n, length, _ = inp[0].shape
                macs = n * length * (m.d_inner * m.d_state * 3 + 2 * m.d_inner)
                rows.append(dict(name=f"{name}.scan", type="SelectiveScan",
                                 shape=(n, length, m.d_inner), params=own_params(m), macs=macs))
                return
            elif isinstance(m, MSABlock):
                n, length, d = inp[0].shape
                macs = 2 * n * length * length * d
                rows.append(dict(name=f"{name}.attention", type="QK^T,AV", shape=(n, m.heads, length, length),
                                 params=own_params(m), macs=macs))
                return
            rows.append(dict(name=name, type=type(m).__name__, shape=tuple(out_t.shape), params=own_params(m),
                             macs=macs))
        return fn

    for name, m in model.named_modules():
        if name and (len(list(m.children())) == 0 or isinstance(m, (MambaBlock, MSABlock))):
            hooks.append(m.register_forward_hook(hook(name)))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, INPUT_SIZE, INPUT_SIZE))
    for h in hooks:
        h.remove()
    return rows


def totals(arch: str) -> tuple[int, int]:
    model = build(arch)
    rows = layer_table(model)
    return sum(p.numel() for p in model.parameters()), sum(r["macs"] for r in rows)


def check_budgets(arch: str, params: int, macs: int) -> list[str]:
    problems = []
    if arch in PARAM_BUDGETS:
        target = PARAM_BUDGETS[arch]
        if abs(params - target) > PARAM_TOLERANCE * target:
            problems.append(f"{arch}: {params} params outside {target} +-{PARAM_TOLERANCE:.0%}")
        if macs > MAC_BUDGET:
            problems.append(f"{arch}: {macs} MACs > {MAC_BUDGET}")
    return problems


POOLED_TEACHER = {"input_pool": 2}  # the teacher of the 10-fold runs (models.train.RECIPES["teacher"])


def format_table(arch: str, markdown: bool = False, teacher_config: dict | None = None) -> str:
    model = build(arch, teacher_config=teacher_config)
    if teacher_config:
        arch = f"{arch} {teacher_config}"
    rows = layer_table(model)
    total_p = sum(p.numel() for p in model.parameters())
    total_m = sum(r["macs"] for r in rows)
    out = []
    if markdown:
        out += [f"**{arch}**", "", "| layer | type | output shape | params | MACs |", "|---|---|---|---:|---:|"]
        out += [f"| {r['name']} | {r['type']} | {list(r['shape'])} | {r['params']:,} | {r['macs']:,} |"
                for r in rows]
        out.append(f"| **total** | | | **{total_p:,}** | **{total_m:,}** |")
    else:
        out.append(f"== {arch} ==")
        out.append(f"{'layer':28s} {'type':18s} {'output shape':22s} {'params':>9s} {'MACs':>11s}")
        out += [f"{r['name']:28s} {r['type']:18s} {str(list(r['shape'])):22s} {r['params']:9,d} {r['macs']:11,d}"
                for r in rows]
        out.append(f"{'total':28s} {'':18s} {'':22s} {total_p:9,d} {total_m:11,d}")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=ARCHS, action="append", help="variant(s) to show (default: all)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    problems = []
    for arch in args.arch or ARCHS:
        print(format_table(arch, args.markdown))
        print()
        params, macs = totals(arch)
        problems += check_budgets(arch, params, macs)
    if not args.arch or "teacher" in args.arch:
        print(format_table("teacher", args.markdown, POOLED_TEACHER))
        print()
    print("budget:", f"students <= {MAC_BUDGET:,} MACs, params within +-5% of", PARAM_BUDGETS)
    for p in problems:
        print("OVER BUDGET:", p)
    print("all budgets met" if not problems else f"{len(problems)} budget problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
