"""The kiosk prints: each ticket goes to `window.print()` on one page of 80 mm receipt paper
whose QR code leads to the dated ticket page at the hall's public address; a service's
one-time notice prints the same way; the kiosk never promises a window nobody staffs; its
self-check passes in a kiosk browser. (The portrait screen with Kaiyuan's services:
test_kiosk_kaiyuan.py.)

Printing is read back from Chromium's own print of the page (`Page.pdf` with the print
stylesheet and the page size the CSS sets)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from hall.kiosk.check import KIOSK_FLAGS
from tests.support.halls import hall_toml
from tests.support.hubs import Hub, device_token

from .browse import open_live, shoot
from .conftest import CHROMIUM, CHROMIUM_ARGS, BrowserLog
from .printing import page_sizes_mm, pdf_text, print_to_pdf, qr_codes, save_png

pytestmark = pytest.mark.e2e

Api = Callable[..., dict[str, Any]]
PUBLIC = "https://hall.example.cn"
KIOSK = {"width": 1080, "height": 1920}
# Counts window.print() calls instead of printing: headless Chromium has no printer (its
# print job never ends, and the page cannot be printed again); `Page.pdf` then prints what
# the kiosk sent to the printer.
PRINTS = """
window.__prints = 0;
window.print = () => { window.__prints += 1; };
"""
SERVICE_A = """name_en = "Certificates"
covers = "居住证明、亲属关系证明、无犯罪记录证明代办"
covers_en = "Proof of residence, family relations, criminal record checks"

[[services.notices]]
item = "居住证明"
basis = "《居住证暂行条例》"
conditions = "在本街道连续居住满半年"
materials = ["申请人身份证原件", "房屋租赁合同或房产证", "近期一寸照片一张"]
procedure = "窗口受理 → 社区核实 → 出具证明"
time_limit = "3 个工作日"
fee = "不收费"
contact = "1 号窗口"

