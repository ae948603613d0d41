"""SQL text folded to one form per statement: literals and placeholders become `?`, `IN (?, ?, ?)` of any length
and repeated `VALUES (...), (...)` rows become one group, comments go, whitespace folds to one space.

A small tokenizer, not regular expressions: quotes, comments and dollar-quoted strings are read as the database
reads them, so a `?` or `--` inside a string literal never cuts the statement.
"""

_DIGITS = "0123456789"
_WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789$"
_SPACE = " \t\r\n\f\v"
_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE")


def _tokens(sql):
    """Yields folded tokens: words and identifiers as written, every literal or placeholder as "?"."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in _SPACE:
            i += 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == "'":
            i = _quoted_end(sql, i, "'")
            yield "?"
        elif c == '"' or c == "`":
            end = _quoted_end(sql, i, c)
            yield sql[i:end]  # a quoted identifier: part of the statement's shape
            i = end
        elif c == "$" and i + 1 < n and sql[i + 1] in _DIGITS:  # $1: PostgreSQL's numbered parameter
            i += 2
            while i < n and sql[i] in _DIGITS:
                i += 1
            yield "?"
        elif c == "$":
            tag_end = sql.find("$", i + 1)
            tag = sql[i:tag_end + 1] if tag_end > 0 else ""
            if tag and all(ch in _WORD for ch in tag[1:-1]):  # $tag$ ... $tag$: a dollar-quoted string
                end = sql.find(tag, tag_end + 1)
                i = n if end < 0 else end + len(tag)
                yield "?"
            else:
                i += 1
                yield "$"
        elif c in _DIGITS or (c == "." and i + 1 < n and sql[i + 1] in _DIGITS):
            i += 1
            while i < n and (sql[i] in _DIGITS or sql[i] in ".eE" or
                             (sql[i] in "+-" and sql[i - 1] in "eE")):
                i += 1
            yield "?"
        elif c in _WORD:
            start = i
            while i < n and sql[i] in _WORD:
                i += 1
            yield sql[start:i]
        elif c == "?":
            i += 1
            while i < n and sql[i] in _DIGITS:  # ?1 (sqlite's numbered form)
                i += 1
            yield "?"
        elif c == ":" and i + 1 < n and sql[i + 1] in _WORD and sql[i + 1] not in _DIGITS and (i == 0 or sql[i - 1] != ":"):
            i += 1
            while i < n and sql[i] in _WORD:  # :name (sqlite, SQLAlchemy text())
                i += 1
            yield "?"
        elif c == ":" and sql.startswith("::", i):  # PostgreSQL's cast
            i += 2
            yield "::"
        elif c == "%" and sql.startswith("%s", i):
            i += 2
            yield "?"
        elif c == "%" and sql.startswith("%(", i):
            end = sql.find(")s", i)
            i = n if end < 0 else end + 2
            yield "?"
        else:
            i += 1
            yield c


def _quoted_end(sql, start, quote):
    """Index after the closing quote; a doubled quote is an escaped one."""
    i, n = start + 1, len(sql)
    while i < n:
        if sql[i] == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        if sql[i] == "\\" and quote == "'":  # MySQL/E'' strings: a backslash escapes the next character
            i += 2
            continue
        i += 1
    return n


def _fold_groups(tokens):
    """`IN ( ? , ? , ? )` -> `IN ( ? )`, and `(…), (…)` repeated identical groups -> one group."""
    out = []
    for token in tokens:
        out.append(token)
        if token == ")":
            # ( ? , ? , … ) : keep one placeholder
            j = len(out) - 2
            only_values = j >= 0 and out[j] == "?"
            while j >= 0 and out[j] != "(":
                if out[j] not in ("?", ","):
                    only_values = False
                    break
                j -= 1
            if only_values and j >= 1 and out[j - 1].upper() == "IN" and len(out) - j > 3:
                del out[j + 1:]
                out.extend(("?", ")"))
            # ( … ) , ( … ): the same group twice in a row is one
            close = len(out) - 1
            open_ = _matching_open(out, close)
            if open_ is not None and open_ >= 2 and out[open_ - 1] == "," and out[open_ - 2] == ")":
                prev_close = open_ - 2
                prev_open = _matching_open(out, prev_close)
                if prev_open is not None and out[prev_open:prev_close + 1] == out[open_:close + 1]:
                    del out[open_ - 1:]
    return out


def _matching_open(tokens, close):
    depth = 0
    for j in range(close, -1, -1):
        if tokens[j] == ")":
            depth += 1
        elif tokens[j] == "(":
            depth -= 1
            if depth == 0:
                return j
    return None


def _join(tokens):
    text = []
    for token in tokens:
        if text and not (token in ",)" or text[-1] in "(" or token in (".", "::") or text[-1] in (".", "::")):
            text.append(" ")
        text.append(token)
    return "".join(text).rstrip(" ;")


def normalize(sql):
    """(folded text, verb): verb is SELECT, INSERT, UPDATE, DELETE, REPLACE or the first word upper-cased."""
    tokens = _fold_groups(_tokens(sql))
    verb = ""
    for token in tokens:
        word = token.upper()
        if word in _VERBS:
            verb = word
            break
        if not verb and word[:1].isalpha():
            verb = word
            if word != "WITH" and word != "EXPLAIN":
                break
    return _join(tokens), verb


def is_single(sql):
    """True when the text is one statement (a trailing `;` allowed): what `--explain` may prefix with EXPLAIN
    (`EXPLAIN SELECT 1; DROP TABLE t` would explain the first and run the second)."""
    tokens = list(_tokens(sql))
    while tokens and tokens[-1] == ";":
        tokens.pop()
    return bool(tokens) and ";" not in tokens
