"""The whole journey of an application, in a real browser, in Chinese and once in English
(the tests: test_journey.py and test_journey_en.py).

A park applicant fills every section, draws the boundary on the map, registers an incident,
uploads evidence, imports the energy spreadsheet and sees the indicators recalculated, fixes a
failing basic condition and submits; the provincial reviewer returns it with a comment and a
comment on one section; the park finds that comment on the section, revises, answers each comment
(整改说明) and resubmits; the province reads the answers beside the changes and recommends; the
national reviewer assigns an expert, who declares no conflict of interest and scores by the
batch's rubric (in the Chinese run); the national reviewer scores, sees the spread, approves and
downloads the assessment letter; the public verification page confirms the letter.

Each person uses an own browser context (own cookies, own language); every key page is checked
with axe-core and at 390 px, and a screenshot of it is written to var/screenshots/."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.models import (
    Application,
    Batch,
    ConstructionProgramme,
    ProgrammeStage,
    Status,
)
from applications.models.letters import Letter, LetterKind, LetterStatus
from tests.applications.builders import PDF_BYTES

from .browsing import check_page, narrow_open_nav, page_text, screenshot
from .forms import fill_form

ACCEPTANCE = Path("/work/shared/acceptance")
CASE = "01-green-medium"
ENERGY_YEAR = 2025
REVISED_PROJECT = "屋顶分布式光伏 12 MW，年发电约 1300 万千瓦时。"
RETURN_COMMENT = "请补充园区分布式光伏项目的并网容量和年发电量。"
SECTION_COMMENT = "重点项目表中光伏项目的建设内容过于笼统。"
ANSWERS = {
    "general": "已补充并网容量 12 MW 和年发电量 1300 万千瓦时。",
    "key_tasks": "已在重点项目表中写明装机容量和年发电量。",
}
SELF_ASSESSMENT_REPORT = "园区已完成建设方案确定的重点任务，申请评估验收。"
OVERRIDE_REASON = "本年度数据尚在核算，上一年度已达标，建议评估验收时重点核查。"


@pytest.fixture
def open_batch(cast) -> Batch:
    call_command("load_reference", stdout=io.StringIO())
    now = timezone.now()
    return Batch.objects.create(
        name="2026年第一批",
        year=2026,
        opens_at=now - timedelta(days=1),
        deadline=now + timedelta(days=30),
    )


class Person:
    """One person in the journey: an own browser context, logged in, in the chosen language."""

    def __init__(self, site, browser, username: str, language: str, tag: str):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        self.context.set_default_timeout(15_000)
        self.site = type(site)(
            context=self.context, base_url=site.base_url, console_errors=site.console_errors
        )
        self.page = self.site.login(username)
        self.tag = tag
        # axe-core's rules do not depend on the language; the English run checks widths only
        # (longer words), which keeps the suite within its time budget.
        self.axe = language == "zh-hans"
        if language != "zh-hans":
            narrow_open_nav(self.page)
            self.page.locator(f"button[name=language][value={language}]").click()
            self.page.wait_for_load_state()
        assert self.page.locator("html").get_attribute("lang") == language

    def go(self, path: str) -> None:
        self.page.goto(self.site.url(path))

    def check(self, name: str) -> None:
        check_page(self.page, f"journey-{self.tag}-{name}", axe=self.axe)

    def close(self) -> None:
        self.context.close()


def status_of(application: Application) -> str:
    application.refresh_from_db(fields=["status"])
    return application.status


def submit_and_settle(page, form) -> None:
    """Submit once the page's own requests (the live eligibility check runs as fields change)
    have finished: on SQLite the live server's threads share one in-memory database, which
    refuses overlapping writes ("table is locked"). The next page sends nothing of its own until
    a field changes, so its load is waited for, not a further half second of network quiet."""
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


# The scale bar's label and width: both change with every zoom level.
SCALE_JS = """() => {
    const line = document.querySelector('#boundary-map .leaflet-control-scale-line');
    return line.textContent + '|' + line.style.width;
}"""


def draw_boundary(page, errors: list[str]) -> None:
    """Draw a polygon with Leaflet-Geoman: the polygon tool, four clicks, back to the first."""
    tool = page.locator("#boundary-map .leaflet-pm-icon-polygon")
    try:
        tool.wait_for(timeout=5_000)
    except Exception as error:
        raise AssertionError(f"no polygon tool on the map; page errors: {errors}") from error
    # The map opens on the park's province once its outlines have loaded.
    page.wait_for_selector("#boundary-map[data-base-layer=ready]")
    # Zoom in from the province to a town, as a person would, so that the park is small.
    zoom_in = page.locator("#boundary-map .leaflet-control-zoom-in")
    for _ in range(7):
        before = page.evaluate(SCALE_JS)
        zoom_in.click()
        # A click during the zoom animation is ignored; Leaflet redraws the scale bar when the
        # animation has ended, so the next click waits for that rather than a fixed pause.
        page.wait_for_function(f"before => ({SCALE_JS})() !== before", arg=before)
    tool.click()
    box = page.locator("#boundary-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(x - 60, y - 40), (x + 60, y - 40), (x + 60, y + 40), (x - 60, y + 40)]
    for cx, cy in corners:
        page.mouse.click(cx, cy)
        page.wait_for_timeout(80)
    page.mouse.click(*corners[0])
    page.wait_for_function(
        "() => document.querySelector('[data-boundary-input]').value.includes('Polygon')"
    )


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), (25, 135, 84)).save(out, format="PNG")
    return out.getvalue()


def energy_workbook() -> bytes:
    from tests.accounting.conftest import case_rows, workbook_bytes

    case = json.loads((ACCEPTANCE / "cases" / f"{CASE}.json").read_text(encoding="utf-8"))
    return workbook_bytes(case_rows(case))


def expected_intensity() -> Decimal:
    expected = json.loads((ACCEPTANCE / "expected" / f"{CASE}.json").read_text(encoding="utf-8"))
    return Decimal(str(expected["intensity"]))


# --- the park's part ----------------------------------------------------------------------------


def start_application(park: Person, cast) -> Application:
    park.go("/applications/")
    park.page.locator("form[action$='/applications/start/'] button").first.click()
    park.page.locator("[data-testid=application-status]").wait_for()
    application = Application.objects.get(park=cast.park_a)
    assert status_of(application) == Status.DRAFT
    park.check("application-new")
    return application


def fill_sections(park: Person, application: Application) -> None:
    """Every JSON section, through its own page, saved and shown complete."""
    links = park.page.locator("[data-testid=section-status] a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    sections = [h for h in hrefs if "/sections/" in h]
    assert sections, "the application shows no sections"
    for href in sections:
        key = href.rstrip("/").rsplit("/", 1)[-1]
        park.go(href)
        form = park.page.locator("main form[method=post]").last
        fill_form(form)
        submit_and_settle(park.page, form)
        assert park.page.locator(f"[data-complete={key}]").count() == 1, (
            f"section {key} is not complete after saving: {page_text(park.page)}"
        )
        if key == "basic":
            park.check("section-basic")


def fill_boundary(
    park: Person, application: Application, management_body: str, draw: bool = True
) -> None:
    park.go(f"/applications/{application.pk}/boundary/")
    if draw:
        draw_boundary(park.page, park.site.console_errors)
    form = park.page.locator("main form[method=post]")
    form.locator("select[name=scope]").select_option("whole")
    form.locator("[name=management_body]").fill(management_body)
    for side, text in (
        ("east", "至东环路"),
        ("south", "至南河"),
        ("west", "至西山路"),
        ("north", "至北外环"),
    ):
        form.locator(f"[name=boundary_{side}]").fill(text)
    submit_and_settle(park.page, form)
    assert "Polygon" in park.page.locator("[data-boundary-input]").input_value()
    application.refresh_from_db(fields=["boundary_area_km2"])
    assert 1 < application.boundary_area_km2 < 200, application.boundary_area_km2
    park.check("boundary")


def register_incident(park: Person, application: Application) -> None:
    park.go(f"/applications/{application.pk}/incidents/")
    add = park.page.locator("main form[method=post]").filter(has=park.page.locator("[name=kind]"))
    add.locator("[name=occurred_on]").fill((timezone.localdate() - timedelta(days=400)).isoformat())
    add.locator("select[name=kind]").select_option(index=0)
    add.locator("select[name=severity]").select_option("general")
    add.locator("[name=description]").fill("厂区内一起一般性设备故障，无人员伤亡，已整改。")
    add.locator("button[type=submit]").click()
    park.page.wait_for_load_state()
    assert park.page.locator("[data-testid=incidents] tbody tr").count() == 1
    confirm = park.page.locator("main form[method=post]").filter(
        has=park.page.locator("[name=confirmed]")
    )
    confirm.locator("[name=confirmed]").check()
    confirm.locator("button[name=confirm]").click()
    park.page.wait_for_load_state()
    park.check("incidents")


def upload_evidence(park: Person, application: Application) -> None:
    park.go(f"/applications/{application.pk}/attachments/")
    for section in ("data_statistics", "data_accounting", "data_metering", "data_monitoring"):
        form = park.page.locator("main form[enctype='multipart/form-data']")
        form.locator("[name=title]").fill(f"证明材料 {section}")
        form.locator("select[name=section]").select_option(section)
        form.locator("input[type=file]").set_input_files(
            {"name": f"{section}.png", "mimeType": "image/png", "buffer": png_bytes()}
        )
        form.locator("button[type=submit]").click()
        park.page.wait_for_load_state()
    assert park.page.locator("[data-testid=attachments] tbody tr").count() == 4
    park.check("attachments")


def import_energy(park: Person, cast) -> None:
    park_id = cast.park_a.pk
    park.go(f"/energy/{park_id}/{ENERGY_YEAR}/result/")
    before = park.page.locator("[data-testid=core-indicator]").count()
    park.go(f"/energy/{park_id}/{ENERGY_YEAR}/import/")
    park.check("energy-import")
    park.page.locator("main input[type=file]").set_input_files(
        {
            "name": "能源数据.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": energy_workbook(),
        }
    )
    park.page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    park.page.locator("[data-testid=preview-outcome]").wait_for()
    park.check("energy-preview")
    park.page.locator("button[name=confirm]").click()
    park.page.wait_for_load_state()
    park.go(f"/energy/{park_id}/{ENERGY_YEAR}/result/")
    core = park.page.locator("[data-testid=core-indicator]")
    assert before == 0 and core.count() == 1, page_text(park.page)
    shown = Decimal(re.search(r"\d+\.\d+", core.locator(".display-6").inner_text()).group())
    assert abs(shown - expected_intensity()) < Decimal("0.001"), shown
    park.check("energy-result")


def confirm_act(person: Person, form, name: str | None = None) -> None:
    """Press the act's button, read its confirmation dialog, confirm."""
    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    dialog = form.locator("dialog[data-confirm-dialog]")
    dialog.wait_for(state="visible")
    assert dialog.locator("[data-testid=confirm-text]").inner_text().strip()
    declaration = dialog.locator("input[name=declaration]")
    if declaration.count():  # submitting: the declaration (承诺书) is ticked first
        declaration.check()
    if name:
        person.check(name)
    dialog.locator("[data-confirm-ok]").click()
    person.page.wait_for_load_state()


