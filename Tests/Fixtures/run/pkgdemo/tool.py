import sys

if __name__ == "__main__":
    print("tool", sys.argv[1:])
