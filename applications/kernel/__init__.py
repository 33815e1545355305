"""The park kernel: park scope (which parks a user reaches), API tokens, how an API caller is
identified, and idempotent API writes. With ``applications.models`` it is all that ``accounting``
may import from ``applications`` (an import-linter contract in pyproject.toml holds it); it imports
nothing of ``applications`` but the models, and nothing of ``accounting``."""
