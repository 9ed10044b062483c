"""Generated cases and the invariants every document must keep on them (tests, soak runs)."""
