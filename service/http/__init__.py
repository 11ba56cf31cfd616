"""The HTTP layer: the FastAPI app, its routes, limits, security and the widget."""
