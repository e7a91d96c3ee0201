"""The docs and the binary name the same routes and flags.

Code side, from the real binary: `tidemark --help` lists the commands,
`tidemark CMD --help` each command's flags, `tidemark routes` the HTTP
route table of `serve`. Docs side, README.md and docs/*.md:
  - a route is an inline code span `METHOD[|METHOD...] /path...` (a path
    parameter as {name}, anything after ? or [ is its query);
  - a flag is an inline code span beginning with `--name`, or any `--name`
    in a `tidemark CMD ...` example (inline or in a code block), which must
    be a flag of CMD.
Every documented route must exist with those methods, every route must be
documented with each of its methods (HEAD aside, which GET implies), every
documented flag must exist, and every flag of every command must be
documented. Also: `--help` names a default for every flag, `--version`
prints one line, and the README links every docs page."""
import os
import re
import tmlib as T

DOCS = os.path.join(T.REPO, "docs")
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")


def doc_files():
    files = [os.path.join(T.REPO, "README.md")]
    files += sorted(os.path.join(DOCS, f) for f in os.listdir(DOCS) if f.endswith(".md"))
    return files


def split_markdown(text):
    """(inline code spans, code block lines) of a Markdown text: a line
    indented 4 spaces or more, or inside ``` fences, is code."""
    prose, blocks, fenced = [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced or line.startswith("    "):
            blocks.append(line.strip())
        else:
            prose.append(line)
    # a span may wrap onto the next line; ``x`` spans may hold a backtick
    spans = [" ".join((m.group(1) or m.group(2)).split())
             for m in re.finditer(r"``\s?(.+?)\s?``|`([^`]+)`", "\n".join(prose), re.S)]
    return spans, blocks


FLAG_RE = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")
GLOBAL = {"help", "version"}  # `tidemark --help`, `tidemark --version`: no command's flags


def invocation(text, commands):
    """(command, the words after it) of a `tidemark ...` in text, or None;
    plain `tidemark --flag` is serve."""
    m = re.search(r"(?:^|[\s$(/])tidemark((?:\s+\S+)*)", text)
    if not m:
        return None
    words = m.group(1).split()
    if words and words[0] in commands:
        return words[0], " ".join(words[1:])
    return "serve", " ".join(words)


def flag_claims(spans, blocks, commands):
    """[(command or None, flag)]: None when the docs do not say whose."""
    out = []
    for text, is_span in [(s, True) for s in spans] + [(b, False) for b in blocks]:
        inv = invocation(text.split(" #")[0], commands)
        if inv:
            out += [(inv[0], f) for f in FLAG_RE.findall(inv[1]) if f not in GLOBAL]
        elif is_span and FLAG_RE.match(text):
            out.append((None, FLAG_RE.match(text).group(1)))
    return out


def route_claims(spans):
    """[(methods, path, is_prefix)] of spans such as `GET|POST /render?target=`."""
    out = []
    for s in spans:
        m = re.match(r"^((?:%s)(?:\|(?:%s))*) (/\S*)" % ("|".join(METHODS), "|".join(METHODS)), s)
        if not m:
            continue
        path = re.split(r"[?\[]", m.group(2))[0]
        prefix = "{" in path
        if prefix:
            path = path[:path.index("{")]
        out.append((set(m.group(1).split("|")), path, prefix))
    return out


def code_commands(t):
    r = t.cli(["--help"])
    t.require(r.returncode == 0, "tidemark --help exits 0")
    sect = r.stdout.split("commands:", 1)
    t.require(len(sect) == 2, "tidemark --help has a commands: section")
    cmds = re.findall(r"^  ([a-z]+)\s", sect[1].split("\n\n")[0], re.M)
    t.require("serve" in cmds, "serve is among the commands: %r" % cmds)
    return cmds


def code_flags(t, cmds):
    flags = {}
    for c in cmds:
        r = t.cli([c, "--help"])
        t.require(r.returncode == 0, "tidemark %s --help exits 0" % c)
        lines = re.findall(r"^\s+--([a-z][a-z0-9-]*)\b(.*)$", r.stdout, re.M)
        flags[c] = {n for n, _ in lines}
        for n, rest in lines:
            t.check("(default: " in rest, "tidemark %s --help names the default of --%s: %r" % (c, n, rest.strip()))
    return flags


def code_routes(t):
    r = t.cli(["routes"])
    t.require(r.returncode == 0 and r.stdout.strip(), "tidemark routes prints the table: %r" % r.stderr)
    routes = {}
    for line in r.stdout.splitlines():
        methods, path, access = line.split()
        t.check(access in ("public", "read", "write"), "route %s has an access: %r" % (path, access))
        prefix = path.endswith("*")
        key = (path.rstrip("*"), prefix)
        routes.setdefault(key, set()).update(methods.split("|"))
    return routes


def main(t):
    cmds = code_commands(t)
    flags = code_flags(t, cmds)
    routes = code_routes(t)
    all_flags = set().union(*flags.values())

    doc_flags, doc_routes = [], []
    texts = {}
    for f in doc_files():
        with open(f, encoding="utf-8") as fh:
            texts[f] = fh.read()
        spans, blocks = split_markdown(texts[f])
        doc_flags += [(os.path.relpath(f, T.REPO), c, n) for c, n in flag_claims(spans, blocks, cmds)]
        doc_routes += [(os.path.relpath(f, T.REPO),) + x for x in route_claims(spans)]

    t.step("every documented flag exists")
    for f, c, n in doc_flags:
        if c is None:
            t.check(n in all_flags or n in GLOBAL, "%s: --%s is no flag of any command" % (f, n))
        else:
            t.check(n in flags.get(c, ()), "%s: --%s is no flag of tidemark %s" % (f, n, c))

    t.step("every flag is documented")
    for c, names in flags.items():
        for n in sorted(names):
            t.check(any(dn == n and dc in (c, None) for _, dc, dn in doc_flags),
                    "tidemark %s --%s is in no docs page" % (c, n))

    t.step("every documented route exists")
    documented = {}
    for f, methods, path, prefix in doc_routes:
        have = routes.get((path, prefix))
        if not t.check(have is not None, "%s: %s %s%s is no route (see `tidemark routes`)" %
                       (f, "|".join(sorted(methods)), path, "{...}" if prefix else "")):
            continue
        t.check(methods <= have, "%s: %s takes %s, not %s" % (f, path, sorted(have), sorted(methods - have)))
        documented.setdefault((path, prefix), set()).update(methods)

    t.step("every route is documented")
    for (path, prefix), methods in sorted(routes.items()):
        got = documented.get((path, prefix), set())
        missing = methods - got - {"HEAD"}
        t.check(not missing, "route %s %s%s is in no docs page" %
                ("|".join(sorted(missing)), path, "{...}" if prefix else ""))

    t.step("--version, and the README links every page")
    r = t.cli(["--version"])
    t.check(r.returncode == 0 and re.match(r"^tidemark \d+\.\d+\.\d+\S*\n$", r.stdout),
            "tidemark --version prints one line: %r" % r.stdout)
    readme = texts[os.path.join(T.REPO, "README.md")]
    for f in sorted(os.listdir(DOCS)):
        if f.endswith(".md"):
            t.check("(docs/%s)" % f in readme, "README links docs/%s" % f)
    for f, text in texts.items():
        for link in re.findall(r"\]\(([^)#:]+\.(?:md|png))(?:#[^)]*)?\)", text):
            target = os.path.normpath(os.path.join(os.path.dirname(f), link))
            t.check(os.path.exists(target), "%s links %s, which exists" % (os.path.relpath(f, T.REPO), link))


T.run(main)
