"""Resize on activations: the taps (hcc.kernels.resize.axis_taps) reproduce onnx.reference's
Resize for every mode and coordinate rule; hcc_resize_linear_s8 == resize_linear_s8 (the
Q11 fixed-point spec) and lies within 0.5 + 2 * 255 / 2^12 steps of the exact bilinear value;
hcc_resize_linear_f32 == the float taps."""

import numpy as np
import pytest
from onnx.reference.ops.op_resize import _cubic_coeffs, _interpolate_nd, _linear_coeffs, _nearest_coeffs

from hcc.kernels.resize import LINEAR_WEIGHT_BITS, axis_taps, linear_tables, resize_linear_s8
from tests.runtime.cdriver import call_kernel

RESIZE_S8, RESIZE_F32 = 4, 5
COORDINATES = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"]


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
@pytest.mark.parametrize("coordinates", COORDINATES + ["tf_crop_and_resize"])
def test_taps_match_onnx_reference(mode, coordinates):
    rng = np.random.default_rng(0)
    for nearest_mode in ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] if mode == "nearest" else [None]:
        for exclude in (False, True):
            for size in (1, 2, 3, 5, 8):
                for scale in (0.5, 0.6, 1.5, 2.0, 2.7, 3.0):
                    out = int(np.float64(scale) * size)
                    if out == 0:
                        continue
                    data, roi = rng.standard_normal(size), [0.1, 0.8]
                    coeffs_fn = {"nearest": lambda r, s: _nearest_coeffs(r, mode=nearest_mode), "linear": _linear_coeffs,
                                 "cubic": lambda r, s: _cubic_coeffs(r, s, A=-0.75)}[mode]
                    want = _interpolate_nd(data, coeffs_fn, scale_factors=[scale], exclude_outside=exclude,
                                           roi=np.array(roi) if coordinates == "tf_crop_and_resize" else None,
                                           coordinate_transformation_mode=coordinates, extrapolation_value=0.0)
                    idx, co, outside = axis_taps(out, size, scale, mode=mode, coordinate_mode=coordinates,
                                                 nearest_mode=nearest_mode or "round_prefer_floor", exclude_outside=exclude, roi=roi)
                    got = (data[idx] * co).sum(axis=1)
                    if outside is not None:
                        got = np.where(outside, 0.0, got)
                    np.testing.assert_allclose(got, want, atol=1e-12, err_msg=f"{nearest_mode} {exclude} {size} {scale}")


def tables(rng, in_size, out_size, coordinates):
    indices, coeffs, _ = axis_taps(out_size, in_size, out_size / in_size, mode="linear", coordinate_mode=coordinates)
    return linear_tables(indices, coeffs), coeffs[:, 1]


def exact_bilinear(d, rows, cols):
    """The bilinear value with exact (float64) weights w, w_y w_x (d - z) summed."""
    (y0, y1, _), wy = rows
    (x0, x1, _), wx = cols
    wyb, wxb = wy[None, :, None, None], wx[None, None, :, None]
    top = d[:, y0][:, :, x0] * (1 - wxb) + d[:, y0][:, :, x1] * wxb
    bottom = d[:, y1][:, :, x0] * (1 - wxb) + d[:, y1][:, :, x1] * wxb
    return top * (1 - wyb) + bottom * wyb


@pytest.mark.parametrize("seed", range(24))
def test_bilinear_s8(seed):
    rng = np.random.default_rng(seed)
    outer, in_h, in_w, block = int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 5))
    out_h, out_w = int(rng.integers(1, 14)), int(rng.integers(1, 14))
    coordinates = COORDINATES[seed % len(COORDINATES)]
    rows, cols = tables(rng, in_h, out_h, coordinates), tables(rng, in_w, out_w, coordinates)
    x = rng.integers(-128, 128, (outer, in_h, in_w, block)).astype(np.int8)
    if seed % 6 == 5:
        x[..., 0] = rng.choice([-128, 127], x[..., 0].shape)  # extremes
    z = int(rng.integers(-128, 128))
    expected = resize_linear_s8(x, z, rows[0], cols[0])
    params = np.array([outer, in_h, in_w, out_h, out_w, block, z], np.int32)
    got = call_kernel("movement", [RESIZE_S8, params, *rows[0], *cols[0], x], np.int8, expected.shape)
    np.testing.assert_array_equal(got, expected)
    exact = z + exact_bilinear(x.astype(np.float64) - z, rows, cols)
    assert np.max(np.abs(expected - exact)) <= 0.5 + 2 * 255 / 2 ** (LINEAR_WEIGHT_BITS + 1) + 1e-9
    assert expected.min() >= x.min() and expected.max() <= x.max()  # a convex combination never leaves the range


def test_bilinear_s8_upsampling_by_two_is_exact_to_the_rounding():
    """Scale 2, half_pixel: weights 1/4 and 3/4 are exact in Q11, so only the final rounding remains."""
    rng = np.random.default_rng(7)
    rows, cols = tables(rng, 4, 8, "half_pixel"), tables(rng, 4, 8, "half_pixel")
    assert set(np.unique(rows[0][2])) <= {0, 512, 1536, 2048}
    x = rng.integers(-128, 128, (1, 4, 4, 2)).astype(np.int8)
    exact = 3 + exact_bilinear(x.astype(np.float64) - 3, rows, cols)
    got = resize_linear_s8(x, 3, rows[0], cols[0]).astype(np.float64)
    assert np.max(np.abs(got - exact)) <= 0.5
    ties = np.abs(np.abs(exact - 3) % 1 - 0.5) < 1e-9
    np.testing.assert_array_equal(np.abs(got - 3)[ties], np.abs(exact - 3)[ties] + 0.5)  # halves away from z


@pytest.mark.parametrize("seed", range(6))
def test_bilinear_f32(seed):
    rng = np.random.default_rng(100 + seed)
    in_h, in_w, out_h, out_w = (int(v) for v in rng.integers(1, 9, 4))
    rows, cols = tables(rng, in_h, out_h, COORDINATES[seed % 4]), tables(rng, in_w, out_w, COORDINATES[seed % 4])
    x = rng.standard_normal((2, in_h, in_w, 3)).astype(np.float32)
    params = np.array([2, in_h, in_w, out_h, out_w, 3, 0], np.int32)
    args = [rows[0][0], rows[0][1], rows[1].astype(np.float32), cols[0][0], cols[0][1], cols[1].astype(np.float32)]
    got = call_kernel("movement", [RESIZE_F32, params, *args, x], np.float32, (2, out_h, out_w, 3))
    np.testing.assert_allclose(got, exact_bilinear(x.astype(np.float64), rows, cols), rtol=1e-5, atol=1e-6)
