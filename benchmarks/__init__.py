"""Measure timeline at scale against a bare DuckDB floor, a naive loader and a peer library."""
