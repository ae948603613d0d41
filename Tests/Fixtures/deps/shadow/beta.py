LOCAL = "local beta.py"
