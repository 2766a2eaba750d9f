"""ONNX -> IR. One pass over each (sub)graph, in topological order:

- initializers and Constant nodes become IR constants (names kept);
- every other node is looked up in the op registry (hcc/ops); its OpDef translates the
  ONNX attributes (`from_onnx`), fills defaults (`normalize_attrs`) and gives the result
  types (`infer`), which are cross-checked against ONNX's own shape inference;
- an unsupported node (unknown op, or one its OpDef refuses) does not stop the import: its
  results get stand-ins (typed by ONNX's shape inference when it knows them) and the
  import goes on, so that one UnsupportedOpError lists every unsupported node at the end;
- shape computations (integer results of constants, or of static types only: Shape) are
  folded into constants as they are read, so that operands hcc needs constant are;
- a result a node leaves unnamed gets a value nothing reads when its op allows it
  (`OpDef.optional_results`: GRU's Y when only Y_h is wanted);
- graph attributes (a Scan body) are imported recursively; names of enclosing graphs stay
  visible in them, so a body reads outer values directly (captures).

Malformed files are refused before anything large is allocated (`_check_model`): at most
MAX_MODEL_BYTES of file, MAX_DIM per dimension, MAX_TENSOR_BYTES per tensor (declared or
inferred), MAX_INITIALIZER_BYTES of weights in all, MAX_GRAPH_DEPTH nested subgraphs;
raw_data must hold exactly what the dims say; external data must lie in the model's own
directory. Each refusal is a one-line ModelImportError naming the tensor or node.

Only static shapes are supported: a symbolic batch-like first input dimension is fixed to 1
(and recorded in the graph metadata under `hcc.assumed_batch`); any other symbolic
dimension is an error.
"""

from __future__ import annotations

import re
from collections import ChainMap
from pathlib import Path

import numpy as np
import onnx
from google.protobuf.message import Message
from onnx import numpy_helper

from hcc.errors import HccError, ModelImportError, UnsupportedOpError
from hcc.frontend.qdq import is_qdq, strip_qdq
from hcc.ir.graph import Graph, Op, Value
from hcc.ir.types import DType, TensorType
from hcc.ops import onnx_op

OPSETS = range(13, 22)  # the default-domain opsets hcc reads
MAX_MODEL_BYTES = 1 << 30  # the .onnx file itself
MAX_DIM = 1 << 24  # any one dimension of any tensor
MAX_TENSOR_BYTES = 256 << 20  # any one tensor (weights or activations)
MAX_INITIALIZER_BYTES = 512 << 20  # all weights together (inline and external)
MAX_GRAPH_DEPTH = 8  # subgraphs nested in subgraphs (a Scan body is depth 1)
_BATCH_LIKE = re.compile(r"(?i)^(batch.*|.*_batch|n|b|bs|batch_size)$")
_DEFAULT_DOMAINS = ("", "ai.onnx")
_ATTR_KINDS = {"int": onnx.AttributeProto.INT, "ints": onnx.AttributeProto.INTS, "float": onnx.AttributeProto.FLOAT,
               "string": onnx.AttributeProto.STRING, "graph": onnx.AttributeProto.GRAPH}


def import_onnx(source) -> Graph:
    """Import an ONNX model (a path or a ModelProto) into a verified IR Graph. A model with
    unsupported nodes raises one UnsupportedOpError that lists them all."""
    model, label = _load(source)
    _check_model(model, label)
    opset = _default_opset(model, label)
    model = onnx.ModelProto.FromString(model.SerializeToString())  # never mutate the caller's proto
    given = None
    if is_qdq(model):  # QuantizeLinear/DequantizeLinear: import the float graph, keep the file's scales
        model, given = strip_qdq(model, label)
    assumed = _fix_batch_dims(model.graph, label)
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    except Exception:  # noqa: BLE001 - ONNX's inference is a cross-check only; hcc infers itself
        pass
    base_dir = None if isinstance(source, onnx.ModelProto) else Path(source).resolve().parent
    importer = _Importer(label, opset, base_dir)
    graph = importer.import_graph(model.graph, None, "main", {}, None)
    if importer.missing or importer.refused:
        raise UnsupportedOpError.listing(importer.missing, importer.refused, "unsupported op")
    for prop in model.metadata_props:
        graph.metadata[prop.key] = prop.value
    if assumed:
        graph.metadata["hcc.assumed_batch"] = ", ".join(assumed)
    if given is not None:
        given.record_ops(graph)
        graph.given_quant = given
        graph.metadata["hcc.given_quant"] = "qdq"
    from hcc.ir.verifier import verify_graph

    verify_graph(graph)
    return graph


