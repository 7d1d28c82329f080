#!/usr/bin/env python3
"""includes.py - the layout rules of STYLE.md §1 that a compiler does not check.

 1. Project includes name their folder: "hdl/hdl.h", resolved against the include roots
    registry/, resolver/, tools/ (tests also tests/unit/); a bare name is allowed only for
    the registry API at the top of registry/ (reg.h, jrn.h, pfx.h, audit.h).
 2. Dependencies point one way: registry includes nothing from resolver/ or tools/, resolver
    nothing from tools/.
 3. No include cycles between modules. A module is a header and the .c files implementing it:
    X.c and X_int.h belong to X.h; a .c without a header of its own (hdl_req.c) to the module
    of its first project include when that is X.h beside it and the name starts with X_.
 4. Foreign headers stay where STYLE.md puts them: lmdb.h only in registry/store/store.c,
    openssl/ only in registry/base/crypto{,_key}.c and resolver/net/tls.[ch], event2/ only in
    resolver/, curl/ (libcurl) only in resolver/client/httpc.c (its header keeps curl out), the
    label libraries (qrencode.h, zint.h, png.h) only in tools/common/label.c.
Prints every violation and exits 1 if there is one.
"""
import os
import re
import sys

CURL_USERS = ('resolver/client/httpc.c',)

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
top = os.path.abspath(top)
ROOTS = ['registry', 'resolver', 'tools']
INC = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]', re.M)
problems = []


def sources():
    for area in ROOTS + ['tests']:
        for d, _, files in os.walk(os.path.join(top, area)):
            if 'node_modules' in d:
                continue
            for f in files:
                if f.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(d, f), top)


def resolve(name, src):
    roots = ROOTS + (['tests/unit'] if src.startswith('tests/') else [])
    for r in roots:
        if os.path.isfile(os.path.join(top, r, name)):
            return os.path.join(r, name)
    return None


def module_of_header(path):
    d, f = os.path.split(path)
    stem = f[:-2]
    if stem.endswith('_int'):
        stem = stem[:-4]
    return os.path.join(d, stem)


files = sorted(sources())
incs = {}
for src in files:
    text = open(os.path.join(top, src), encoding='utf-8').read()
    incs[src] = []
    for kind, name in INC.findall(text):
        if kind == '<':
            if name == 'lmdb.h' and src not in ('registry/store/store.c', 'tests/bench/bench_get.c'):
                problems.append('%s: includes <lmdb.h> (only registry/store/store.c may)' % src)
            if name.startswith('openssl/') and not (
                    src in ('registry/base/crypto.c', 'registry/base/crypto_key.c', 'resolver/net/tls.c',
                            'resolver/net/tls.h')
                    or src.startswith('tests/')):
                problems.append('%s: includes <%s> (OpenSSL stays in base/crypto.c and net/tls)'
                                % (src, name))
            if name.startswith('curl/') and src not in CURL_USERS:
                problems.append('%s: includes <%s> (libcurl only in %s)'
                                % (src, name, ' and '.join(CURL_USERS)))
            if name in ('qrencode.h', 'zint.h', 'png.h', 'pngconf.h') and \
                    src != 'tools/common/label.c':
                problems.append('%s: includes <%s> (label libraries only in tools/common/label.c)'
                                % (src, name))
            if name.startswith('event2/') and not (src.startswith('resolver/') or
                                                   src.startswith('tests/')):
                problems.append('%s: includes <%s> (libevent only in resolver/)' % (src, name))
            continue
        target = resolve(name, src)
        if target is None:
            local = os.path.join(os.path.dirname(src), name)
            if src.startswith('tests/') and os.path.isfile(os.path.join(top, local)):
                continue  # a test's own helper beside it
            problems.append('%s: #include "%s" does not name a file under %s' %
                            (src, name, ', '.join(ROOTS)))
            continue
        if '/' not in name and not target.startswith('registry/'):
            problems.append('%s: #include "%s" should name its folder' % (src, name))
        if src.startswith('registry/') and not target.startswith('registry/'):
            problems.append('%s: registry includes %s (dependencies point registry <- resolver '
                            '<- tools)' % (src, target))
        if src.startswith('resolver/') and target.startswith('tools/'):
            problems.append('%s: resolver includes %s' % (src, target))
        incs[src].append(target)

# module graph over the library sources (tests are leaves and cannot be part of a cycle)
mod = {}
for src in files:
    if not src.startswith(tuple(r + '/' for r in ROOTS)):
        continue
    if src.endswith('.h'):
        mod[src] = module_of_header(src)
    elif os.path.isfile(os.path.join(top, src[:-2] + '.h')):
        mod[src] = src[:-2]
    else:
        # hdl_req.c implements hdl/hdl.h: its first include, when the names say so
        first = incs[src][0] if incs[src] else None
        stem = os.path.basename(src)[:-2]
        fm = module_of_header(first) if first else None
        ok = fm and os.path.dirname(fm) == os.path.dirname(src) and \
            stem.startswith(os.path.basename(fm) + '_')
        mod[src] = fm if ok else src[:-2]
edges = {}
for src, m in mod.items():
    for t in incs[src]:
        tm = mod.get(t)
        if tm is not None and tm != m:
            edges.setdefault(m, set()).add(tm)

state = {}
stack = []


def visit(m):
    state[m] = 1
    stack.append(m)
    for n in sorted(edges.get(m, ())):
        if state.get(n) == 1:
            cyc = stack[stack.index(n):] + [n]
            problems.append('include cycle: ' + ' -> '.join(cyc))
        elif n not in state:
            visit(n)
    stack.pop()
    state[m] = 2


for m in sorted(set(mod.values())):
    if m not in state:
        visit(m)

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print('includes: %d files, %d modules, no cycles' % (len(files), len(set(mod.values()))))
