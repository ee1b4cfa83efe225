"""Empty for now: its place in the layers is declared in pyproject.toml."""
