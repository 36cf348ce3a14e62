"""``generate_load_data``: the benchmarks' data generator, which lives with them in bench/."""

from bench.load_data import Command

__all__ = ["Command"]
