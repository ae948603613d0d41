def fail():
    raise ValueError("boom from fixture")


fail()
