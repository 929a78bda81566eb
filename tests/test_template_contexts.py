"""The bundled templates render with every context the engine passes them: the example's real flows, zh and en.

The example workspace (`sheetflow init --sample`: three weeks of purchasing and leasing replayed
through the real passes, then your first pass) reaches almost every mail and document; a few more
steps a person would take reach the rest: an approver rejects a request, a signed request is
edited (the route restarts), fit-out applications are approved and rejected. Everything runs
through the `sheetflow` command with `-v`, whose log names each template file a render used
(`processors.template_problems.note_rendered`), so nothing of ours is replaced or patched.
StrictUndefined is on: a variable a context lacks fails the render, and a failed render is not
logged as rendered. What went out is then read back: every mail template's subject in outbox/,
every document template's title in output/*.pdf.

A bundled template that no flow renders fails `test_every_bundled_mail_template_is_rendered` or
`test_every_document_template_is_rendered`: a new template needs a flow here (or it is dead).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, run_cli
from documents_helpers import pypdf_text
from jinja2 import Environment, FileSystemLoader, meta
from pypdf import PdfReader

from processors.resources import bundled_dir
from processors.sample_story import Story
from processors.workspace import Workspace

LANGUAGES = ("zh", "en")
RENDERED = re.compile(r"rendered (\S+) \((bundled|workspace)\)")
BUNDLED = bundled_dir("templates")
ASSETS = (".css", ".png", ".jpg", ".jpeg", ".svg", ".md")   # files in templates/ that are not Jinja templates
# what a template fault leaves in a log or a row message (processors/locales [template_problem])
FAULT_WORDS = ("模板有误", "template fault", "A template is faulty", "内置模板 ", "bundled template ",
               "TemplateProblem", "UndefinedError")


@dataclass
class Example:
    root: Path
    language: str
    rendered: Counter[str] = field(default_factory=Counter)
    sources: set[str] = field(default_factory=set)
    log: list[str] = field(default_factory=list)
    exits: list[int] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)    # the records the extra steps act on

    def sheetflow(self, *args: str, at: dt.datetime) -> None:
        proc = run_cli("-v", *args, env={"SHEETFLOW_NOW": at.isoformat(timespec="minutes")}, timeout=900)
        self.exits.append(proc.returncode)
        self.log += [proc.stdout, proc.stderr]
        for name, source in RENDERED.findall(proc.stdout):
            self.rendered[name] += 1
            self.sources.add(source)

    def records(self, form: str) -> dict[str, Any]:
        ws = Workspace(self.root)
        try:
            return {r.key: r for r in ws.store.records(form)}
        finally:
            ws.close()


def more_than_the_story(example: Example) -> None:
    """The steps the example story does not take, typed into the workbooks and signed with the mailed codes."""
    story = Story(example.root, NOW.date())
    lease = next(r for r in example.records("lease").values() if r.state == "active")
    start = NOW.date() + dt.timedelta(days=10)
    story.append("fitout", [{"lease": lease.key, "drawings": f"D-{i}", "contractor": "华美装饰", "start": start,
                             "end": start + dt.timedelta(days=30)} for i in (1, 2)])
    story.close()
    example.sheetflow("run", "-w", str(example.root), at=NOW)                  # the example's first pass

    waiting = sorted(k for k, r in example.records("purchase_request").items() if r.state == "awaiting:dept_head")
    fitouts = sorted(example.records("fitout"))
    rejected, edited, untouched, guessed = waiting[:4]
    example.keys = {"rejected": rejected, "edited": edited, "untouched": untouched, "guessed": guessed}
    config = example.root / "config.toml"   # two wrong codes lock a step out (and tell who it concerns)
    # reminders far ahead reach the price review (approved for 180 days) and the listings' lapse (a year) today
    config.write_text(config.read_text("utf-8").replace("max_attempts = 5", "max_attempts = 2")
                      .replace("remind_days = [14, 3]", "remind_days = [400, 200]"), "utf-8")
    ws = story.at(0, 11)
    no = ws.t("sign.reject_word")
    story.type("purchase_request", guessed, dept_head="同意 ABCDEF")
    story.type("purchase_request", rejected, dept_head=f"{no} {story.code(rejected)} 数量过多")
    story.sign("purchase_request", edited, "dept_head")
    story.sign("fitout", fitouts[0], "engineering_sign")
    story.type("fitout", fitouts[1], engineering_sign=f"{no} {story.code(fitouts[1])} 图纸不全")
    story.append("feedback", [   # C5: one new (its owner told), one received days ago (overdue: owner and superior)
        {"customer": "示例客户甲", "email": "jia@customer.example.com", "kind": "服务", "said": "电话无人接听"},
        {"customer": "示例客户乙", "kind": "交付", "said": "晚到两天", "received_at": NOW - dt.timedelta(days=6)}])
    story.close()
    example.sheetflow("run", "-w", str(example.root), at=NOW + dt.timedelta(hours=1))

    story.at(0, 12)
    quantity = int(float(example.records("purchase_request")[edited].data["quantity"]))
    story.type("purchase_request", edited, quantity=quantity + 5)      # after a signature: the route restarts
    story.type("purchase_request", guessed, dept_head="同意 ABCDEG")     # the second wrong code: locked
    story.sign("fitout", fitouts[0], "commerce_sign")
    jia = next(k for k, r in example.records("feedback").items() if r.data.get("customer") == "示例客户甲")
    story.type("feedback", jia, resolution="已指定专人对接")              # C5: the outcome mailed with a rating code
    story.close()
    example.sheetflow("run", "-w", str(example.root), at=NOW + dt.timedelta(hours=2))


@pytest.fixture(scope="module", params=LANGUAGES)
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    ex = Example(tmp_path_factory.mktemp(f"example-{request.param}") / "ws", request.param)
    ex.sheetflow("init", str(ex.root), "--sample", "--lang", request.param, at=NOW)
    more_than_the_story(ex)
    yield ex


def bundled(folder: str) -> list[str]:
    return sorted(p.relative_to(BUNDLED).as_posix() for p in (BUNDLED / folder).iterdir() if p.is_file())


def is_partial(name: str) -> bool:
    return Path(name).name.startswith("_")


def mail_templates(language: str) -> list[str]:
    """email/{name}.{language}.txt|html: what a workspace in `language` sends."""
    return [n for n in bundled("email") if not is_partial(n) and n.split(".")[-2] == language]


def document_templates() -> list[str]:
    return [n for n in bundled("documents") if not is_partial(n) and n.endswith(".html")]


def pattern(source: str, start: str, end: str) -> re.Pattern[str]:
    """A regex for what the template's line between `start` and `end` renders to: each {{ … }} may be anything."""
    text = source.split(start, 1)[1].split(end, 1)[0]
    parts = re.split(r"{{.*?}}", text.strip())
    return re.compile(".+?".join(r"\s+".join(map(re.escape, part.split())) for part in parts))


