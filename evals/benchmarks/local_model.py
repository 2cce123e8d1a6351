"""Measure the embedded model: speed per thread count under CPU load, and the KV-cache prefix gain.

``threads``: prompt and decode tokens/s of a persona-sized prompt for each (decode threads,
prompt threads) pair, on a quiet CPU and with one and two busy-loop processes started by this
script; ratios are against the pair llama.cpp picks by default on the quiet CPU.
``prefix``: seconds to evaluate persona prompts (``max_tokens=1``) that share the system
message (segment context) with the previous call, against prompts that share nothing;
alternating two segments, without and with ``LlamaRAMCache``; and the schema instruction
moved from the last message into the system message (how much of the prompt is then shared).
The machine's load average is printed with each row: a shared machine is never quite quiet.

    python evals/benchmarks/local_model.py --section all
    python evals/benchmarks/local_model.py --model smollm2-135m --section threads
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from prompts import persona_generation as prompts
from prompts.structured_output import SCHEMA_INSTRUCTION
from tools.models.bundled import bundled_path
from tools.models.structured import json_schema

ROOT = Path(__file__).resolve().parents[2]
SEGMENTS = ROOT / "tools" / "data" / "knowledge" / "segments.json"
CONTEXT_CHARS = 350  # as nodes/persona_generation/plan.py cuts each chunk
# name, gender, age, education, occupation, income, location
PROFILES = [
    ("Zofia Kaczmarek", "kobieta", 22, "wyższe", "baristka", "<3000 PLN", "Kraków"),
    ("Marek Zieliński", "mężczyzna", 38, "średnie", "magazynier", "5000-7500 PLN", "Radom"),
    ("Halina Wróbel", "kobieta", 71, "zasadnicze zawodowe", "emerytka", "3000-5000 PLN", "Gdańsk"),
    ("Paweł Lewandowski", "mężczyzna", 29, "wyższe", "programista", ">10000 PLN", "Warszawa"),
    ("Ewa Dąbrowska", "kobieta", 44, "średnie", "księgowa", "7500-10000 PLN", "Poznań"),
    ("Jan Szymański", "mężczyzna", 57, "podstawowe", "kierowca", "<3000 PLN", "Łódź"),
]


class Story(BaseModel):
    """The shape of the persona workflow's answer (its schema instruction's size matters)."""

    background_story: str = Field(min_length=80, max_length=600, description="3-4 zdania.")
    values: list[str] = Field(min_length=3, max_length=5, description="3-5 wartości.")
    interests: list[str] = Field(min_length=3, max_length=6, description="3-6 zainteresowań.")


def default_models_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "sight" / "models"


def segment_system(segment: int, hits: int = 3) -> str:
    """The persona system message of one knowledge-pack segment, as the workflow builds it."""
    entries = json.loads(SEGMENTS.read_text(encoding="utf-8"))["entries"]
    names = sorted({e["id"].split(".")[1] for e in entries})
    name = names[segment % len(names)]
    chunks = [e["text"][:CONTEXT_CHARS] for e in entries if e["id"].split(".")[1] == name]
    context = "\n".join(f"- {c}" for c in chunks[:hits])
    return prompts.SYSTEM.format(segment_name=name.replace("_", " ").title(), context=context)


def persona_message(i: int) -> str:
    """A persona profile like the workflow's human message (its own text: prompts change)."""
    name, gender, age, education, occupation, income, location = PROFILES[i % len(PROFILES)]
    return (
        f"Persona:\n- imię i nazwisko: {name}\n- płeć: {gender}\n- wiek: {age} lat\n"
        f"- wykształcenie: {education}\n- zawód: {occupation}\n"
        f"- dochód netto miesięcznie: {income}\n- miejsce zamieszkania: {location}\n"
        "- Wielka Piątka (0-1): otwartość 0.7, sumienność 0.5, ekstrawersja 0.4, "
        "ugodowość 0.6, neurotyczność 0.3\n"
        "- najważniejsze wartości (Schwartz): życzliwość, bezpieczeństwo, osiągnięcia\n"
        "- wymiary kulturowe Hofstede (0-100): dystans władzy 68, indywidualizm 60, "
        "unikanie niepewności 93\n- pasujące zainteresowania: ogród, rower, seriale, gotowanie"
    )


def schema_instruction() -> str:
    return SCHEMA_INSTRUCTION.format(schema=json.dumps(json_schema(Story), ensure_ascii=False))


def load(path: Path, n_threads: int | None, n_threads_batch: int | None, n_ctx: int = 4096) -> Any:
    from llama_cpp import Llama

    return Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=n_threads,
        n_threads_batch=n_threads_batch,
        verbose=False,
    )


@contextmanager
def busy(processes: int) -> Iterator[None]:
    """Keep ``processes`` CPU-bound busy loops running (each a child of this script)."""
    children = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(processes)]
    try:
        time.sleep(0.5 if children else 0)
        yield
    finally:
        for child in children:
            child.kill()
            child.wait()


def loadavg() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def prompt_and_decode(llama: Any, tokens: list[int], decode: int) -> tuple[float, float]:
    """Tokens/s of evaluating ``tokens`` from an empty cache, then of ``decode`` greedy tokens."""
    llama.reset()
    started = time.perf_counter()
    first = None
    n = 0
    for _token in llama.generate(tokens, temp=0.0, reset=True):
        n += 1
        if first is None:
            first = time.perf_counter()
        if n > decode:
            break
    done = time.perf_counter()
    assert first is not None
    return len(tokens) / (first - started), (n - 1) / (done - first)