def _load(source) -> tuple[onnx.ModelProto, str]:
    if isinstance(source, onnx.ModelProto):
        return source, source.graph.name or "<model>"
    path = Path(source)
    if not path.exists():
        raise HccError(f"{path}: no such file")
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise ModelImportError(f"{path}: the file is {size:,} bytes; hcc reads models up to {MAX_MODEL_BYTES:,}")
        data = path.read_bytes()
    except OSError as err:
        raise ModelImportError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        # External data is read by the importer, which keeps it inside the model's directory.
        model = onnx.ModelProto.FromString(data)
    except Exception as err:  # noqa: BLE001 - protobuf raises several unrelated types
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelImportError(f"{path}: not a valid ONNX model ({reason})") from None
    if not model.HasField("graph") or not model.opset_import:
        raise ModelImportError(f"{path}: not a valid ONNX model (no graph or no opset)")
    return model, str(path)


def _walk_graphs(graph: onnx.GraphProto, label: str, depth: int = 0):
    """(graph, depth) for `graph` and every subgraph in it; refuses nesting deeper than MAX_GRAPH_DEPTH."""
    if depth > MAX_GRAPH_DEPTH:
        raise ModelImportError(f"{label}: graph '{graph.name}' is nested {depth} deep; hcc reads at most {MAX_GRAPH_DEPTH}")
    yield graph, depth
    for node in graph.node:
        for attr in node.attribute:
            for sub in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                yield from _walk_graphs(sub, label, depth + 1)


def _check_text(message, label: str) -> None:
    """Every string field of the proto must be valid UTF-8 (protobuf hands back bytes otherwise)."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_STRING:
            for item in ([value] if isinstance(value, (str, bytes)) else value):
                if not isinstance(item, str):
                    raise ModelImportError(f"{label}: a {type(message).__name__}.{field.name} is not valid UTF-8 text ({item[:40]!r})")
        elif field.type == field.TYPE_MESSAGE:
            for item in ([value] if isinstance(value, Message) else value):
                _check_text(item, label)


def tensor_nbytes(tensor: onnx.TensorProto, where: str) -> int:
    """The bytes `tensor`'s dims and element type say it holds, checked against the caps."""
    dtype = ir_dtype(tensor.data_type, where)
    numel = 1
    for d in tensor.dims:
        if not 0 <= d <= MAX_DIM:
            raise ModelImportError(f"{where}: dimension {d} is out of range (0..{MAX_DIM})")
        numel *= d
    nbytes = numel * dtype.numpy.itemsize
    if nbytes > MAX_TENSOR_BYTES:
        raise ModelImportError(f"{where}: {list(tensor.dims)} is {nbytes:,} bytes; hcc reads tensors up to {MAX_TENSOR_BYTES:,}")
    if tensor.data_location != onnx.TensorProto.EXTERNAL and tensor.HasField("raw_data") and len(tensor.raw_data) != nbytes:
        raise ModelImportError(f"{where}: raw_data holds {len(tensor.raw_data):,} bytes, its dims {list(tensor.dims)} "
                               f"and type say {nbytes:,}")
    return nbytes


def _check_model(model: onnx.ModelProto, label: str) -> None:
    """Refuse, before allocating anything, what is malformed or too large (see the module docstring)."""
    _check_text(model, label)
    total = 0
    for graph, _ in _walk_graphs(model.graph, label):
        for tensor in graph.initializer:
            total += tensor_nbytes(tensor, f"{label}: initializer '{tensor.name}'")
        for node in graph.node:
            for attr in node.attribute:
                for tensor in ([attr.t] if attr.HasField("t") else []) + list(attr.tensors):
                    total += tensor_nbytes(tensor, f"{label}: node '{describe(node)}' ({node.op_type}) attribute '{attr.name}'")
        for vi in list(graph.input) + list(graph.output) + list(graph.value_info):
            if vi.type.HasField("tensor_type"):
                for d in vi.type.tensor_type.shape.dim:
                    if d.HasField("dim_value") and not 0 <= d.dim_value <= MAX_DIM:
                        raise ModelImportError(f"{label}: '{vi.name}' has dimension {d.dim_value}, out of range (0..{MAX_DIM})")
    if total > MAX_INITIALIZER_BYTES:
        raise ModelImportError(f"{label}: the weights take {total:,} bytes; hcc reads at most {MAX_INITIALIZER_BYTES:,}")


