def run():
    """Clean: allocates, then frees."""
    data = [str(i) for i in range(50)]
    return len(data)
