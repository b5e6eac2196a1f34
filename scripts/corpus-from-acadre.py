#!/usr/bin/env python3
"""Turns an Acadre agenda export (the XML OS2dagsorden imports: agendaitem tables with their
"bullet" fields) into the structure corpus's neutral form (evals/corpus/README.md). Each item's
case text is its bullets in their order, each as <h3>name</h3> followed by its HTML content —
as OS2dagsorden shows them; the content is the export's own HTML, unchanged.

usage: scripts/corpus-from-acadre.py EXPORT.xml > OUT.json
"""
import json, sys
import xml.etree.ElementTree as ET


def fields(table):
    out = {}
    f = table.find("fields")
    if f is None:
        return out
    for field in f.findall("field"):
        out[field.get("name")] = field.text or ""
    return out


def main():
    root = ET.parse(sys.argv[1]).getroot()
    agenda = fields(root.find("table[@name='agenda']"))
    committee = fields(root.find(".//table[@name='committee']"))
    meeting = fields(root.find(".//table[@name='meeting']"))
    items = []
    for n, parent in enumerate(root.iter("table"), start=0):
        if parent.get("name") != "agendaitemparents":
            continue
        item_table = parent.find("table[@name='agendaitem']")
        item = fields(item_table)
        bullets = sorted((fields(b) for b in item_table.findall("table[@name='bullet']")), key=lambda b: int(b.get("bulletsortorder") or 0))
        html = "".join("<h3>%s</h3>%s" % (b.get("bulletname", ""), b.get("bulletcontent", "")) for b in bullets)
        items.append({"number": str(len(items) + 1), "caseNumber": item.get("caseno"), "title": item.get("name"),
                      "isOpen": item.get("accessname") == "Åben", "html": html})
    json.dump({"committee": committee.get("name"), "date": (meeting.get("date") or "")[:10], "documentName": agenda.get("name"),
               "finished": agenda.get("name", "").lower().startswith("referat"), "items": items}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
