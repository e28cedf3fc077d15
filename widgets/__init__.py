"""ipywidgets forms that fill the same specs as the YAML bodies (SPEC section 9)."""