def submit(park: Person, application: Application, check: bool = False) -> None:
    park.go(f"/applications/{application.pk}/")
    confirm_act(
        park, park.page.locator("form[data-action=submit]"), "submit-confirm" if check else None
    )
    assert status_of(application) == Status.SUBMITTED, page_text(park.page)
    assert park.page.locator(".alert-success").count() == 1, page_text(park.page)


# --- the reviewers' part ------------------------------------------------------------------------


def open_from_queue(reviewer: Person, nav_key: str, application: Application, name: str) -> None:
    narrow_open_nav(reviewer.page)
    reviewer.page.locator(f"a[data-nav={nav_key}]").click()
    reviewer.page.locator("[data-testid=queue]").wait_for()
    reviewer.check(f"queue-{name}")
    reviewer.page.locator(f"[data-testid=queue] a[href$='/review/{application.pk}/']").first.click()
    reviewer.page.locator("[data-testid=review-status]").wait_for()
    reviewer.check(f"review-{name}")


def decide(
    reviewer: Person, action: str, comment: str = "", section_comments: dict[str, str] | None = None
) -> None:
    form = reviewer.page.locator(f"form[data-action={action}]")
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    if section_comments:
        form.locator("details summary").click()
        for key, text in section_comments.items():
            form.locator(f"textarea[name=section_comment_{key}]").fill(text)
    confirm_act(reviewer, form)


