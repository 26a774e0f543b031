"""openlive: a self-hosted server for the Live API (BidiGenerateContent)."""

__version__ = "0.1.0"
