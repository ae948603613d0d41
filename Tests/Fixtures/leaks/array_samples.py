# Grows in place without making objects: an array.array of doubles gains two samples per call.
import array

LATENCIES = array.array("d")


def run():
    LATENCIES.append(0.25)
    LATENCIES.append(0.5)
