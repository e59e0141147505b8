"""Cost as the collection grows: this project vs a plain llama-index pipeline, same data, same run.

    python bench/scale.py [--sizes 1000 10000 100000] [--queries 300] [--out bench/out]
    python bench/scale.py --alternate [--sizes ...]   # query latencies only, both systems in one process


For each size (in chunks at this project's chunk size) a synthetic collection is generated (bench/synth.py),
then each system runs in its own process (so peak memory is its own) and, before its clock starts, imports its
libraries and opens its Chroma collection (as the baseline's code is written): first ingest, re-ingest of the
unchanged files, index size on disk, peak RSS, warm query latency p50/p95 over generated questions (each asked once,
so nothing is timed from a cache of an earlier asking): retrieval alone, and a whole answer (for the project `ask`).
The baseline is llama-index's `VectorStoreIndex.from_documents` into a Chroma collection with the same embedder
(the same loaded model: all-MiniLM-L6-v2 by default, then the model-free `hash` as a second pair; `--embedders`) and
its default node parser, queried with `index.as_retriever()` (retrieval), and with
`index.as_query_engine(llm=MockLLM())`: its whole query path — retrieval, then response synthesis — with an LLM that
takes no time (it echoes the prompt), the nearest it comes to this project's whole answer without a model.

`--alternate` builds both systems' indexes in one process and times them question by question, one then the other
(retrieval over one set of questions, whole answers over another): this VM's speed drifts by 10-30% between runs,
which the separate processes of the main run each sample at a different moment; alternating gives both the same
moments.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)


def questions(n: int, seed: int = 11) -> list[str]:
    """`n` questions of five forms about the synthetic collections' companies, metals, places and years (drawn at
    random: a few come twice, as they would from users)."""
    from bench.synth import COMPANIES, METALS, PLACES

    rng = random.Random(seed)
    forms = ["How many tons of {m} did {c} produce in {y}?", "What was the average price of {m} in {y}?",
             "How much will {c} invest in {p}?", "What are the {m} reserves at the {p} deposit?",
             "How many licences were revoked in {p} in {y}?"]
    return [rng.choice(forms).format(m=rng.choice(METALS), c=rng.choice(COMPANIES), p=rng.choice(PLACES),
                                     y=rng.randint(2015, 2026)) for _ in range(n)]


ANSWER_SEED = 12  # whole answers are timed over other questions than retrieval, so no answer reuses its retrieval


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


WARM_UP = "How many tons of zinc did Caspian Zinc produce in 2020?"


def _latencies(fn, qs: list[str]) -> tuple[float, float]:
    fn(WARM_UP)
    times = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def run_project(data: Path, work: Path, nq: int, embedder: str) -> dict:
    import llama_index.core  # noqa: F401  (imported before the clock, as the baseline's imports are)

    from assistant import Assistant

    import chromadb  # noqa: F401  (imported before the clock, as the baseline's client is)

    a = Assistant(index_dir=work / "project", embedder=embedder)
    a.embedder  # the model loaded before the clock, as the baseline's is
    t0 = time.perf_counter()
    first = a.ingest([data])
    t1 = time.perf_counter()
    again = a.ingest([data])
    t2 = time.perf_counter()
    p50, p95 = _latencies(lambda q: a.ask(q), questions(nq, seed=ANSWER_SEED))
    retrieve_p50, retrieve_p95 = _latencies(lambda q: a.retrieve(q), questions(nq))
    return {"chunks": first.chunks_added, "ingest_s": t1 - t0, "reingest_s": t2 - t1,
            "reingest_added": again.chunks_added, "disk_mb": dir_size(work / "project") / 1e6, "p50_ms": p50,
            "p95_ms": p95, "retrieve_p50_ms": retrieve_p50, "retrieve_p95_ms": retrieve_p95}


def baseline_pipeline(data: Path, work: Path, embedder: str):
    """(ingest, collection): the plain llama-index pipeline over `data`, its Chroma collection under `work`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedders import as_llama_index, make_embedder

    embed = as_llama_index(make_embedder(embedder))  # the project's embedder, loaded before the clock as the project's is
    client = chromadb.PersistentClient(path=str(work / "llamaindex"), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("baseline", embedding_function=None)
    store = ChromaVectorStore(chroma_collection=collection)

    def ingest() -> VectorStoreIndex:
        docs = [Document(text=p.read_text(encoding="utf-8"), metadata={"source": str(p)}) for p in sorted(data.iterdir())]
        return VectorStoreIndex.from_documents(docs, storage_context=StorageContext.from_defaults(vector_store=store),
                                               embed_model=embed)

    return ingest, collection


def run_llamaindex(data: Path, work: Path, nq: int, embedder: str) -> dict:
    from llama_index.core.llms import MockLLM

    ingest, collection = baseline_pipeline(data, work, embedder)
    t0 = time.perf_counter()
    index = ingest()
    t1 = time.perf_counter()
    chunks = collection.count()
    ingest()  # a plain pipeline has no change detection: re-ingest does all the work again (and duplicates)
    t2 = time.perf_counter()
    retriever = index.as_retriever()
    p50, p95 = _latencies(lambda q: retriever.retrieve(q), questions(nq))
    engine = index.as_query_engine(llm=MockLLM())
    answer_p50, answer_p95 = _latencies(lambda q: engine.query(q), questions(nq, seed=ANSWER_SEED))
    return {"chunks": chunks, "ingest_s": t1 - t0, "reingest_s": t2 - t1,
            "reingest_added": collection.count() - chunks, "disk_mb": dir_size(work / "llamaindex") / 1e6,
            "retrieve_p50_ms": p50, "retrieve_p95_ms": p95,
            "p50_ms": answer_p50, "p95_ms": answer_p95}  # query engine, with an LLM that takes no time


def one(system: str, data: Path, work: Path, nq: int, embedder: str) -> None:
    result = (run_project if system == "project" else run_llamaindex)(data, work, nq, embedder)
    # this process plus its largest finished child (the project's ingest helper): an upper bound on the peak
    result["peak_rss_mb"] = sum(resource.getrusage(who).ru_maxrss for who in
                                (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(json.dumps(result))


def alternate(data: Path, work: Path, nq: int, embedder: str) -> dict[str, float]:
    """Retrieval and whole-answer p50 (ms) of the project and of the baseline, timed question by question in turn in
    this process."""
    from llama_index.core.llms import MockLLM

    from assistant import Assistant

    a = Assistant(index_dir=work / "project", embedder=embedder)
    a.ingest([data])
    index = baseline_pipeline(data, work, embedder)[0]()
    retriever, engine = index.as_retriever(), index.as_query_engine(llm=MockLLM())
    out = {}
    for step, systems, seed in (("retrieve", (a.retrieve, retriever.retrieve), 11),
                                ("answer", (a.ask, engine.query), ANSWER_SEED)):
        times: tuple[list[float], list[float]] = ([], [])
        for fn in systems:
            fn(WARM_UP)
        for q in questions(nq, seed=seed):
            for fn, spent in zip(systems, times):
                t0 = time.perf_counter()
                fn(q)
                spent.append((time.perf_counter() - t0) * 1000)
        out[f"project_{step}"], out[f"llamaindex_{step}"] = map(statistics.median, times)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--alternate", action="store_true", help="retrieval latency of both systems, in one process")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--embedders", nargs="+", default=["minilm", "hash"], help="each gives both systems' rows")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--one", choices=["project", "llamaindex"], help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--embedder", default="minilm", help=argparse.SUPPRESS)
    add_record_argument(ap)
    args = ap.parse_args()
    if args.one:
        one(args.one, args.data, args.work, args.queries, args.embedder)
        return
    with recorded("As the collection grows, next to llama-index", enabled=not args.no_record):

        from bench.synth import generate

        args.out.mkdir(parents=True, exist_ok=True)
        if args.alternate:
            print("| size (chunks) | embedder | retrieval p50 (ms): project / llama-index | ratio | whole answer p50 (ms): "
                  "project / llama-index query engine, MockLLM | ratio |\n|---|---|---|---|---|---|")
            for size in args.sizes:
                for embedder in args.embedders:
                    base = args.out / f"alternate-{size}-{embedder}"
                    shutil.rmtree(base, ignore_errors=True)
                    generate(base / "data", size)
                    t = alternate(base / "data", base, args.queries, embedder)
                    cells = [f"{t[f'project_{step}']:.2f} / {t[f'llamaindex_{step}']:.2f} | "
                             f"{t[f'project_{step}'] / t[f'llamaindex_{step}']:.2f}" for step in ("retrieve", "answer")]
                    print(f"| {size:,} | {embedder} | {' | '.join(cells)} |", flush=True)
                    shutil.rmtree(base, ignore_errors=True)
            return
        rows = []
        for size in args.sizes:
            base = args.out / f"run-{size}"
            shutil.rmtree(base, ignore_errors=True)
            generate(base / "data", size)
            for embedder in args.embedders:
                for system in ("project", "llamaindex"):
                    shutil.rmtree(base / "project", ignore_errors=True)
                    shutil.rmtree(base / "llamaindex", ignore_errors=True)
                    proc = subprocess.run([sys.executable, __file__, "--one", system, "--data", str(base / "data"),
                                           "--work", str(base), "--queries", str(args.queries), "--embedder", embedder],
                                          capture_output=True, text=True, cwd=ROOT)
                    if proc.returncode:
                        raise SystemExit(f"{system} at {size} with {embedder} failed:\n{proc.stderr[-3000:]}")
                    row = json.loads(proc.stdout.strip().splitlines()[-1]) | {"size": size, "system": system,
                                                                               "embedder": embedder}
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)  # progress; the tables are the record
            shutil.rmtree(base, ignore_errors=True)
        table = render(rows)
        (args.out / "scale.md").write_text(table, encoding="utf-8")
        print(table)

