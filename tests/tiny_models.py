"""Tiny sentence-transformers and cross-encoder models built locally: the real loading code, no downloads."""

from __future__ import annotations

from pathlib import Path

TRAINING_TEXT = [
    "Kazakhstan produced refined silver in 2024 and exported it to the United Kingdom.",
    "Gallium is recovered from bauxite; copper was found in wells; tin reserves were revised.",
    "The price of silver per ounce rose sharply while gold passed a record.",
    "Teams measure throughput, latency and accuracy of the retrieval pipeline.",
] * 20


def build_tiny_models(root: Path) -> dict[str, Path]:
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers import models
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece
    from tokenizers.pre_tokenizers import Whitespace
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    tok = Tokenizer(WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    tok.train_from_iterator(TRAINING_TEXT, WordPieceTrainer(vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                             sep_token="[SEP]", mask_token="[MASK]")
    config = dict(vocab_size=fast.vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                  intermediate_size=128, max_position_embeddings=256)

    bert_dir = root / "bert"
    BertModel(BertConfig(**config)).save_pretrained(bert_dir)
    fast.save_pretrained(bert_dir)
    word = models.Transformer(str(bert_dir), max_seq_length=128)
    pooling = models.Pooling(getattr(word, "get_embedding_dimension", None) and word.get_embedding_dimension() or word.get_word_embedding_dimension(), pooling_mode="mean")
    st_dir = root / "tiny-st"
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(st_dir))

    ce_dir = root / "tiny-ce"
    BertForSequenceClassification(BertConfig(**config, num_labels=1)).save_pretrained(ce_dir)
    fast.save_pretrained(ce_dir)
    return {"embedder": st_dir, "cross_encoder": ce_dir}
