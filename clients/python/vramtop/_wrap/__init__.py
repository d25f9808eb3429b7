"""Holds the sitecustomize that `vramtop wrap` puts on PYTHONPATH."""
