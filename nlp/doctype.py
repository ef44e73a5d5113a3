"""Document type (the 29 Nghị định 30 types + khác): header rules first, a small model second.

The header says the type outright in most letters: the type line ("KẾ HOẠCH"), the ký hiệu
("/KH-", "/QĐ-"), or "V/v" under the number for a công văn, whose ký hiệu starts with the
issuer instead of a type abbreviation. Only when OCR has eaten all three does the learned
fallback run: a spaCy ``textcat`` (bag of syllable n-grams on the folded text, small and fast)
trained on our sample letters plus short synthetic snippets, saved under
``models/doctype-classifier/`` with its metadata.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Literal

import spacy
from pydantic import BaseModel
from spacy.language import Language
from spacy.training import Example
from thinc.api import Config

from minhchung.nlp.letter_header import DocTypeName, LetterHeader, load_doctypes
from minhchung.nlp.textview import fold_view

MODEL_DIR = "doctype-classifier"
_TEXT_CHARS = 2000


class DocTypeGuess(BaseModel):
    id: str
    confidence: float
    source: Literal["type-line", "symbol", "vv", "issuer-symbol", "model", "none"]


def _abbr_key(value: str) -> str:
    """Compare abbreviations accent- and OCR-insensitively ("QĐ", "QD", "Q0" → "qd")."""
    return fold_view(value).replace("0", "o").replace(" ", "")


@dataclass(frozen=True)
class DocTypeRules:
    doctypes: list[DocTypeName]

    def by_abbr(self) -> dict[str, str]:
        return {_abbr_key(t.abbr): t.id for t in self.doctypes if t.abbr}

    def classify(self, header: LetterHeader) -> DocTypeGuess | None:
        if header.doc_type_word:
            return DocTypeGuess(id=header.doc_type_word, confidence=0.98, source="type-line")
        if header.symbol:
            head = re.split(r"[-/]", header.symbol)[0]
            known = self.by_abbr().get(_abbr_key(head))
            if known:
                return DocTypeGuess(id=known, confidence=0.95, source="symbol")
        if header.has_vv:
            return DocTypeGuess(id="cong_van", confidence=0.9, source="vv")
        if header.symbol and "-" in header.symbol:
            return DocTypeGuess(id="cong_van", confidence=0.7, source="issuer-symbol")
        return None


def model_text(text: str) -> str:
    """What the model reads: the folded start of the letter (robust to lost diacritics)."""
    return " ".join(fold_view(text[:_TEXT_CHARS]).split())


def load_model() -> Language | None:
    """The trained textcat, or None when it has not been trained yet."""
    root = files("minhchung.models").joinpath(MODEL_DIR)
    config_file, weights = root.joinpath("config.cfg"), root.joinpath("model.bin")
    if not (config_file.is_file() and weights.is_file()):
        return None
    config = Config().from_str(config_file.read_text(encoding="utf-8"))
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.from_bytes(weights.read_bytes())
    return nlp


class DocTypeClassifier:
    """Rules, then the model; ``classify`` never raises and says where its answer came from."""

    def __init__(self, rules: DocTypeRules, model: Language | None) -> None:
        self.rules = rules
        self.model = model

    def classify(self, header: LetterHeader, text: str) -> DocTypeGuess:
        ruled = self.rules.classify(header)
        if ruled is not None:
            return ruled
        if self.model is not None and text.strip():
            scores = self.model(model_text(text)).cats
            if scores:
                best = max(scores, key=scores.get)
                return DocTypeGuess(id=best, confidence=round(float(scores[best]), 3), source="model")
        return DocTypeGuess(id="khac", confidence=0.0, source="none")


# -- training --------------------------------------------------------------------------------
TEXTCAT_CONFIG = """
[nlp]
lang = "vi"
pipeline = ["textcat"]

[nlp.tokenizer]
@tokenizers = "spacy.vi.VietnameseTokenizer"
use_pyvi = false

