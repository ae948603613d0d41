import alpha  # imports beta (a version conflict) and tries gamma (not installed)

print("imported", alpha.DISTRIBUTION)
