"""Assert that a rendered page carries no live markup a user could have injected."""

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not (attrs.get("src") or "").startswith("/static/"):
            self.problems.append(f"inline or foreign <script> {attrs}")
        if tag in {"svg", "img", "iframe", "object", "embed", "style"}:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")


def live_html_problems(page: str) -> list[str]:
    collector = _Collector()
    collector.feed(page)
    return collector.problems
