"""The answer engine: a question in, a cited answer out. Knows nothing of HTTP."""
