"""Generators: from a validated spec and the settings to the context a template renders."""
