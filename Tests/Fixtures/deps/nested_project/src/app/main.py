import gamma
print("app ran")
