#!/usr/bin/env python3
"""Lists the functions of the Rust sources longer than a limit, longest first.

usage: .ci/fn-lengths.py [--max N] [--exclude DIR ...] [ROOT ...]   (default: src, 120)

A function's length is the number of lines from its `fn` line to its closing brace. Test code
is left out: `#[cfg(test)]` modules and items, and files under tests/. Strings, character
literals and comments are skipped when braces are matched. Exit status 1 when a function is
longer than --max.
"""
import argparse
import os
import re
import sys

FN = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+"[^"]*"\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)')


def code_only(text):
    """The text with strings, chars and comments blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j]))
            i = j
        elif c == 'r' and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = '"' + hashes
            j = text.find(end, i + len(hashes) + 2)
            j = n if j < 0 else j + len(end)
            out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            j += 1
            out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^'\\])'", text[i:i + 12])
            if m:
                out.append(' ' * len(m.group(0)))
                i += len(m.group(0))
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def functions(path):
    text = open(path, encoding='utf-8').read()
    code = code_only(text)
    lines = code.split('\n')
    # Line ranges of #[cfg(test)] items.
    skip = set()
    for k, l in enumerate(lines):
        if l.strip().startswith('#[cfg(test)]'):
            depth, started = 0, False
            for m in range(k, len(lines)):
                skip.add(m)
                depth += lines[m].count('{') - lines[m].count('}')
                started = started or '{' in lines[m]
                if started and depth <= 0:
                    break
                if not started and lines[m].rstrip().endswith(';') and m > k:
                    break
    for k, l in enumerate(lines):
        m = FN.match(l)
        if not m or k in skip:
            continue
        depth, started = 0, False
        for e in range(k, len(lines)):
            t = lines[e]
            if not started and '{' not in t and t.rstrip().endswith(';'):
                break  # a declaration without a body
            depth += t.count('{') - t.count('}')
            started = started or '{' in t
            if started and depth <= 0:
                yield m.group(7), k + 1, e - k + 1
                break


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--max', type=int, default=120)
    ap.add_argument('--exclude', action='append', default=[])
    ap.add_argument('--all', action='store_true', help='list every function, not only long ones')
    ap.add_argument('roots', nargs='*', default=['src'])
    a = ap.parse_args()
    found = []
    for root in a.roots:
        for d, _, files in os.walk(root):
            if any(os.path.normpath(d).startswith(os.path.normpath(x)) for x in a.exclude):
                continue
            for f in files:
                if f.endswith('.rs'):
                    p = os.path.join(d, f)
                    found += [(n, p, line, name) for name, line, n in functions(p)]
    found.sort(reverse=True)
    long = [f for f in found if f[0] > a.max]
    for n, p, line, name in (found if a.all else long):
        print(f'{n:5} {p}:{line} {name}')
    return 1 if long else 0


if __name__ == '__main__':
    sys.exit(main())
