"""Spec models: the YAML body of each magic, validated (pydantic is imported lazily)."""
