LOCAL = "local random.py"
