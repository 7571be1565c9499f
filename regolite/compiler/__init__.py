"""The compiler: Rego modules to Python source, exec'd once (see writer.py for how source is written)."""
