LOCAL = "local json.py"
