"""regex: scan a generated log for patterns."""
import re

lines = [f"2026-11-22 12:{i % 60:02d}:{i % 59:02d} host{i % 17} GET /api/v1/items/{i} status={200 + i % 5} {i * 3}ms"
         for i in range(40_000)]
text = "\n".join(lines)
pattern = re.compile(r"host(\d+) GET (/api/v1/items/\d+) status=(\d+) (\d+)ms")
slow = 0
for _ in range(40):
    for match in pattern.finditer(text):
        if int(match.group(4)) > 60_000:
            slow += 1
print(slow)
