"""Pure-Python CPU: integer arithmetic in nested loops."""
def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


print(max(collatz_steps(i) for i in range(1, 150_000)))
