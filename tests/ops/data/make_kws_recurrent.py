"""Train and export the recurrent keyword spotters of the int8 GRU / LSTM precision study and
tests (kws_gru.onnx, kws_lstm.onnx beside this file):

    PYTHONPATH=. python tests/ops/data/make_kws_recurrent.py

[1, 49, 10] MFCC-like frames -> nn.GRU / nn.LSTM (64 units, batch_first) -> the last step ->
Linear to 12 logits, trained on hcc.tools.recurrent_precision.keyword_data("train", 2000)
(Adam, cosine decay, batch 32, one thread, seed 0) and exported with the TorchScript exporter
at opset 13, as PyTorch users do (GRU / LSTM with an Expand of zeros for the initial state).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx
import torch

from hcc.tools.recurrent_precision import keyword_data

HERE = Path(__file__).resolve().parent
EPOCHS = {"GRU": 10, "LSTM": 16}


class KeywordSpotter(torch.nn.Module):
    def __init__(self, cell: str):
        super().__init__()
        self.rnn = getattr(torch.nn, cell)(10, 64, batch_first=True)
        self.fc = torch.nn.Linear(64, 12)

    def forward(self, x):
        return self.fc(self.rnn(x)[0][:, -1])


def train(cell: str) -> KeywordSpotter:
    torch.manual_seed(0)
    x, y = keyword_data("train", 2000)
    x_eval, y_eval = keyword_data("eval", 200)
    x, y = torch.tensor(x), torch.tensor(y)
    model = KeywordSpotter(cell)
    steps = EPOCHS[cell] * ((len(x) + 31) // 32)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    gen = torch.Generator().manual_seed(0)
    for epoch in range(EPOCHS[cell]):
        model.train()
        for idx in torch.randperm(len(x), generator=gen).split(32):
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            acc = float((model(torch.tensor(x_eval)).argmax(1).numpy() == y_eval).mean())
        print(f"{cell} epoch {epoch + 1}: eval accuracy {acc:.3f}")
    return model.eval()


def export(model: KeywordSpotter, path: Path) -> None:
    buffer = io.BytesIO()
    torch.onnx.export(model, (torch.zeros(1, 49, 10),), buffer, opset_version=13, dynamo=False,
                      input_names=["mfcc"], output_names=["logits"])
    proto = onnx.load_from_string(buffer.getvalue())
    proto.metadata_props.append(onnx.StringStringEntryProto(key="labels", value=str([f"keyword{i}" for i in range(12)]).replace("'", '"')))
    onnx.save(proto, str(path))


if __name__ == "__main__":
    torch.set_num_threads(1)
    for cell in ("GRU", "LSTM"):
        export(train(cell), HERE / f"kws_{cell.lower()}.onnx")
