import logging

log = logging.getLogger("fixture.leaky")

def run():
    handler = logging.NullHandler()
    log.addHandler(handler)
    log.debug("hello")
