"""Runnable example apps; each module's docstring says what it shows and how to run it."""
