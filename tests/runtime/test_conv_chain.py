"""hcc_conv_chain_s8 == the second block run on the first conv's whole output, with scratch of
exactly the size it asks for, also when its output overwrites its input or its residual from
the lag FusedConv2d.overlap_inputs plans (chain_schedule), on random geometries: any kernel,
stride, padding, dilation and groups for both convs, the second with or without residual and
pooling, on the one-pixel path (as stream-convs leaves it) or the dense one."""

import numpy as np
import pytest

from hcc.ops.fused_conv2d import chain_schedule, overlap_lag
from tests.runtime.cdriver import call_kernel
from tests.runtime.kernel_args import int8
from tests.runtime.test_conv2d import random_conv_case, reference
from tests.runtime.test_conv2d_pool import block_params, block_reference, is_mono, random_block


def path_of(c):
    cin, cout = c["x"].shape[2], c["w"].shape[0]
    if c["w"].shape[1:3] != (3, 3):
        return "generic"
    if c["groups"] == cin == cout:
        return "depthwise"
    return "dense" if c["groups"] == 1 and c.get("weight_pairs", 0) >= 0 else "grouped"


def geometry(c, conv_h, out_h, pool):
    return (path_of(c), c["x"].shape[0], conv_h, out_h, c["w"].shape[1], c["strides"][0], c["pads"][0],
            c["dilations"][0], pool)


