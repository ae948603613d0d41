def run():
    data = [{"i": i, "s": str(i)} for i in range(20000)]
    return len(data)
