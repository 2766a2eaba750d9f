"""Run one full-int8 .tflite in the TFLite Micro Python runtime (TensorFlow venv; a subprocess of keras_models.py).

    python models/zoo/tflm_run.py MODEL.tflite INPUTS.npy OUT.npz [--arena BYTES]

INPUTS.npy holds float32 samples in the model's input layout, without the batch axis. Each is quantized with
the model's input scale and zero point (round half to even, saturated to int8), run through TFLM, and the
int8 outputs are saved in OUT.npz (``output`` [N, ...], the input/output scales and zero points).
``print_allocations()`` runs after the first invoke; it prints from C++, which is why the caller runs this
in a subprocess and reads the arena figures from its stdout. The last stdout line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from tflite_micro.python.tflite_micro import runtime


def quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return np.clip(np.round(x / scale) + zero_point, -128, 127).astype(np.int8)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("inputs")
    p.add_argument("out")
    p.add_argument("--arena", type=int, default=4 << 20)
    args = p.parse_args()
    ip = runtime.Interpreter.from_file(args.model, arena_size=args.arena)
    ind, outd = ip.get_input_details(0), ip.get_output_details(0)
    if ind["dtype"] != np.int8 or outd["dtype"] != np.int8:
        raise SystemExit(f"error: {args.model}: input/output must be int8, got {ind['dtype']}/{outd['dtype']}")
    in_scale = float(ind["quantization_parameters"]["scales"][0])
    in_zp = int(ind["quantization_parameters"]["zero_points"][0])
    x = np.load(args.inputs)
    if tuple(x.shape[1:]) != tuple(int(d) for d in ind["shape"][1:]):
        raise SystemExit(f"error: inputs {x.shape[1:]} do not match the model input {list(ind['shape'])}")
    outs = []
    for i in range(len(x)):
        ip.set_input(quantize(x[i:i + 1], in_scale, in_zp), 0)
        ip.invoke()
        if i == 0:
            sys.stdout.flush()
            ip.print_allocations()
        outs.append(np.array(ip.get_output(0), dtype=np.int8))
        ip.reset()
    out = np.concatenate(outs)
    np.savez_compressed(args.out, output=out,
                        input_scale=np.float32(in_scale), input_zero_point=np.int32(in_zp),
                        output_scale=np.float32(outd["quantization_parameters"]["scales"][0]),
                        output_zero_point=np.int32(outd["quantization_parameters"]["zero_points"][0]))
    print("RESULT " + json.dumps({"input_shape": [int(d) for d in ind["shape"]],
                                  "output_shape": [int(d) for d in outd["shape"]], "n": len(x)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