def render(rows: list[dict]) -> str:
    lines = ["| size (chunks) | embedder | system | chunks stored | ingest (s) | chunks/s | re-ingest unchanged (s) | disk (MB) "
             "| peak RSS (MB) | retrieval p50 / p95 (ms) | whole answer p50 / p95 (ms) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        answer = f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}" + (" (MockLLM)" if r["system"] == "llamaindex" else "")
        lines.append(f"| {r['size']:,} | {r.get('embedder', 'hash')} | {r['system']} | {r['chunks']:,} | {r['ingest_s']:.1f} | "
                     f"{r['chunks'] / r['ingest_s']:.0f} | {r['reingest_s']:.2f} | {r['disk_mb']:.0f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['retrieve_p50_ms']:.1f} / {r['retrieve_p95_ms']:.1f} | {answer} |")
    by = {(r["size"], r.get("embedder", "hash"), r["system"]): r for r in rows}
    lines += ["", "| size | embedder | ingest time ratio (project / llama-index) | re-ingest ratio | retrieval p50 ratio | "
              "retrieval p95 ratio | whole answer p50 ratio (vs its query engine, MockLLM) | whole answer p50 / its "
              "retrieval p50 |", "|---|---|---|---|---|---|---|---|"]
    for size, embedder in sorted({(r["size"], r.get("embedder", "hash")) for r in rows}):
        p, l = by.get((size, embedder, "project")), by.get((size, embedder, "llamaindex"))
        if p and l:
            lines.append(f"| {size:,} | {embedder} | {p['ingest_s'] / l['ingest_s']:.2f} | {p['reingest_s'] / l['reingest_s']:.3f} | "
                         f"{p['retrieve_p50_ms'] / l['retrieve_p50_ms']:.2f} | "
                         f"{p['retrieve_p95_ms'] / l['retrieve_p95_ms']:.2f} | {p['p50_ms'] / l['p50_ms']:.2f} | "
                         f"{p['p50_ms'] / l['retrieve_p50_ms']:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
