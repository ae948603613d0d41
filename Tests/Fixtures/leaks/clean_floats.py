def run():
    values = [float(i) * 1.5 for i in range(200000)]
    del values
