"""Connections opened in a loop and kept in a list, never closed; one more left inside a transaction."""
import sqlite3

kept = []
for number in range(12):
    connection = sqlite3.connect(":memory:")
    connection.execute("SELECT ?", (number,)).fetchone()
    kept.append(connection)


def open_and_forget():
    # Collected when the function returns: closed by the garbage collector, not by the program.
    sqlite3.connect(":memory:").execute("SELECT 1").fetchone()


for _ in range(3):
    open_and_forget()

ledger = sqlite3.connect(":memory:")
ledger.execute("CREATE TABLE entries (amount REAL)")
ledger.execute("INSERT INTO entries (amount) VALUES (?)", (12.5,))  # never committed
print("kept", len(kept), "in transaction", ledger.in_transaction)