def _default_opset(model: onnx.ModelProto, label: str) -> int:
    for entry in model.opset_import:
        if entry.domain in _DEFAULT_DOMAINS:
            if entry.version not in OPSETS:
                raise ModelImportError(f"{label}: opset {entry.version} is not supported (hcc reads opsets {OPSETS.start}-{OPSETS.stop - 1})")
            return entry.version
    raise ModelImportError(f"{label}: the model does not import the default ONNX opset")


def _fix_batch_dims(graph: onnx.GraphProto, label: str) -> list[str]:
    """Fix symbolic batch-like first dims of graph inputs to 1; refuse other symbolic dims."""
    initializers = {t.name for t in graph.initializer}
    assumed = []
    for vi in graph.input:
        if vi.name in initializers or not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        if not tt.HasField("shape"):
            raise ModelImportError(f"{label}: input '{vi.name}' has no shape; hcc needs static shapes")
        for axis, dim in enumerate(tt.shape.dim):
            if dim.HasField("dim_value"):
                continue
            if axis == 0 and _BATCH_LIKE.match(dim.dim_param or ""):
                dim.dim_value = 1  # clears dim_param (a oneof)
                assumed.append(f"{vi.name}[0]={1}")
                continue
            what = f"'{dim.dim_param}'" if dim.dim_param else "unknown"
            raise ModelImportError(
                f"{label}: input '{vi.name}' dimension {axis} is symbolic ({what}); hcc needs static shapes "
                "(only a batch-like first dimension is fixed to 1)")
    return assumed


def ir_dtype(elem_type: int, where: str) -> DType:
    """The IR element type of an ONNX TensorProto element type, or UnsupportedOpError."""
    name = onnx.TensorProto.DataType.Name(elem_type) if elem_type in onnx.TensorProto.DataType.values() else str(elem_type)
    try:
        return DType.from_numpy(onnx.helper.tensor_dtype_to_np_dtype(elem_type))
    except (ValueError, KeyError, TypeError):
        supported = ", ".join(d.value for d in DType)
        raise UnsupportedOpError(f"{where}: element type {name} is not supported (hcc supports {supported})") from None


def _static_type(vi: onnx.ValueInfoProto) -> TensorType | None:
    """The ValueInfo's type when fully known (element type and every dimension), else None."""
    if not vi.type.HasField("tensor_type"):
        return None
    tt = vi.type.tensor_type
    if not tt.elem_type or not tt.HasField("shape") or any(not d.HasField("dim_value") for d in tt.shape.dim):
        return None
    try:
        return TensorType(tuple(d.dim_value for d in tt.shape.dim), ir_dtype(tt.elem_type, vi.name))
    except UnsupportedOpError:
        return None


def describe(node: onnx.NodeProto) -> str:
    """How error messages name a node: its name, else its first output."""
    return node.name or (f"output {node.output[0]}" if node.output else "<unnamed>")


def _used_names(graph: onnx.GraphProto) -> set[str]:
    """Names a graph (and its subgraphs) reads but does not define: its outer-scope uses."""
    defined = {v.name for v in graph.input} | {t.name for t in graph.initializer}
    used = set()
    for node in graph.node:
        used.update(n for n in node.input if n)
        for attr in node.attribute:
            for sub in ([attr.g] if attr.type == onnx.AttributeProto.GRAPH else list(attr.graphs)):
                used |= _used_names(sub)
        defined.update(node.output)
    used.update(v.name for v in graph.output)
    return used - defined


def _node_deps(node: onnx.NodeProto) -> list[str]:
    deps = [n for n in node.input if n]
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            deps.extend(sorted(_used_names(attr.g)))
    return deps