def outbox(root: Path) -> list[EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted((root / "outbox").glob("*.eml"))]


# -- the flows ran, and nothing failed on the way -----------------------------------------------------------


def test_the_flows_reach_what_the_story_does_not(example: Example) -> None:
    requests = {name: example.records("purchase_request")[key] for name, key in example.keys.items()}
    assert requests["rejected"].state == "rejected"
    assert requests["edited"].state == requests["untouched"].state == "awaiting:dept_head"
    assert requests["edited"].route_version > requests["untouched"].route_version     # its route started again
    notices = [m for m in outbox(example.root) if requests["guessed"].key in str(m["Subject"])
               and ("安全提醒" in str(m["Subject"]) or "Security notice" in str(m["Subject"]))]
    assert len(notices) == 2                                   # two wrong codes locked it: approver, applicant
    assert sorted(r.state for r in example.records("fitout").values()) == ["approved", "rejected"]


def test_every_run_succeeded_without_a_template_fault(example: Example) -> None:
    assert example.exits and set(example.exits) == {0}, "\n".join(example.log)[-3000:]
    log = "\n".join(example.log)
    assert not [word for word in FAULT_WORDS if word in log]
    assert example.sources == {"bundled"}                      # the example has no overrides: all bundled
    ws = Workspace(example.root)
    try:
        held = [(r.key, r.message) for form in ws.forms for r in ws.store.records(form)
                if any(word in r.message for word in FAULT_WORDS)]
    finally:
        ws.close()
    assert not held                                            # no row says a template stopped it


# -- every bundled template was rendered -------------------------------------------------------------------


