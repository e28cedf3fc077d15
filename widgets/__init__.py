"""ipywidgets forms that fill the same specs as the YAML bodies.

See README.md, "Forms"; each magic's keys are in docs/.
"""