[[services.notices]]
item = "亲属关系证明"
materials = ["申请人身份证原件", "户口簿"]
"""
SERVICE_B = """name_en = "Social security"
covers = "社保登记、退休认证"
covers_en = "Social insurance, pension checks"
"""


@pytest.fixture
def hall_file() -> str:
    return hall_toml(service_extra={"A": SERVICE_A, "B": SERVICE_B})


@pytest.fixture
def hub_env() -> dict[str, str]:
    return {"HALL_PUBLIC_URL": PUBLIC}


def open_kiosk(new_page: Callable[..., Page], hub: Hub, lang: str = "zh-CN") -> Page:
    page = new_page(viewport=KIOSK)
    page.add_init_script(PRINTS)
    open_live(page, f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}&lang={lang}")
    return page


def issue(page: Page, service: str) -> dict[str, Any]:
    with page.expect_response(lambda r: r.url.endswith("/api/halls/t/commands")) as answer:
        page.locator(f'button[data-service="{service}"]').click()
    assert answer.value.status == 200
    view: dict[str, Any] = answer.value.json()["ticket_view"]
    return view


def test_a_ticket_prints_on_one_80mm_page_with_its_qr_code(
    new_page: Callable[..., Page], hub: Hub, api: Api, screenshots: Path
) -> None:
    api(type="presence.set", window=1, post="A", state="present")
    page = open_kiosk(new_page, hub)
    view = issue(page, "A")
    card = page.locator("#ticket-card")
    status = page.locator('#ticket-area [data-slot="status"]')
    expect(status).to_have_text("请取走号票，留意叫号")  # printed
    assert page.evaluate("window.__prints") == 1
    expect(card.locator('[data-slot="number"]')).to_have_text("A001")
    expect(card.locator('[data-slot="ahead"]')).to_have_text("下一位就是您，请留意叫号")
    expect(card.locator('[data-slot="windows"]')).to_have_text("请留意 1 号窗口 叫号")

    pdf = print_to_pdf(page)
    ((width, height),) = page_sizes_mm(pdf)  # exactly one page
    assert abs(width - 80) <= 1, width
    assert 60 < height < 160, height  # as long as the slip, no blank A4 after it
    day = view["issued_on"]
    (link,) = qr_codes(pdf)
    assert link == view["url"]
    assert re.fullmatch(rf"{PUBLIC}/halls/t/tickets/{day}/A001\?k=[\w-]+", link), link
    text = pdf_text(pdf)
    for words in ("测试大厅", "A001", "甲", "下一位就是您", "1 号窗口", f"取号时间 {day}"):
        assert words in text, (words, text)
    assert "完成" not in text  # the screen's buttons are not printed
    save_png(pdf, screenshots / "kiosk-ticket-80mm.png")
    shoot(page, screenshots, "kiosk-ticket-1080x1920-zh")

    # The card stays until the resident taps done; then the next ticket prints too.
    page.locator("[data-kiosk-done]").click()
    expect(page.locator("#kiosk-main")).to_be_visible()
    issue(page, "A")
    expect(status).to_have_text("请取走号票，留意叫号")
    assert page.evaluate("window.__prints") == 2
    expect(card.locator('[data-slot="ahead"]')).to_have_text("前面还有 1 人")
    expect(card.locator('[data-slot="priority"]')).to_be_hidden()

    # A priority ticket (elderly, disabled, pregnant) is called first and says so on paper.
    page.locator("[data-kiosk-done]").click()
    page.locator(".priority-toggle").click()
    assert issue(page, "A")["priority"] is True
    expect(status).to_have_text("请取走号票，留意叫号")
    expect(page.locator('#print-slip [data-slot="priority"]')).to_have_text("优先")
    expect(page.locator('#print-slip [data-slot="ahead"]')).to_have_text("下一位就是您，请留意叫号")


def test_no_window_serving_is_said_plainly(
    new_page: Callable[..., Page], hub: Hub, api: Api
) -> None:
    page = open_kiosk(new_page, hub)
    button = page.locator('button[data-service="B"]')
    expect(button.locator(".svc-waiting")).to_have_text("现在没有窗口办理")
    view = issue(page, "B")
    assert view["windows"] == [] and view["wait_minutes"] is None
    card = page.locator("#ticket-card")
    expect(card.locator('[data-slot="ahead"]')).to_have_text("现在没有窗口办理此事项")
    expect(card.locator('[data-slot="windows"]')).to_have_text(
        "有窗口开始办理后按顺序叫号，请留意 2 号窗口、3 号窗口"
    )
    expect(card.locator('[data-slot="wait"]')).to_be_hidden()
    expect(page.locator('#ticket-area [data-slot="status"]')).to_have_text("请取走号票，留意叫号")
    text = pdf_text(print_to_pdf(page))
    assert "现在没有窗口办理此事项" in text and "下一位" not in text and "预计等候" not in text

    # Someone starts serving: the button counts the residents ahead, live.
    page.locator("[data-kiosk-done]").click()
    api(type="presence.set", window=3, post="A", state="present")
    expect(button.locator(".svc-waiting")).to_have_text("等候 1 人")
    expect(button.locator(".svc-waiting")).to_have_attribute("data-serving", "true")


def test_a_materials_list_prints_on_one_80mm_page(
    new_page: Callable[..., Page], hub: Hub, screenshots: Path
) -> None:
    page = open_kiosk(new_page, hub)
    expect(page.locator('[data-notices="B"]')).to_have_count(0)  # B has no notice
    page.locator('[data-notices="A"]').click()
    items = page.locator("#ticket-area .np-item")  # A has two: the resident picks one
    expect(items).to_have_text(["居住证明", "亲属关系证明"])
    assert page.evaluate("window.__prints") == 0
    items.first.click()
    sheet = page.locator("#ticket-area .notice-sheet")
    expect(sheet.locator(".ns-item")).to_have_text("居住证明")
    expect(page.locator('#ticket-area [data-slot="status"]')).to_have_text(
        "请取走告知单，备齐材料后再来办理"
    )
    assert page.evaluate("window.__prints") == 1
    pdf = print_to_pdf(page)
    ((width, height),) = page_sizes_mm(pdf)
    assert abs(width - 80) <= 1 and height > 60, (width, height)
    text = pdf_text(pdf)
    labels = ("一次性告知单", "项目名称", "法定依据", "申请条件", "申报材料", "办理程序")
    labels += ("承诺时限", "收费标准", "联系方式")
    for words in (*labels, "居住证明", "房屋租赁合同或房产证", "3 个工作日", "1 号窗口"):
        assert words in text, (words, text)
    assert "亲属关系证明" not in text  # one item a page
    save_png(pdf, screenshots / "kiosk-notice-80mm.png")
    shoot(page, screenshots, "kiosk-notice-1080x1920-zh")


@pytest.fixture
def kiosk_browser(browser: Browser) -> Iterator[Browser]:
    """Chromium started as docs/operations.md tells a kiosk to start (without --kiosk's full
    screen, which a headless browser has no use for)."""
    flags = [flag for flag in KIOSK_FLAGS if flag != "--kiosk"]
    started = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + flags)
    try:
        yield started
    finally:
        started.close()


def test_the_check_page_passes_in_a_kiosk_browser(
    kiosk_browser: Browser, hub: Hub, browser_log: BrowserLog, screenshots: Path
) -> None:
    """The real window.print() and play(): headless Chromium prints without a dialog, and
    plays sound without a tap only with --autoplay-policy=no-user-gesture-required (the
    other browser of these tests refuses it: tests/e2e/test_kiosk_check.py)."""
    context = kiosk_browser.new_context(viewport=KIOSK, locale="zh-CN")
    page = context.new_page()
    browser_log.watch(page)
    try:
        page.goto(f"{hub.url}/halls/t/kiosk?token={device_token(hub, 'kiosk')}&check=1")
        expect(page.locator("#check-sound")).to_have_attribute("data-state", "ok")
        expect(page.locator("#check-sound .check-text")).to_contain_text("应已听到一声提示音")
        expect(page.locator("#check-print")).to_have_attribute("data-state", "ok")
        expect(page.locator("#check-print .check-text")).to_contain_text("打印没有弹出对话框")
        expect(page.locator("#print-slip")).to_contain_text("测试小票")  # what it printed
        expect(page.locator("#check-public")).to_have_attribute("data-state", "ok")
        expect(page.locator("#check-public .check-text")).to_contain_text(PUBLIC)
        expect(page.locator(".check-command code")).to_contain_text(
            "chromium --kiosk --kiosk-printing --autoplay-policy=no-user-gesture-required "
            f"'{PUBLIC}/halls/t/kiosk?token=TOKEN'"
        )
        shoot(page, screenshots, "kiosk-check-1080x1920-zh")
    finally:
        context.close()
    assert not browser_log.problems, browser_log.problems
