"""The IPython faces of dbx_architect: one magics class per topic."""
