"""json: encode and decode a nested document repeatedly."""
import json

document = {"users": [{"id": i, "name": f"user{i}", "tags": ["a", "b", "c"], "score": i * 1.5,
                       "active": i % 2 == 0} for i in range(2_000)]}
size = 0
for _ in range(200):
    text = json.dumps(document)
    size += len(json.loads(text)["users"])
print(size)
