# Tasks for timeline; `just --list` shows them.

# Run the whole test suite.
test *args:
    python -m pytest {{args}}

# Lint and type-check.
lint:
    ruff check .
    ruff format --check .
    mypy

# Format the code.
fmt:
    ruff format .
    ruff check --fix .

# Show the main job on the bundled dataset.
demo:
    timeline team meta --as-of 2024-08
    timeline team meta --as-of 2024-08 --known-at 2025-05-26
    timeline leaders fair --as-of 2025-06

# Rebuild the bundled log from its input batches into OUT (compare with events/meta.jsonl).
dataset out="/tmp/meta.jsonl":
    rm -f {{out}} {{out}}.duckdb {{out}}.duckdb.lock
    timeline --log {{out}} init
    timeline --log {{out}} append --recorded-at 2025-05-26T12:00:00Z events/inputs/meta/01-article.jsonl
    timeline --log {{out}} append --recorded-at 2025-06-15T00:00:00Z events/inputs/meta/02-sources.jsonl
    timeline --log {{out}} append --recorded-at 2025-06-20T00:00:00Z events/inputs/meta/03-corrections.jsonl
    timeline --log {{out}} append --recorded-at 2025-11-30T00:00:00Z events/inputs/meta/04-pineau-cohere.jsonl

# Benchmark against the floor and the peers: smoke (2k), 10k, 100k, 1m, or 10m (opt-in, long).
bench size="smoke" *args:
    python -m benchmarks.run --size {{size}} {{args}}
