CONFIG = {}


def run():
    return CONFIG["missing"]
