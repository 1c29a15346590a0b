"""A bigger app split into routers; ``AuthJWT`` is configured once, in ``app.py``."""
