class Recorder:
    history = []

    def record(self, value):
        Recorder.history.append({"value": value})

def run():
    Recorder().record(42)