def answer_comments(park: Person, application: Application) -> None:
    """The park answers each comment of the return (整改说明) on its own page."""
    park.go(f"/applications/{application.pk}/answers/")
    form = park.page.locator("[data-testid=answers-form]")
    for key, text in ANSWERS.items():
        form.locator(f"textarea[name=answer_{key}]").fill(text)
    form.locator("button[type=submit]").click()
    park.page.wait_for_load_state()
    assert park.page.locator(".alert-success").count() == 1, page_text(park.page)
    park.check("answers")


def expert_scores(
    site, browser, cast, national: Person, application: Application, language: str, tag: str
) -> None:
    """NDRC assigns the expert, who declares no conflict of interest and scores by the rubric."""
    assign = national.page.locator("form[action$='/assign/']")
    assign.locator("select[name=assignee]").select_option(str(cast.expert.pk))
    assign.locator("button[type=submit]").click()
    national.page.wait_for_load_state()
    expert = Person(site, browser, "expert_a", language, f"{tag}-expert")
    expert.go(f"/review/{application.pk}/")
    expert.page.locator("[data-testid=conflict-declaration]").wait_for()
    expert.check("declare")
    expert.page.locator("[data-testid=declare-no-conflict] button[type=submit]").click()
    expert.page.wait_for_load_state()
    sheet = expert.page.locator("[data-testid=score-form]")
    for value, field in zip(
        (80, 70, 90, 60), sheet.locator("input[type=number]").all(), strict=True
    ):
        field.fill(str(value))
    sheet.locator("button[type=submit]").click()
    expert.page.wait_for_load_state()
    # The default rubric weighs 30/30/30/10: 24 + 21 + 27 + 6.
    assert expert.page.locator("[data-testid=weighted-total]").inner_text().strip() == "78.00"
    expert.check("scored")
    expert.close()