def test_every_bundled_mail_template_is_rendered(example: Example) -> None:
    expected = mail_templates(example.language)
    assert len(expected) >= 20                               # the listing itself works
    missing = [name for name in expected if not example.rendered[name]]
    assert not missing, f"no flow renders {missing}: add one to tests/test_template_contexts.py"


def test_every_document_template_is_rendered(example: Example) -> None:
    expected = document_templates()
    assert {"documents/purchase_order.html", "documents/lease_contract.html"} <= set(expected)
    missing = [name for name in expected if not example.rendered[name]]
    assert not missing, f"no flow renders {missing}: add one to tests/test_template_contexts.py"


def test_every_partial_is_used_by_a_rendered_template(example: Example) -> None:
    """Partials render inside others (include, extends, import): each must be reached from a rendered template."""
    env = Environment(loader=FileSystemLoader(BUNDLED))
    reached: set[str] = set()
    todo = [name for name in example.rendered]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        source = (BUNDLED / name).read_text(encoding="utf-8")
        todo += [n for n in meta.find_referenced_templates(env.parse(source)) if n is not None]
    other = [lang for lang in LANGUAGES if lang != example.language]
    partials = [n for n in bundled("email") + bundled("documents")
                if is_partial(n) and not any(f".{lang}." in n for lang in other) and not n.endswith(ASSETS)]
    assert partials and not [p for p in partials if p not in reached]


def test_templates_holds_only_what_these_checks_cover() -> None:
    """A new kind of file in the bundled templates/ (a third language, a new folder) must be covered here too."""
    files = sorted(p.relative_to(BUNDLED).as_posix() for p in BUNDLED.rglob("*") if p.is_file())
    covered = set(document_templates()) | {n for lang in LANGUAGES for n in mail_templates(lang)}
    partial_langs = {n.split(".")[-2] for n in bundled("email") if is_partial(n) and n.count(".") == 2}
    assert partial_langs <= set(LANGUAGES)
    odd = [f for f in files if f not in covered and not is_partial(f) and not f.endswith(ASSETS)]
    assert not odd, f"not checked by any flow: {odd}"


# -- what went out reads back ---------------------------------------------------------------------------------


def test_each_mail_template_reached_the_outbox(example: Example) -> None:
    """Each rendered mail template's Subject line matches a mail in outbox/; its HTML part went with it."""
    messages = outbox(example.root)
    assert len(messages) > 100
    for msg in messages:
        plain = msg.get_body(preferencelist=("plain",))
        assert msg["Subject"] and plain is not None
        for part in (plain, msg.get_body(preferencelist=("html",))):
            if part is not None:
                assert not re.search(r"{{|}}|{%|%}", part.get_content()), msg["Subject"]
    for name in mail_templates(example.language):
        if not name.endswith(".txt"):
            continue
        source = (BUNDLED / name).read_text(encoding="utf-8")
        subject = pattern(source, "Subject:", "\n")
        # a subject too long for one header line is folded onto the next; unfolded it starts with that space
        sent = [m for m in messages if subject.fullmatch(str(m["Subject"]).strip())]
        assert sent, f"{name}: no mail in outbox/ with a subject like {subject.pattern!r}"
        if name.replace(".txt", ".html") in mail_templates(example.language):
            assert any(m.get_body(preferencelist=("html",)) is not None for m in sent), name


def test_each_document_template_reached_output(example: Example) -> None:
    """Every PDF in output/ reads back (title, text); each document template's title is on one of them."""
    pdfs = {p.name: p.read_bytes() for p in sorted((example.root / "output").glob("*.pdf"))}
    assert len(pdfs) >= 5
    titles = {}
    for name, data in pdfs.items():
        reader = PdfReader(BytesIO(data))
        title = str(reader.metadata.title if reader.metadata else "")
        text = pypdf_text(data)
        assert title and len(reader.pages) >= 1 and text, name
        assert "".join(title.split()[1:]) in text, (name, title)       # the number (or date) is printed on it
        titles[title] = name
    for template in document_templates():
        source = (BUNDLED / template).read_text(encoding="utf-8")
        assert "{% block title %}" in source, f"{template}: give it a title block (the PDF's title)"
        title = pattern(source, "{% block title %}", "{% endblock %}")
        assert [t for t in titles if title.fullmatch(t)], f"{template}: no PDF in output/ titled like {title.pattern!r}"
