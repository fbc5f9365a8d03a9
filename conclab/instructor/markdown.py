"""The handout's Markdown: one source for the kit and the handout.

A kit page may hold blocks for one audience only:
  <!-- kit-only -->  ...  <!-- end kit-only -->   dropped from the handout;
  <!-- handout-only                                kept, uncommented, in the handout
  ...                                              only (in the kit it is a comment,
  -->                                              so it never shows there).
A link to a kit file the handout does not carry becomes plain text, so that no link of
the handout is dead. links() and commands() let the handout's check find what a page
promises: its relative links, and the `make TARGET` and `scripts/NAME` it tells to run.
"""
import os
import re

KIT_ONLY = re.compile(r"<!-- kit-only -->.*?<!-- end kit-only -->\n?", re.S)
HANDOUT_ONLY = re.compile(r"<!-- handout-only\n(.*?)-->\n?", re.S)
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
MAKE = re.compile(r"(?<![\w./-])make ([a-z][\w.-]*)")
SCRIPT = re.compile(r"(?<![\w/.-])scripts/([\w.-]+)")


def for_handout(text, page, shipped):
    """The handout's version of a kit page (page: its path in the kit; shipped: the set
    of paths the handout holds)."""
    text = KIT_ONLY.sub("", text)
    text = HANDOUT_ONLY.sub(lambda m: m.group(1), text)

    def unlink(m):
        target = resolve(page, m.group(2))
        return m.group(0) if target is None or target in shipped or \
            any(s.startswith(target.rstrip("/") + "/") for s in shipped) else m.group(1)
    return LINK.sub(unlink, text)


def resolve(page, href):
    """The kit path a relative link of page points to, or None for a URL or an anchor."""
    if re.match(r"^[a-z]+:", href) or href.startswith("#"):
        return None
    target = href.split("#", 1)[0]
    return os.path.normpath(os.path.join(os.path.dirname(page), target)) if target else None


def links(page, text):
    """[(href, kit path)] of the relative links of a page."""
    return [(m.group(2), resolve(page, m.group(2))) for m in LINK.finditer(text)
            if resolve(page, m.group(2))]


CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)


def commands(text):
    """(make targets, script names) that a page tells its reader to run: those in its
    code, inline or in blocks (prose such as "make the program" is not a command)."""
    code = "\n".join(CODE.findall(text))
    return set(MAKE.findall(code)), set(SCRIPT.findall(code))