def recommend_in_the_provinces_act(province: Person, application: Application) -> None:
    """The province's recommendation of the batch: the park chosen, a reason where a condition
    asks for one, the opinion, submitted once after the dialog."""
    province.go(f"/reviews/provincial/recommendation/{application.batch_id}/")
    assert province.page.locator("[data-testid=quota]").count() == 1
    form = province.page.locator("form[data-testid=recommendation-form]")
    form.locator(f"input[name=park][value='{application.pk}']").check()
    reason = form.locator(f"textarea[name=reason_{application.pk}]")
    if reason.count():
        reason.fill("园区示范性突出，同意推荐。")
    form.locator("textarea[name=opinion]").fill("同意推荐，建设方案可行。")
    # The construction plan the province sends with its list (三(二)).
    form.locator(f"input[name=plan_{application.pk}]").set_input_files(
        {"name": "建设方案.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    form.locator("[data-testid=submit-recommendation]").click()
    dialog = form.locator("dialog[data-confirm-dialog]")
    dialog.wait_for(state="visible")
    assert dialog.locator("[data-testid=confirm-text]").inner_text().strip()
    province.check("province-recommendation")
    dialog.locator("[data-confirm-ok]").click()
    province.page.wait_for_load_state()
    # Frozen with the act: the plan listed with its digest, downloadable by the province.
    frozen = province.page.locator("[data-testid=frozen-plan]")
    assert frozen.count() == 1 and "建设方案.pdf" in frozen.inner_text(), page_text(province.page)


# --- the journey --------------------------------------------------------------------------------


def walk(site, browser, cast, language: str) -> None:
    """The journey in one language (test_journey.py in Chinese, test_journey_en.py in English:
    two files, so that the suite's two workers can each take one)."""
    tag = "zh" if language == "zh-hans" else "en"
    park = Person(site, browser, "applicant_a", language, f"{tag}-park")
    application = start_application(park, cast)

    fill_sections(park, application)
    # The management body is left out at first: the scope condition fails, and says so.
    fill_boundary(park, application, management_body="")
    register_incident(park, application)
    upload_evidence(park, application)
    import_energy(park, cast)

    park.go(f"/applications/{application.pk}/")
    scope = park.page.locator("[data-testid=eligibility] [data-condition=scope]")
    assert scope.get_attribute("data-outcome") == "fail"
    assert park.page.locator("[data-testid=submission-problems]").count() == 1
    park.check("blocked")
    fill_boundary(park, application, management_body="甲园区管理委员会", draw=False)
    park.go(f"/applications/{application.pk}/")
    assert scope.get_attribute("data-outcome") == "pass"
    assert park.page.locator("[data-testid=submission-problems]").count() == 0
    submit(park, application, check=True)
    if language == "zh-hans":
        assert "已提交至江苏省发展改革委" in page_text(park.page)
    park.check("submitted")

    province = Person(site, browser, "prov_js", language, f"{tag}-province")
    open_from_queue(province, "review_provincial", application, "provincial")
    decide(province, "return_for_revision", RETURN_COMMENT, {"key_tasks": SECTION_COMMENT})
    assert status_of(application) == Status.RETURNED

    park.go(f"/applications/{application.pk}/")
    assert RETURN_COMMENT in park.page.locator("[data-testid=return-comments]").inner_text()
    park.check("returned")
    park.go(f"/applications/{application.pk}/sections/key_tasks/")
    assert SECTION_COMMENT in park.page.locator("[data-testid=section-return-comment]").inner_text()
    form = park.page.locator("main form[method=post]").last
    form.locator("[name='projects-0-content']").fill(REVISED_PROJECT)
    form.locator("button[type=submit]").click()
    park.page.wait_for_load_state()
    answer_comments(park, application)
    submit(park, application)
    assert application.submissions.count() == 2

    province.go(f"/review/{application.pk}/")
    answered = province.page.locator(
        "[data-testid=answered-comment][data-section=key_tasks]"
    ).inner_text()
    assert SECTION_COMMENT in answered and ANSWERS["key_tasks"] in answered
    province.check("answered")
    recommend_in_the_provinces_act(province, application)
    assert status_of(application) == Status.RECOMMENDED

    national = Person(site, browser, "national", language, f"{tag}-national")
    open_from_queue(national, "review_national", application, "national")
    if national.page.locator("form[data-action=start_national_review]").count():
        decide(national, "start_national_review")
    if language == "zh-hans":  # the expert's part once: its pages are checked in Chinese
        expert_scores(site, browser, cast, national, application, language, tag)
        national.page.reload()
    scores = national.page.locator("form[action$='/score/']")
    for field in scores.locator("input[type=number]").all():
        field.fill("86")
    scores.locator("button[type=submit]").click()
    national.page.wait_for_load_state()
    assert national.page.locator("[data-testid=score-average]").count() == 1
    assert national.page.locator("[data-testid=score-spread]").count() == 1
    if language == "zh-hans":  # the table for the decision meeting: the expert's and NDRC's
        narrow_open_nav(national.page)
        national.page.locator("a[data-nav=score_table]").click()
        row = national.page.locator(
            f"[data-testid=score-table] tr[data-application='{application.pk}']"
        )
        assert "78.00" in row.inner_text() and "86.00" in row.inner_text()
        national.check("score-table")
        national.go(f"/review/{application.pk}/")
    decide(national, "approve", "同意列入国家级零碳园区建设名单。")
    assert status_of(application) == Status.APPROVED
    national.page.reload()
    assessment = application.letters.get(kind=LetterKind.ASSESSMENT, status=LetterStatus.READY)
    link = national.page.locator(f"[data-testid=letters] a[href$='/letters/{assessment.pk}/']")
    link.wait_for()
    national.check("approved")
    with national.page.expect_download() as download_info:
        link.click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")

    code = verification_code(pdf, assessment)
    public = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = public.new_page()
        page.goto(site.url(f"/verify/{code}/"))
        assert page.locator("[data-testid=verify-valid]").count() == 1
        assert cast.park_a.name in page.locator("[data-testid=verify]").inner_text()
        check_page(page, f"journey-{tag}-verify")
    finally:
        public.close()
    after_approval(park, province, national, application, site, browser, cast, tag)
    screenshot(park.page, f"journey-{tag}-park-end")
    for person in (park, province, national):
        person.close()
    assert site.console_errors == [], "\n".join(site.console_errors)


def after_approval(
    park: Person,
    province: Person,
    national: Person,
    application: Application,
    site,
    browser,
    cast,
    tag: str,
) -> None:
    """The programme the approval opened: the park asks for its self-assessment, the province
    puts it forward (the assessment year has no data yet, so only with a recorded reason), NDRC
    passes it, and it appears on the public register with its certificate."""
    programme = ConstructionProgramme.objects.get(application=application)
    page = f"/programmes/{programme.pk}/acceptance/"
    park.go(f"/programmes/{programme.pk}/")
    park.page.locator("[data-testid=acceptance-link]").click()
    park.page.wait_for_load_state()
    confirm_act(park, park.page.locator("form[data-action=request_self_assessment]"))
    assert park.page.locator(".alert-success").count() == 1, page_text(park.page)

    province.go(page)
    assert province.page.locator("[data-testid=below-core]").count() == 1
    province.check("self-assessment")
    form = province.page.locator("form[data-action=put_forward]")
    form.locator("textarea[name=comment]").fill(SELF_ASSESSMENT_REPORT)
    form.locator("textarea[name=override_reason]").fill(OVERRIDE_REASON)
    confirm_act(province, form)
    programme.refresh_from_db()
    assert programme.stage == ProgrammeStage.ACCEPTANCE, page_text(province.page)
    assert OVERRIDE_REASON in province.page.locator("[data-testid=override-reason]").inner_text()

    national.go(page)
    decide(national, "accept", "同意通过评估验收。")
    programme.refresh_from_db()
    assert programme.stage == ProgrammeStage.DESIGNATED, page_text(national.page)
    national.page.reload()
    assert national.page.locator("[data-testid=designated]").count() == 1
    national.check("designated")

    public = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        visitor = public.new_page()
        visitor.goto(site.url("/"))
        visitor.locator("[data-testid=register-link]").click()
        visitor.wait_for_load_state()
        row = visitor.locator("[data-testid=register-row]", has_text=cast.park_a.name)
        assert row.count() == 1, page_text(visitor)
        check_page(visitor, f"journey-{tag}-register")
        row.locator("a").click()  # the certificate's public verification
        visitor.wait_for_load_state()
        assert visitor.locator("[data-testid=verify-valid]").count() == 1
    finally:
        public.close()


def verification_code(pdf: bytes, letter: Letter) -> str:
    """The code printed in the letter, read back from the PDF as its recipient would."""
    from pypdf import PdfReader

    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    code = letter.verification_code
    assert code in re.sub(r"\s+", "", text), "the letter does not print its verification code"
    return code
