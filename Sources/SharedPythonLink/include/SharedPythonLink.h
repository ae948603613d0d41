// Nothing to import: see shared_python_link.c.
