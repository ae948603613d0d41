"""Module-level state for the leak fixtures."""
kept = []


def remember(value):
    kept.append({"value": value})        # grows for ever: the leak
    return len(kept)
