"""The confirmation of an irreversible act in a real browser: the button opens a dialog that
says what will happen; cancelling it changes nothing; confirming makes the act and says what
comes next. Without JavaScript the server asks on its own page instead."""

from __future__ import annotations

import pytest

from applications.models import Application, ApplicationEvent
from tests.applications.builders import PDF_BYTES, complete_application, drive_to, open_batch
from tests.e2e.browsing import check_page, page_text, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_the_province_submits_its_recommendation_only_after_confirming_in_the_dialog(site, cast):
    """The province's act: the quota in use is on the page before acting; the park is chosen,
    the reason its missing calculation needs is given, the opinion written; the dialog says what
    will happen and the quota; cancelling changes nothing, confirming recommends the park."""
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    events = ApplicationEvent.objects.count()
    page = site.login("prov_js")
    page.goto(site.url(f"/review/{application.pk}/"))
    assert page.locator("form[data-action=recommend]").count() == 0
    page.locator("[data-testid=recommend-via-act] a").click()
    page.wait_for_load_state()
    quota = page.locator("[data-testid=quota]").inner_text()
    assert "共 2 个，已占用 0 个" in quota and "本次最多可推荐 2 个" in quota
    form = page.locator("form[data-testid=recommendation-form]")
    form.locator(f"input[name=park][value='{application.pk}']").check()
    form.locator(f"textarea[name=reason_{application.pk}]").fill("核算结果待补充，园区示范性突出")
    form.locator("textarea[name=opinion]").fill("同意推荐甲园区，建设方案可行。")
    form.locator(f"input[name=plan_{application.pk}]").set_input_files(
        {"name": "建设方案.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    dialog = form.locator("dialog[data-confirm-dialog]")
    assert not dialog.is_visible()

    form.locator("[data-testid=submit-recommendation]").click()
    dialog.wait_for(state="visible")
    text = dialog.locator("[data-testid=confirm-text]").inner_text()
    assert "冻结" in text and "推荐名额共 2 个，已占用 0 个" in text
    check_page(page, "confirm-dialog-recommendation")
    dialog.locator("[data-confirm-cancel]").click()
    assert not dialog.is_visible()
    page.wait_for_timeout(300)
    assert Application.objects.get(pk=application.pk).status == "submitted"
    assert ApplicationEvent.objects.count() == events

    form.locator("[data-testid=submit-recommendation]").click()
    dialog.locator("[data-confirm-ok]").click()
    page.wait_for_load_state()
    assert Application.objects.get(pk=application.pk).status == "recommended", page_text(page)
    assert "本省推荐已报送" in page.locator(".alert-success").inner_text()
    assert "已占用 1 个" in page.locator("[data-testid=quota]").inner_text()
    check_page(page, "recommendation-submitted")
    assert site.console_errors == []


def test_the_dialog_does_not_open_before_a_required_comment_is_written(site, cast):
    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    page = site.login("prov_js")
    page.goto(site.url(f"/review/{application.pk}/"))
    form = page.locator("form[data-action=not_recommend]")
    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    assert not form.locator("dialog").is_visible()
    form.locator("textarea[name=comment]").fill("核心指标未达标。")
    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    form.locator("dialog").wait_for(state="visible")


def test_without_javascript_the_act_is_confirmed_on_a_page(
    browser, live_server, e2e_settings, cast
):
    from tests.e2e.browsing import Site

    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "submitted", cast
    )
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        site = Site(context=context, base_url=live_server.url)
        page = site.login("prov_js")
        page.goto(site.url(f"/review/{application.pk}/"))
        form = page.locator("form[data-action=return_for_revision]")
        form.locator("textarea[name=comment]").fill("请补充光伏并网容量。")
        form.locator("button[type=submit]:not([name=confirmed_act])").click()
        page.wait_for_load_state()
        confirm = page.locator("[data-testid=confirm-act]")
        assert "此操作不能撤销" in confirm.inner_text()
        screenshot(page, "confirm-page-return")
        assert Application.objects.get(pk=application.pk).status == "submitted"
        confirm.locator("button[name=confirmed_act]").click()
        page.wait_for_load_state()
        assert Application.objects.get(pk=application.pk).status == "returned", page_text(page)
        event = ApplicationEvent.objects.filter(application=application).last()
        assert event.comment == "请补充光伏并网容量。"
    finally:
        context.close()


def test_the_park_submits_only_after_ticking_the_declaration(site, cast):
    from applications.models import DECLARATION, Submission

    application = complete_application(cast.park_a, cast.applicant_a, open_batch())
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{application.pk}/"))
    form = page.locator("form[data-action=submit]")
    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    dialog = form.locator("dialog[data-confirm-dialog]")
    dialog.wait_for(state="visible")
    assert DECLARATION in dialog.locator("[data-testid=declaration]").inner_text()
    check_page(page, "confirm-dialog-submit")

    dialog.locator("[data-confirm-ok]").click()  # not ticked: the browser holds the form back
    page.wait_for_timeout(500)
    assert dialog.is_visible()
    assert Application.objects.get(pk=application.pk).status == "draft"

    dialog.locator("input[name=declaration]").check()
    dialog.locator("[data-confirm-ok]").click()
    page.wait_for_load_state()
    assert Application.objects.get(pk=application.pk).status == "submitted", page_text(page)
    assert Submission.objects.get(application=application).declaration == DECLARATION
    assert "已提交至江苏省发展改革委" in page.locator(".alert-success").inner_text()
    assert site.console_errors == []


def test_a_refused_submission_shows_one_alert_whose_links_lead_to_the_sections(site, cast):
    from applications import services

    application = services.start_application(cast.applicant_a, open_batch())
    page = site.login("applicant_a")
    page.goto(site.url(f"/applications/{application.pk}/"))
    form = page.locator("form[data-action=submit]")
    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    form.locator("input[name=declaration]").check()
    form.locator("[data-confirm-ok]").click()
    page.wait_for_load_state()

    assert page.locator("[role=alert]").count() == 1
    refused = page.locator("[data-testid=submission-refused]")
    links = refused.locator("a[data-problem-section]")
    assert links.count() == len([p for p in services.submission_problems(application) if p.section])
    check_page(page, "submit-refused")
    refused.locator("a[data-problem-section=basic]").click()
    page.wait_for_load_state()
    assert f"/applications/{application.pk}/sections/basic/" in page.url
    assert page.evaluate("location.hash").startswith("#id_")
    assert page.locator(page.evaluate("location.hash")).count() == 1
    assert Application.objects.get(pk=application.pk).status == "draft"
    assert site.console_errors == []


def test_the_province_reissues_its_letter_only_after_confirming_with_a_reason(site, cast):
    from applications.models import Letter, LetterKind, LetterStatus

    application = drive_to(
        complete_application(cast.park_a, cast.applicant_a, open_batch()), "recommended", cast
    )
    letter = Letter.objects.get(application=application, kind=LetterKind.RECOMMENDATION)
    assert letter.status == LetterStatus.READY
    page = site.login("prov_js")
    page.goto(site.url(f"/review/{application.pk}/"))
    form = page.locator(f"form[data-action=reissue-{letter.pk}]")
    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    dialog = form.locator("dialog[data-confirm-dialog]")
    dialog.wait_for(state="visible")
    assert letter.reference in dialog.inner_text()
    dialog.locator("[data-confirm-cancel]").click()
    assert not Letter.objects.filter(replaces=letter).exists()

    form.locator("button[type=submit]:not([name=confirmed_act])").click()
    dialog.locator("textarea[name=reason]").fill("更正推荐意见的文字")
    dialog.locator("[data-confirm-ok]").click()
    page.wait_for_load_state()
    new = Letter.objects.get(replaces=letter)
    assert new.reason == "更正推荐意见的文字"
    assert new.reference in page.locator(".alert-success").inner_text()
    assert site.console_errors == []
