CALLBACKS = []

def run():
    data = list(range(5))

    def callback():
        return sum(data)

    CALLBACKS.append(callback)
