# Keeps about 20 MiB at one line (200,000 strings of ~100 bytes), churns much more at another and frees it,
# and lets a library (json) allocate on the user's behalf.
import json

kept = []


def keep():
    for i in range(200_000):
        kept.append("x" * 60 + str(i))  # KEPT_LINE


def churn():
    total = 0
    for _ in range(200):
        floats = [float(j) for j in range(10_000)]  # CHURN_LINE
        total += len(floats)
    return total


def encode():
    return json.dumps([{"key": i, "value": str(i)} for i in range(50_000)])  # LIBRARY_LINE


keep()
churn()
text = encode()
del text
print("done")
