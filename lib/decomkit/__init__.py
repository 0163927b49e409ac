"""decomkit: retire enterprise apps safely, with a verifiable trail per app."""

__version__ = "0.1.0"
