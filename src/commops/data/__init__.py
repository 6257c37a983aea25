"""Packaged data: the starter configuration."""
