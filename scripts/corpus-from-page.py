#!/usr/bin/env python3
"""Turns a First Agenda publication page (the HTML a municipality's agenda site serves, as
saved by a scraper) into the structure corpus's neutral form (evals/corpus/README.md): each
agenda row's number, case number, title and the item's case text (`div.punkt`) exactly as
served. Nothing is rewritten; the item HTML is cut out of the page by balanced <div> counting.

usage: scripts/corpus-from-page.py PAGE.html --committee NAME --date YYYY-MM-DD --name Referat [--finished] > OUT.json
"""
import argparse, html, json, re, sys


def balanced_div(s, start):
    """The inner HTML of the <div …> opening at `start`."""
    open_end = s.index(">", start) + 1
    depth, i = 1, open_end
    for m in re.finditer(r"<div\b|</div\s*>", s[open_end:], re.I):
        depth += -1 if m.group(0).startswith("</") else 1
        if depth == 0:
            return s[open_end:open_end + m.start()]
    raise ValueError("unbalanced <div> at %d" % start)


def text(fragment):
    return html.unescape(re.sub(r"<[^>]*>", "", fragment)).strip()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("page")
    p.add_argument("--committee", required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--name", default="Dagsorden")
    p.add_argument("--finished", action="store_true")
    a = p.parse_args()
    s = open(a.page, encoding="utf-8").read()
    rows = [m.start() for m in re.finditer(r'<tr class="punktrow', s)]
    items = []
    for k, start in enumerate(rows):
        end = rows[k + 1] if k + 1 < len(rows) else len(s)
        row = s[start:end]
        number = text(re.search(r'<span class="label label-default">(.*?)</span>', row, re.S).group(1))
        title = text(re.search(r'<h2 class="overskrift[^"]*"[^>]*>(.*?)</h2>', row, re.S).group(1))
        case = re.search(r'<span class="sagsnummer">(.*?)</span>', row, re.S)
        punkt = re.search(r'<div class="punkt">', row)
        body = balanced_div(row, punkt.start()) if punkt else ""
        items.append({"number": number, "caseNumber": text(case.group(1)) if case else None, "title": title,
                      "isOpen": punkt is not None, "html": body})
    json.dump({"committee": a.committee, "date": a.date, "documentName": a.name, "finished": a.finished, "items": items},
              sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
