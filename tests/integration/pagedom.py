"""The page's DOM as the browser tests read it (test_dashboard.py, test_fleet_dashboard.py):
elements by id and table rows with their cells' exact values (data-value), parsed with the
standard library from what the browser (cdp.py) serialises."""
import html.parser


class Dom(html.parser.HTMLParser):
    """Elements by id (attributes and text), and table rows by table id."""

    def __init__(self, text):
        super().__init__()
        self.ids, self.rows = {}, {}
        self.stack, self.table, self.row = [], None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("br", "input", "meta", "link", "img", "hr"):
            return
        self.stack.append([tag, a, ""])
        if tag == "table":
            self.table = a.get("id")
        if tag == "tr" and self.table:
            self.row = {"attrs": a, "cells": []}
        if tag == "td" and self.row is not None:
            self.row["cells"].append({"value": a.get("data-value"), "text": ""})
        if tag == "a" and self.row is not None and self.row["cells"]:
            self.row["cells"][-1]["href"] = a.get("href")

    def handle_endtag(self, tag):
        if not self.stack:
            return
        t, a, text = self.stack.pop()
        if "id" in a:
            self.ids[a["id"]] = (a, text)
        if self.stack:
            self.stack[-1][2] += text
        if tag == "tr" and self.row is not None:
            if self.row["cells"]:
                self.rows.setdefault(self.table, []).append(self.row)
            self.row = None
        if tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2] += data
        if self.row is not None and self.row["cells"] and any(t[0] == "td" for t in self.stack):
            self.row["cells"][-1]["text"] += data

    def text(self, id_):
        return self.ids.get(id_, ({}, None))[1]

    def attrs(self, id_):
        return self.ids.get(id_, ({}, None))[0]


def dump(page):
    text = page.dom()
    dom = Dom(text)
    dom.raw = text
    return dom


def number(text):
    try:
        return int(text)
    except ValueError:
        return float(text)


def values(row, first=0):
    """The exact numbers of a table row (its cells' data-value)."""
    return [number(cell["value"]) for cell in row["cells"][first:] if cell["value"] is not None]
