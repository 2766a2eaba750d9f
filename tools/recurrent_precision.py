"""Print the int8 GRU / LSTM precision table (docs/numerics.md, "Recurrent layers").

    PYTHONPATH=. python tools/recurrent_precision.py [--calib C.npz --eval E.npz] [MODEL.onnx ...]
"""

from hcc.tools.recurrent_precision import main

if __name__ == "__main__":
    main()
