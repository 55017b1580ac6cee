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

# Rebuild events/meta.jsonl from its input batches (only for a new dataset: the log is append-only).
dataset:
    python -m timeline._dataset events/inputs/meta events/meta.jsonl