def _topological(graph: onnx.GraphProto, known: set[str], label: str) -> list[onnx.NodeProto]:
    """Nodes in an order where each reads only names defined before it (ONNX requires it,
    but some exporters do not quite); dangling names and cycles are errors naming the node."""
    producer = {}
    for node in graph.node:
        for out in node.output:
            if out:
                producer[out] = node
    for node in graph.node:
        for name in _node_deps(node):
            if name not in known and name not in producer:
                raise ModelImportError(f"{label}: node '{describe(node)}' ({node.op_type}) reads '{name}', which nothing defines")
    order, done, visiting = [], set(), set()

    def visit(node):
        key = id(node)
        if key in done:
            return
        if key in visiting:
            raise ModelImportError(f"{label}: node '{describe(node)}' ({node.op_type}) is part of a cycle")
        visiting.add(key)
        for name in _node_deps(node):
            if name not in known:
                visit(producer[name])
        visiting.discard(key)
        done.add(key)
        order.append(node)

    for node in graph.node:
        visit(node)
    return order


class _NodeContext:
    """What an OpDef's `from_onnx` hook may use: the node's inputs (a list it may edit),
    constants, dtype conversion, and errors that name the node."""

    def __init__(self, importer: "_Importer", graph: Graph, node: onnx.NodeProto, inputs: list[Value | None]):
        self.importer = importer
        self.graph = graph
        self.node = node
        self.inputs = inputs
        self.opset = importer.opset

    def fail(self, message: str):
        raise ModelImportError(f"{self.importer.label}: node '{describe(self.node)}' ({self.node.op_type}): {message}")

    def unsupported(self, message: str):
        raise UnsupportedOpError(f"{self.node.op_type} '{describe(self.node)}': {message}")

    def const_input(self, index: int) -> np.ndarray | None:
        """The constant value of input `index`; None when absent; an error if not constant."""
        value = self.inputs[index] if index < len(self.inputs) else None
        if value is None:
            return None
        if value.const is None:
            self.fail(f"input {index} ('{value.name}') must be a constant")
        return value.const

    def add_const(self, hint: str, array: np.ndarray) -> Value:
        return self.graph.add_const(self.graph.unique_name(hint), array)

    def tensor_array(self, tensor: onnx.TensorProto) -> np.ndarray:
        return self.importer.tensor_array(tensor, f"node '{describe(self.node)}'")

    def ir_dtype(self, elem_type: int) -> DType:
        return ir_dtype(elem_type, f"node '{describe(self.node)}' ({self.node.op_type})")


class _StandIn(Exception):
    """A node is left out because it reads a result of an unsupported node (or its body
    holds one): it gets stand-ins too, and the import goes on."""


_UNTYPED = object()  # the stand-in for a result of an unsupported node ONNX gives no type


