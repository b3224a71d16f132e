"""Thin web glue: binds each /api request to its tenant and turns every error into JSON."""
