"""The HTTP layer: FastAPI lives only here."""
