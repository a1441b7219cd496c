"""ballot: end-to-end verifiable online voting for trade unions."""

__version__ = "0.1.0"