def bench_threads(path: Path, decode: int, repeat: int) -> None:
    cores = os.cpu_count() or 1
    pairs = [(1, 1), (2, 2), (1, 2)] if cores >= 2 else [(1, 1)]
    default = (max(cores // 2, 1), cores)  # what llama-cpp-python picks when given None
    text = segment_system(0) + "\n\n" + persona_message(0)
    rows: list[tuple[int, tuple[int, int], str, float, float]] = []
    for pair in pairs:
        llama = load(path, *pair)
        tokens = llama.tokenize(text.encode("utf-8"))
        prompt_and_decode(llama, tokens[:32], 4)  # warm up (page cache, allocations)
        for processes in (0, 1, 2):
            with busy(processes):
                runs = [prompt_and_decode(llama, tokens, decode) for _ in range(repeat)]
                rows.append(
                    (
                        processes,
                        pair,
                        loadavg(),
                        statistics.median(r[0] for r in runs),
                        statistics.median(r[1] for r in runs),
                    )
                )
        del llama
    base = next(r for r in rows if r[0] == 0 and r[1] == default)
    print(
        f"threads: {path.name}, prompt {len(tokens)} tokens, decode {decode} tokens, "
        f"median of {repeat}; baseline = quiet, threads {default} (llama-cpp-python's default)"
    )
    header = (
        f"{'busy procs':>10} {'decode,prompt thr':>17} {'load1':>6} {'prompt tok/s':>13} "
        f"{'x base':>7} {'decode tok/s':>13} {'x base':>7}"
    )
    print(header)
    print("-" * len(header))
    for processes, pair, load1, prompt_tps, decode_tps in rows:
        print(
            f"{processes:>10} {str(pair):>17} {load1:>6} {prompt_tps:>13.1f} "
            f"{prompt_tps / base[3]:>7.2f} {decode_tps:>13.1f} {decode_tps / base[4]:>7.2f}"
        )


def _timed_calls(llama: Any, conversations: list[list[dict[str, str]]]) -> list[float]:
    seconds = []
    for messages in conversations:
        started = time.perf_counter()
        llama.create_chat_completion(messages=messages, max_tokens=1, temperature=0.0)
        seconds.append(time.perf_counter() - started)
    return seconds


def bench_prefix(path: Path, calls: int, threads: int | None) -> None:
    from llama_cpp import LlamaRAMCache

    llama = load(path, threads, None)
    schema = schema_instruction()

    def chat(system: str, i: int, schema_in_system: bool = False) -> list[dict[str, str]]:
        if schema_in_system:
            return [
                {"role": "system", "content": system + "\n\n" + schema},
                {"role": "user", "content": persona_message(i)},
            ]
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": persona_message(i)},
            {"role": "user", "content": schema},
        ]

    system_a, system_b = segment_system(0), segment_system(1)
    sizes = {
        "system": len(llama.tokenize(system_a.encode())),
        "persona": len(llama.tokenize(persona_message(0).encode(), add_bos=False)),
        "schema instruction": len(llama.tokenize(schema.encode(), add_bos=False)),
    }
    scenarios: dict[str, tuple[list[list[dict[str, str]]], bool]] = {
        "distinct prefix each call": (
            [chat(f"Przebieg {i}. " + system_a, i) for i in range(calls)],
            False,
        ),
        "shared system (workflow)": ([chat(system_a, i) for i in range(calls)], False),
        "shared system + schema": ([chat(system_a, i, True) for i in range(calls)], False),
        "alternating 2 segments": (
            [chat(system_a if i % 2 == 0 else system_b, i) for i in range(calls)],
            False,
        ),
        "alternating + RAM cache": (
            [chat(system_a if i % 2 == 0 else system_b, i) for i in range(calls)],
            True,
        ),
    }
    results = {}
    for name, (conversations, ram_cache) in scenarios.items():
        llama.reset()  # each scenario starts from an empty cache
        llama.set_cache(LlamaRAMCache(capacity_bytes=2 << 30) if ram_cache else None)
        results[name] = (loadavg(), _timed_calls(llama, conversations))
    llama.set_cache(None)

    def steady(seconds: list[float]) -> float:
        # The first two calls may find each segment's cache empty; what follows is the run.
        return statistics.mean(seconds[2:])

    base = steady(results["distinct prefix each call"][1])
    print(
        f"prefix: {path.name}, {calls} persona prompts per row (max_tokens=1), "
        f"tokens: {', '.join(f'{k} {v}' for k, v in sizes.items())}; "
        "steady = mean of calls 3.., baseline = distinct prefix each call"
    )
    header = f"{'scenario':<28} {'load1':>6} {'first 2 s':>10} {'steady s':>9} {'x base':>7}"
    print(header)
    print("-" * len(header))
    for name, (load1, seconds) in results.items():
        print(
            f"{name:<28} {load1:>6} {statistics.mean(seconds[:2]):>10.2f} "
            f"{steady(seconds):>9.2f} {base / steady(seconds):>7.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-1.5b", help="qwen2.5-1.5b or smollm2-135m")
    parser.add_argument("--gguf", type=Path, help="another GGUF file instead of --model")
    parser.add_argument("--section", choices=["threads", "prefix", "all"], default="all")
    parser.add_argument("--decode", type=int, default=48, help="tokens decoded per threads run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per threads row (median)")
    parser.add_argument("--calls", type=int, default=6, help="prompts per prefix scenario (>= 3)")
    parser.add_argument("--threads", type=int, default=None, help="decode threads for prefix")
    args = parser.parse_args()
    path = args.gguf or bundled_path(args.model, default_models_dir(), on_start=print)
    if args.section in ("threads", "all"):
        bench_threads(path, args.decode, args.repeat)
    if args.section in ("prefix", "all"):
        bench_prefix(path, args.calls, args.threads)


if __name__ == "__main__":
    main()
