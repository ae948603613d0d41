"""A slow join on a database file: orders matched to customers on an expression no index serves (a scan of the
customers of one region per order), then a slow INSERT ... SELECT of the same shape. With the argument `open`
the connection is still open at the end; else it is closed and --explain reads the file again."""
import os
import sqlite3
import sys
import tempfile

database = os.path.join(tempfile.mkdtemp(), "shop.db")
connection = sqlite3.connect(database)
connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, code TEXT, region TEXT)")
connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_code TEXT, amount REAL)")
connection.executemany("INSERT INTO customers (code, region) VALUES (?, ?)",
                       [(f"C{n}", "north" if n % 2 else "south") for n in range(1000)])
connection.executemany("INSERT INTO orders (customer_code, amount) VALUES (?, ?)",
                       [(f"c{n}", n * 0.5) for n in range(1000)])
connection.commit()
total = connection.execute(
    "SELECT sum(o.amount) FROM orders o JOIN customers c ON lower(c.code) = lower(o.customer_code) AND c.region = ? "
    "WHERE o.amount > ?", ("north", 0)).fetchone()[0]
print("total", total)
connection.execute(
    "INSERT INTO orders (customer_code, amount) SELECT o.customer_code, 1.0 FROM orders o "
    "JOIN customers c ON lower(c.code) = lower(o.customer_code) AND c.region = ?", ("north",))
connection.commit()
print("orders", connection.execute("SELECT count(*) FROM orders").fetchone()[0])
print("database", database)
if sys.argv[1:] != ["open"]:
    connection.close()