[components]

[components.textcat]
factory = "textcat"
threshold = 0.0

[components.textcat.model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = true
ngram_size = 2
no_output_layer = false
length = 16384
"""


def _strip_header(text: str) -> str:
    """Training/evaluation text without the header lines the rules already read."""
    lines = text.split("\n")
    body_from = next((i for i, line in enumerate(lines) if len(line.split()) > 12), 0)
    return "\n".join(lines[body_from:])


def train(examples: list[tuple[str, str, str]], out_dir: Path, *, holdout: float = 0.25, seed: int = 13) -> dict:
    """Train the textcat on ``(id, text, doc_type)`` and save config, weights and meta.json.

    A deterministic share of the real samples is held out (ids sorted, every k-th), so the
    accuracy in meta.json is measured on letters the model never saw, with headers removed.
    """
    labels = sorted({t.id for t in load_doctypes()})
    real = sorted([e for e in examples if not e[0].startswith("synthetic:")])
    step = max(2, round(1 / holdout))
    held = [e for i, e in enumerate(real) if i % step == 0]
    train_set = [e for e in examples if e not in held]
    nlp = spacy.util.load_model_from_config(Config().from_str(TEXTCAT_CONFIG), auto_fill=True)
    textcat = nlp.get_pipe("textcat")
    for label in labels:
        textcat.add_label(label)

    def to_example(item: tuple[str, str, str]) -> Example:
        doc = nlp.make_doc(model_text(_strip_header(item[1]) if not item[0].startswith("synthetic:") else item[1]))
        return Example.from_dict(doc, {"cats": {label: float(label == item[2]) for label in labels}})

    train_examples = [to_example(e) for e in train_set]
    optimizer = nlp.initialize(lambda: train_examples)
    rng = random.Random(seed)
    for _ in range(25):
        rng.shuffle(train_examples)
        for start in range(0, len(train_examples), 8):
            nlp.update(train_examples[start:start + 8], sgd=optimizer, drop=0.1)
    correct = sum(
        max((cats := nlp(model_text(_strip_header(text))).cats), key=cats.get) == label for _, text, label in held
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.cfg").write_text(nlp.config.to_str(), encoding="utf-8")
    (out_dir / "model.bin").write_bytes(nlp.to_bytes(exclude=["vocab"]))
    meta = {
        "model": "spaCy textcat (TextCatBOW.v3, syllable uni+bigrams on folded text, 2^14 features)",
        "trained_on": date.today().isoformat(),
        "labels": labels,
        "training_ids": sorted(e[0] for e in train_set),
        "heldout_ids": [e[0] for e in held],
        "heldout_accuracy": round(correct / len(held), 3) if held else None,
        "heldout_note": "header lines removed, so this measures the fallback, not the header rules",
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def training_examples(samples_dir: Path, synthetic_file: Path) -> list[tuple[str, str, str]]:
    """Sample letters with a sidecar ``doc_type``, plus our synthetic snippets (JSONL)."""
    from minhchung.ingest.normalize import normalize_text

    examples = []
    for sidecar in sorted(samples_dir.glob("*.json")):
        txt = sidecar.with_suffix(".txt")
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if txt.is_file() and data.get("doc_type"):
            examples.append((sidecar.stem, normalize_text(txt.read_text(encoding="utf-8")), data["doc_type"]))
    for index, line in enumerate(synthetic_file.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            item = json.loads(line)
            examples.append((f"synthetic:{index}", normalize_text(item["text"]), item["doc_type"]))
    return examples


if __name__ == "__main__":
    import sys

    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    result = train(training_examples(root / "samples" / "letters", root / "models" / MODEL_DIR / "synthetic.jsonl"),
                   root / "models" / MODEL_DIR)
    print(json.dumps({k: result[k] for k in ("trained_on", "heldout_accuracy")}, ensure_ascii=False))
