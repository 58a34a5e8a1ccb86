"""pumpspec: an insulin-pump safety DSL, its prover, and its code generators."""

__version__ = "0.1.0"
