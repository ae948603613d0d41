class Bus:
    def __init__(self):
        self.listeners = []

    def subscribe(self, listener):
        self.listeners.append(listener)

BUS = Bus()

class Widget:
    def on_event(self, event):
        return event

def run():
    widget = Widget()
    BUS.subscribe(widget.on_event)
