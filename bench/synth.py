"""Synthetic collections for benchmarks: news-like notes with names, places, figures and dates.

`python -m bench.synth OUT_DIR --chunks 10000` writes about that many chunks' worth of text files.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

COMPANIES = ["Altyn Resources", "Steppe Metals", "Irtysh Copper", "Caspian Zinc", "Tien Shan Gold", "Aral Minerals",
             "Balkhash Smelting", "Nura Mining", "Ural Tin", "Saryarka Silver", "Kokshe Alloys", "Emba Lithium"]
PLACES = ["Karaganda", "Pavlodar", "Aktobe", "Kostanay", "Atyrau", "Shymkent", "Taraz", "Semey", "Osh", "Khujand",
          "Navoi", "Bishkek", "Almaty", "Astana", "Termez", "Naryn"]
METALS = ["silver", "gold", "copper", "zinc", "tin", "lead", "tungsten", "gallium", "lithium", "chromium"]
PEOPLE = ["Aigerim Bekova", "Daniyar Omarov", "Marat Sultanov", "Zarina Ismailova", "Timur Akhmetov", "Lola Karimova"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
SENTENCES = [
    "{company} produced {n:,} tons of {metal} in {year}, {dir} {p}% from a year earlier.",
    "Output at the {place} plant reached {n:,} tons of {metal} concentrate in {month} {year}.",
    "{person}, chief executive of {company}, said the firm would invest ${m} million in {place} by {year2}.",
    "Exports of {metal} from {place} brought in ${m} million in the first {q} months of {year}.",
    "The average price of {metal} rose to ${price} per ounce in {month}, analysts at {company} estimated.",
    "Reserves at the {place} deposit were revised to {n:,} tons of {metal}, according to the state survey.",
    "Regulators issued {k} new licences in {place} and revoked {k2} others during {year}.",
    "{company} plans to start {metal} production at {place} in {year2}, with annual capacity of {k} thousand tons.",
]


def make_document(rng: random.Random, n_sentences: int) -> str:
    title = f"{rng.choice(COMPANIES)} reports {rng.choice(METALS)} results for {rng.choice(PLACES)}"
    day = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2019, 2026)}"
    body = []
    for i in range(n_sentences):
        year = rng.randint(2015, 2026)
        body.append(rng.choice(SENTENCES).format(
            company=rng.choice(COMPANIES), place=rng.choice(PLACES), metal=rng.choice(METALS), person=rng.choice(PEOPLE),
            n=rng.randint(10, 90000), p=round(rng.uniform(0.5, 40), 1), dir=rng.choice(["up", "down"]), year=year,
            year2=year + rng.randint(1, 4), month=rng.choice(MONTHS), m=rng.randint(5, 900), q=rng.randint(2, 11),
            price=round(rng.uniform(20, 95), 2), k=rng.randint(2, 60), k2=rng.randint(2, 200)))
        if i % 6 == 5:
            body.append("\n")
    return f"{title}\n{day}\n\n" + " ".join(body).replace(" \n ", "\n\n") + "\n"


def generate(out: Path, chunks: int, seed: int = 7, sentences_per_doc: int = 120) -> list[Path]:
    """About `chunks` chunks at the default chunk size (~6 sentences a chunk)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    docs = max(1, round(chunks * 6.4 / sentences_per_doc))
    paths = []
    for i in range(docs):
        path = out / f"note_{i:06d}.txt"
        path.write_text(make_document(rng, sentences_per_doc), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--chunks", type=int, default=10000)
    args = ap.parse_args()
    print(f"{len(generate(args.out, args.chunks))} files written to {args.out}")
