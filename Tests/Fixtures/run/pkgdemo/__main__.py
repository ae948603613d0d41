import sys

print("pkgdemo main", __name__, sys.argv)