def chain_case(seed):
    rng = np.random.default_rng(5000 + seed)
    first = random_conv_case(rng, kernel=(3, 3) if rng.integers(2) else None)
    y = reference(first)
    for attempt in range(50):
        second = random_block(seed * 50 + attempt + 77)
        if not is_mono(second):
            break
    c = second["conv"]
    # the second conv reads y: same height/width/channels as the first conv's output
    cin = y.shape[2]
    groups = c["groups"] if cin % c["groups"] == 0 and c["w"].shape[0] % c["groups"] == 0 else 1
    c["x"] = y
    c["groups"] = groups
    c["w"] = int8(rng, (c["w"].shape[0] if groups == 1 else groups * max(c["w"].shape[0] // groups, 1),
                        *c["w"].shape[1:3], cin // groups), -127, 127)
    cout = c["w"].shape[0]
    c["mult"], c["shift"] = c["mult"][:1].repeat(cout), c["shift"][:1].repeat(cout)
    c["bias"] = None if c["bias"] is None else rng.integers(-3000, 3000, cout).astype(np.int32)
    k = c["w"].shape[1:3]
    if any(y.shape[i] + c["pads"][i] + c["pads"][i + 2] < c["dilations"][i] * (k[i] - 1) + 1 for i in range(2)):
        c["pads"] = (k[0] - 1, k[1] - 1, k[0] - 1, k[1] - 1)
        c["dilations"] = (1, 1)
    conv_out = reference(c)
    second["conv_shape"] = conv_out.shape
    if second["residual"] is not None:
        second["residual"] = int8(rng, conv_out.shape)
    if second["pool"] is not None:
        (kh, kw), s, _ = second["pool"]
        kh, kw = min(kh, conv_out.shape[0]), min(kw, conv_out.shape[1])
        second["pool"] = ((kh, kw), s, (min(second["pool"][2][0], kh - 1), min(second["pool"][2][1], kw - 1),
                                        min(second["pool"][2][2], kh - 1), min(second["pool"][2][3], kw - 1)))
    if rng.integers(3) and path_of(c) == "dense":
        c["weight_pairs"] = -1  # what stream-convs sets
    return dict(first=dict(conv=first, conv_shape=y.shape, residual=None, pool=None), second=second)


def args(case, mode, extra=()):
    first, second = case["first"], case["second"]

    def weights(c):
        bias = c["bias"] if c["bias"] is not None else np.zeros(0, np.int32)
        return [c["w"], bias, c["mult"], c["shift"]]

    residual = second["residual"] if second["residual"] is not None else np.zeros(0, np.int8)
    p2 = block_params(second)
    p2[19] = second["conv"].get("weight_pairs", 0)  # hcc_conv2d_params_t.weight_pairs
    return [mode, block_params(first), p2, first["conv"]["x"], *weights(first["conv"]), *weights(second["conv"]),
            residual, *extra]


@pytest.mark.parametrize("seed", range(40))
def test_chain_matches_the_two_blocks_and_runs_in_place(seed):
    case = chain_case(seed)
    expected = block_reference(case["second"])
    np.testing.assert_array_equal(call_kernel("conv_chain", args(case, 0), np.int8, expected.shape), expected)
    first, second = case["first"]["conv"], case["second"]
    s = second["conv"]
    pool = (second["pool"][0][0], second["pool"][1][0], second["pool"][2][0]) if second["pool"] else None
    schedule = chain_schedule(geometry(first, case["first"]["conv_shape"][0], case["first"]["conv_shape"][0], None),
                              geometry(s, second["conv_shape"][0], expected.shape[0], pool))
    for which in ([0, 1] if second["residual"] is not None else [0]):
        shared = first["x"] if which == 0 else second["residual"]
        lag = overlap_lag(schedule, which, expected.shape[0], expected[0].size, shared[0].size)
        got = call_kernel("conv_chain", args(case, 2, (which, lag)), np.int8, expected.shape)
        np.testing.assert_array_equal(got, expected, err_msg=f"in place over {'input' if which == 0 else 'residual'}, lag {lag}")


@pytest.mark.parametrize("seed", range(24))
def test_chain_of_a_pointwise_conv_on_the_row_kernel(seed):
    """A pointwise first conv on the fc-row path (weight_pairs HCC_WEIGHTS_BLOCKED: the blocked
    weights and folded bias of hcc_fully_connected_row_s8, computed a row at a time into the
    second's window, no workspace): the numbers of the two blocks, also in place at the lag
    chain_schedule gives."""
    from hcc.ops.fully_connected import blocked_requant_words, fc_row_layout
    from hcc.ops.fused_conv2d import HCC_WEIGHTS_BLOCKED

    rng = np.random.default_rng(8100 + seed)
    case = chain_case(seed)
    first = case["first"]["conv"]
    h, w, cin = first["x"].shape
    cout = first["w"].shape[0]
    first.update(w=int8(rng, (cout, 1, 1, cin), -127, 127), strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1),
                 groups=1, bias=rng.integers(-5000, 5000, cout).astype(np.int32))
    y = reference(first)
    assert y.shape[:2] == (h, w)
    second = case["second"]
    s = second["conv"]
    if seed % 2:  # the second conv depthwise without scratch (hcc_dwconv2d_s8_direct_rows)
        kh, kw = [(3, 3), (5, 5), (3, 1)][seed % 3]
        s.update(w=int8(rng, (cout, kh, kw, 1), -127, 127), groups=cout, strides=(1, int(rng.integers(1, 3))),
                 pads=(kh // 2, kw // 2, kh // 2, kw // 2), dilations=(1, 1), weight_pairs=-1,
                 bias=rng.integers(-3000, 3000, cout).astype(np.int32))
    else:  # any second conv reading cout channels
        s["w"] = int8(rng, (s["w"].shape[0], *s["w"].shape[1:3], cout), -127, 127)
        s["groups"] = 1
        k = s["w"].shape[1:3]
        if any((h, w)[i] + s["pads"][i] + s["pads"][i + 2] < s["dilations"][i] * (k[i] - 1) + 1 for i in range(2)):
            s["pads"], s["dilations"] = (k[0] - 1, k[1] - 1, k[0] - 1, k[1] - 1), (1, 1)
    s["x"] = y
    n2 = s["w"].shape[0]
    s["mult"], s["shift"] = s["mult"][:1].repeat(n2), s["shift"][:1].repeat(n2)
    if s["bias"] is not None:
        s["bias"] = s["bias"][:1].repeat(n2)
    conv_out = reference(s)
    second["conv_shape"] = conv_out.shape
    second["residual"] = None
    if second["pool"] is not None:
        second["pool"] = ((min(2, conv_out.shape[0]), min(2, conv_out.shape[1])), (2, 2), (0, 0, 0, 0))
    expected = block_reference(second)
    blocked, folded = fc_row_layout(first["w"].reshape(cout, cin), first["bias"], first["z_in"])
    p1 = block_params(case["first"])
    p1[19] = HCC_WEIGHTS_BLOCKED
    p2 = block_params(second)
    p2[19] = s.get("weight_pairs", 0)
    bias2 = s["bias"] if s["bias"] is not None else np.zeros(0, np.int32)
    words = blocked_requant_words(first["mult"], first["shift"], first["z_out"], *first["act"])
    # a depthwise second conv without scratch takes the words too (hcc_dwconv2d_s8_direct_rows)
    words2 = blocked_requant_words(s["mult"], s["shift"], s["z_out"], *s["act"]) if seed % 2 else (s["mult"], s["shift"])
    base = [p1, p2, first["x"], blocked.view(np.int8), folded, *words, s["w"], bias2, *words2, np.zeros(0, np.int8)]
    np.testing.assert_array_equal(call_kernel("conv_chain", [0, *base], np.int8, expected.shape), expected)
    pool = (second["pool"][0][0], second["pool"][1][0], second["pool"][2][0]) if second["pool"] else None
    s_path = "direct" if s.get("weight_pairs", 0) < 0 and s["groups"] > 1 else path_of(s)
    schedule = chain_schedule(("fc-row", h, h, h, 1, 1, 0, 1, None),
                              (s_path, h, second["conv_shape"][0], expected.shape[0], s["w"].shape[1], s["strides"][0],
                               s["pads"][0], s["dilations"][0], pool))
    lag = overlap_lag(schedule, 0, expected.shape[0], expected[0].size, first["x"][0].size)
    got = call_kernel("conv_chain", [2, *base, 0, lag], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected, err_msg=f"in place, lag {lag}")
