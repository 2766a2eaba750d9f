"""The streaming fused block conv [+ residual add] [+ activation] [+ maxpool] (C: conv2d_pool_s8.c).

Its specification is the composition of the separate kernels, intermediate int8 rounding
included; the C kernel computes it row by row in a few rows of scratch.
"""

from __future__ import annotations

from hcc.kernels.add import add
from hcc.kernels.conv2d import conv2d
from hcc.kernels.maxpool import maxpool


def conv2d_pool(x, z_in: int, w, bias, mult, shift, z_conv: int, conv_act=(-128, 127),
                strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups: int = 1,
                residual=None, z_res: int = 0, m_conv: int = 0, m_res: int = 0, add_shift: int = 0,
                z_add: int = 0, add_act=(-128, 127),
                pool_kernel=None, pool_strides=(1, 1), pool_pads=(0, 0, 0, 0)):
    """conv2d (output zero point z_conv, clamp conv_act: the activation when there is no residual)
    -> if residual is given: add(conv, residual [Hc, Wc, Cout]) with (m_conv, m_res, add_shift),
    output zero point z_add, clamp add_act (the activation after the add)
    -> if pool_kernel is given: maxpool(pool_kernel, pool_strides, pool_pads)."""
    y = conv2d(x, z_in, w, bias, mult, shift, z_conv, *conv_act, strides=strides, pads=pads,
               dilations=dilations, groups=groups)
    if residual is not None:
        y = add(y, z_conv, residual, z_res, m_conv, m_res, add_shift, z_add, *add_act)
    if pool_kernel is not None:
        y = maxpool(y, pool_kernel, pool_strides, pool_pads)
    return y
