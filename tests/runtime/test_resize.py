"""hcc_resize_bilinear_u8 equals its fixed-point spec, which tracks PIL's bilinear resize."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hcc.kernels.resize import resize_bilinear_u8
from tests.runtime.cdriver import call_kernel


@pytest.mark.parametrize("src,dst", [((48, 48), (98, 98)), ((320, 240), (98, 98)), ((98, 98), (98, 98)), ((7, 3), (5, 11)), ((1, 1), (4, 4))])
def test_c_matches_spec(src, dst):
    img = np.random.default_rng(sum(src)).integers(0, 256, (src[1], src[0])).astype(np.uint8)
    got = call_kernel("resize", [src[0], src[1], dst[0], dst[1], img], np.uint8, (dst[1], dst[0]))
    np.testing.assert_array_equal(got, resize_bilinear_u8(img, *dst))


def test_spec_tracks_pil_upscaling():
    img = np.random.default_rng(1).integers(0, 256, (48, 48)).astype(np.uint8)
    ours = resize_bilinear_u8(img, 98, 98).astype(int)
    pil = np.asarray(Image.fromarray(img).resize((98, 98), Image.Resampling.BILINEAR)).astype(int)
    assert np.abs(ours - pil).max() <= 2