class _Importer:
    def __init__(self, label: str, opset: int, base_dir: Path | None = None):
        self.label = label
        self.opset = opset
        self.base_dir = base_dir  # external data must lie in here
        self.body_names: set[str] = set()
        self.missing: list[tuple[str, str]] = []  # (op type, node) of nodes whose op hcc lacks
        self.refused: list[str] = []  # why each node an OpDef refuses is refused
        self.stand_ins: set[int] = set()  # ids of the values standing in for results of those

    def problems(self) -> int:
        return len(self.missing) + len(self.refused)

    def fail(self, message: str):
        raise ModelImportError(f"{self.label}: {message}")

    def tensor_array(self, tensor: onnx.TensorProto, where: str) -> np.ndarray:
        what = f"{where}: tensor '{tensor.name}'" if tensor.name and tensor.name not in where else where
        dtype = ir_dtype(tensor.data_type, what)
        nbytes = tensor_nbytes(tensor, f"{self.label}: {what}")
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raw = self.external_bytes(tensor, nbytes, what)
            return np.frombuffer(raw, dtype=dtype.numpy.newbyteorder("<")).astype(dtype.numpy).reshape(tuple(tensor.dims))
        try:
            array = numpy_helper.to_array(tensor)
        except Exception as err:  # noqa: BLE001 - malformed tensor payloads
            reason = " ".join(str(err).split())[:200] or type(err).__name__
            self.fail(f"{what} is malformed ({reason})")
        if array.shape != tuple(tensor.dims):
            self.fail(f"{what} holds {array.size} values, its dims {list(tensor.dims)} say {int(np.prod(tensor.dims))}")
        return np.array(array, dtype=dtype.numpy, order="C")  # keeps 0-d scalars 0-d

    def external_bytes(self, tensor: onnx.TensorProto, nbytes: int, what: str) -> bytes:
        """The bytes of an external-data tensor, read from a file in the model's directory."""
        info = {entry.key: entry.value for entry in tensor.external_data}
        location = info.get("location", "")
        if self.base_dir is None:
            self.fail(f"{what}: external data ('{location}') needs the model loaded from a file")
        if not location:
            self.fail(f"{what}: external data without a location")
        rel = Path(location)
        if rel.is_absolute() or ".." in rel.parts:
            self.fail(f"{what}: external data location '{location}' leaves the model's directory")
        path = self.base_dir / rel
        if not path.resolve().is_relative_to(self.base_dir.resolve()):
            self.fail(f"{what}: external data location '{location}' leaves the model's directory (through a link)")
        try:
            offset, length = int(info.get("offset", 0)), int(info.get("length", nbytes))
        except ValueError:
            self.fail(f"{what}: external data offset/length are not integers")
        if offset < 0 or length != nbytes:
            self.fail(f"{what}: external data offset {offset}, length {length}: the tensor needs {nbytes} bytes")
        try:
            with open(path, "rb") as f:
                if not path.is_file():
                    self.fail(f"{what}: external data '{location}' is not a file")
                f.seek(offset)
                raw = f.read(nbytes)
        except OSError as err:
            self.fail(f"{what}: cannot read external data '{location}': {err.strerror or err}")
        if len(raw) != nbytes:
            self.fail(f"{what}: external data '{location}' holds {len(raw)} bytes from offset {offset}, the tensor needs {nbytes}")
        return raw

    def subgraph_name(self, hint: str) -> str:
        name, i = hint, 1
        while name in self.body_names:
            name, i = f"{hint}_{i}", i + 1
        self.body_names.add(name)
        return name

    # -- graphs -------------------------------------------------------------------------
    def import_graph(self, gproto: onnx.GraphProto, parent: Graph | None, name: str, outer: ChainMap | dict,
                     input_types: list[TensorType] | None) -> Graph:
        graph = Graph(name, parent)
        scope = ChainMap({}, outer)
        known_types = {vi.name: vi for vi in list(gproto.value_info) + list(gproto.output) + list(gproto.input)}
        initializers = {t.name for t in gproto.initializer}
        if gproto.sparse_initializer:
            raise UnsupportedOpError(f"{self.label}: sparse initializers are not supported")
        params = [vi for vi in gproto.input if vi.name not in initializers]
        if input_types is not None and len(input_types) != len(params):
            self.fail(f"graph '{gproto.name}' takes {len(params)} inputs, {len(input_types)} given")
        for i, vi in enumerate(params):
            declared = _static_type(vi)
            if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
                ir_dtype(vi.type.tensor_type.elem_type, f"input '{vi.name}'")  # refuse unsupported dtypes by name
            type_ = input_types[i] if input_types is not None else declared
            if type_ is None:
                self.fail(f"input '{vi.name}' has no static type; hcc needs static shapes")
            scope.maps[0][vi.name] = graph.add_input(vi.name, type_)
        for tensor in gproto.initializer:
            scope.maps[0][tensor.name] = graph.add_const(tensor.name, self.tensor_array(tensor, f"initializer '{tensor.name}'"))
        for node in _topological(gproto, set(scope), self.label):
            self.import_node(node, graph, scope, known_types)
        outputs = []
        for vi in gproto.output:
            if vi.name not in scope:
                self.fail(f"graph output '{vi.name}' is not defined")
            outputs.append(scope[vi.name])
        graph.outputs = outputs
        return graph

    def import_constant(self, node: onnx.NodeProto, graph: Graph, scope: ChainMap) -> None:
        where = f"node '{describe(node)}' (Constant)"
        if len(node.attribute) != 1:
            self.fail(f"{where}: needs exactly one value attribute")
        attr = node.attribute[0]
        if attr.name == "value":
            array = self.tensor_array(attr.t, where)
        elif attr.name in ("value_float", "value_floats"):
            array = np.array(onnx.helper.get_attribute_value(attr), dtype=np.float32)
        elif attr.name in ("value_int", "value_ints"):
            array = np.array(onnx.helper.get_attribute_value(attr), dtype=np.int64)
        else:
            raise UnsupportedOpError(f"{self.label}: {where}: attribute '{attr.name}' is not supported")
        scope.maps[0][node.output[0]] = graph.add_const(node.output[0], array)

    def attributes(self, node: onnx.NodeProto, graph: Graph, scope: ChainMap, opdef, inputs) -> dict:
        attrs, graphs = {}, []
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                graphs.append(attr)
            elif attr.type == onnx.AttributeProto.STRING:
                attrs[attr.name] = attr.s.decode()
            elif attr.type == onnx.AttributeProto.STRINGS:
                attrs[attr.name] = [s.decode() for s in attr.strings]
            elif attr.type in (onnx.AttributeProto.FLOAT, onnx.AttributeProto.INT, onnx.AttributeProto.TENSOR):
                attrs[attr.name] = onnx.helper.get_attribute_value(attr)
            elif attr.type in (onnx.AttributeProto.FLOATS, onnx.AttributeProto.INTS):
                attrs[attr.name] = list(onnx.helper.get_attribute_value(attr))
            else:
                raise UnsupportedOpError(f"{self.label}: node '{describe(node)}' ({node.op_type}): attribute '{attr.name}' of this kind is not supported")
        for attr in graphs:
            try:
                types = opdef.body_input_types(attrs, inputs) if hasattr(opdef, "body_input_types") else None
            except HccError as err:
                raise ModelImportError(f"{self.label}: node '{describe(node)}' ({node.op_type}): {err}") from None
            before = self.problems()
            attrs[attr.name] = self.import_graph(attr.g, graph, self.subgraph_name(attr.name), scope, types)
            if self.problems() > before:
                raise _StandIn  # the body is incomplete: the node cannot be checked further
        return attrs

    def import_node(self, node: onnx.NodeProto, graph: Graph, scope: ChainMap, known_types: dict) -> None:
        """Import one node; an unsupported one is recorded (see import_onnx) and stood in for."""
        if node.domain not in _DEFAULT_DOMAINS or (node.op_type != "Constant" and onnx_op(node.op_type) is None):
            self.missing.append((node.op_type if node.domain in _DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}",
                                 describe(node)))
            return self.stand_in(node, graph, scope, known_types)
        reads_stand_in = any(id(scope.get(name)) in self.stand_ins for name in _node_deps(node))
        if any(scope.get(name) is _UNTYPED for name in _node_deps(node)):
            return self.stand_in(node, graph, scope, known_types)
        try:
            if node.op_type == "Constant":
                return self.import_constant(node, graph, scope)
            return self.import_op(node, graph, scope, known_types)
        except UnsupportedOpError as err:
            self.refused.append(str(err))
        except _StandIn:
            pass
        except HccError:
            if not reads_stand_in:
                raise
            # it read a stand-in: its error may come from the stand-in, so it is not reported
        self.stand_in(node, graph, scope, known_types)

    def stand_in(self, node: onnx.NodeProto, graph: Graph, scope: ChainMap, known_types: dict) -> None:
        """Values for the results of a node left out, so that the nodes after it are checked too."""
        for name in node.output:
            if name:
                onnx_type = _static_type(known_types[name]) if name in known_types else None
                value = _UNTYPED if onnx_type is None else graph.new_value(name, onnx_type)
                self.stand_ins.add(id(value))
                scope.maps[0][name] = value

    def import_op(self, node: onnx.NodeProto, graph: Graph, scope: ChainMap, known_types: dict) -> None:
        opdef = onnx_op(node.op_type)
        if opdef.onnx_opsets and not opdef.onnx_opsets[0] <= self.opset <= opdef.onnx_opsets[1]:
            lo, hi = opdef.onnx_opsets
            raise UnsupportedOpError(f"{node.op_type} '{describe(node)}': hcc imports {node.op_type} from opsets "
                                     f"{lo}-{hi}, the model uses opset {self.opset}")
        inputs = [scope[n] if n else None for n in node.input]
        while inputs and inputs[-1] is None:
            inputs.pop()  # trailing absent optionals
        where = f"{opdef.name} '{describe(node)}'"
        ctx = _NodeContext(self, graph, node, inputs)
        given = {attr.name for attr in node.attribute}
        for key, kind in {**opdef.onnx_optional, **opdef.onnx_required}.items():
            attr = next((a for a in node.attribute if a.name == key), None)
            if attr is None:
                if key in opdef.onnx_required:
                    ctx.fail(f"missing required attribute '{key}'")
                continue
            if attr.type != _ATTR_KINDS[kind]:
                ctx.fail(f"attribute '{key}' must be of kind {kind}")
        if len(given) != len(node.attribute):
            ctx.fail("an attribute is given twice")
        if len(inputs) < opdef.num_inputs[0]:
            ctx.fail(f"takes at least {opdef.num_inputs[0]} inputs, got {len(inputs)}")
        for i, value in enumerate(inputs[:opdef.num_inputs[0]]):
            if value is None:
                ctx.fail(f"input {i} is required but absent")
        attrs = self.attributes(node, graph, scope, opdef, inputs)
        attrs = opdef.from_onnx(attrs, node, ctx)
        opdef.check_inputs(ctx.inputs, where)  # `from_onnx` may have rewritten them (Dropout, Reduce*)
        attrs = opdef.normalize_attrs(attrs, where=where)
        for key, val in attrs.items():
            if not _printable(val):
                raise UnsupportedOpError(f"{self.label}: {where}: attribute '{key}' has a value hcc cannot represent")
        probe = Op(opdef.name, ctx.inputs, [], attrs, describe(node))  # errors name the node
        types = opdef.infer(probe)
        outputs = [n for n in node.output]
        while outputs and not outputs[-1]:
            outputs.pop()
        # Results a node leaves unnamed (GRU's Y when only Y_h is wanted) get values nothing
        # reads, where the op allows it (OpDef.optional_results); the planner gives them no memory.
        unnamed = [i for i in range(len(types)) if i >= len(outputs) or not outputs[i]]
        if len(types) < len(outputs) or any(i not in opdef.optional_results for i in unnamed):
            ctx.fail(f"hcc gives {len(types)} results, the node names {len([n for n in outputs if n])}")
        outputs = [graph.unique_name(f"{describe(node)}.unused{i}") if i in unnamed else name
                   for i, name in enumerate(outputs + [""] * (len(types) - len(outputs)))]
        values = []
        for name, type_ in zip(outputs, types):
            if any(not 0 <= d <= MAX_DIM for d in type_.shape) or type_.nbytes > MAX_TENSOR_BYTES:
                ctx.fail(f"result '{name}' would be {list(type_.shape)} ({type_.nbytes:,} bytes); hcc handles tensors "
                         f"up to {MAX_TENSOR_BYTES:,} bytes and dimensions up to {MAX_DIM}")
            onnx_type = _static_type(known_types[name]) if name in known_types else None
            if onnx_type is not None and (onnx_type.shape != type_.shape or onnx_type.dtype != type_.dtype):
                ctx.fail(f"hcc infers {type_} for '{name}', ONNX shape inference says {onnx_type}")
            value = graph.new_value(name, type_)
            scope.maps[0][name] = value
            values.append(value)
        op = graph.add_op(opdef.name, ctx.inputs, values, attrs, node.name)
        if _computes_shape(op):
            _fold_at_import(op, graph, scope)


def _computes_shape(op: Op) -> bool:
    """An op computing integers from constants or from static types only (Shape): a shape
    computation, which hcc's static shapes make a constant. Folded as the model is read, so
    that the operands hcc needs constant (a Reshape's or an Expand's shape) are constants
    when the op reading them is imported, as in a model exported with its shapes folded."""
    if op.subgraphs() or not all(v.type.dtype in (DType.int64, DType.int32) for v in op.outputs):
        return False
    if sum(v.type.nbytes for v in op.outputs) > 1 << 16:
        return False
    return op.opdef.reads_types_only or all(v is None or v.is_const for v in op.inputs)


def _fold_at_import(op: Op, graph: Graph, scope: ChainMap) -> None:
    results = op.opdef.eval(op, [None if v is None or not v.is_const else v.const for v in op.inputs])
    graph.remove_op(op)
    for value, array in zip(op.outputs, results):
        array = np.asarray(array).astype(value.type.dtype.numpy).reshape(value.type.shape)
        scope.maps[0][value.name] = graph.add_const(value.name, array)


def _printable(value) -> bool:
    if isinstance(value, (bool, int, float, str, Graph, np.integer, np.floating)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_printable(v) for v in value)
    return False
