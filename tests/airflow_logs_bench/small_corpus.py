"""The size of the small root-cause corpus the tests generate (every kind, both formats, every hard variant)."""

SMALL = {"seed": 11, "per_kind": 1, "big_line_mb": 1.0, "cascade_lines": 300}
