"""The industrial products Att.4 三(一) names for process emissions, with its subdivisions (D20).

A process row's ``product`` is stored as text, as the case file carries it: the Chinese name
of a product (or of its subdivision, where Att.4 divides the product) from this list, or any
other product the park names (Att.4: other industrial products are accounted too). The park's
factor and its basis stay required for every row: Att.4 publishes no process factors.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (product, its subdivisions); a product Att.4 divides is chosen by its subdivision.
PRODUCTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "水泥熟料",
        ("硅酸盐水泥熟料", "白色硅酸盐水泥熟料", "硫（铁）铝酸盐水泥熟料", "铝酸盐水泥熟料"),
    ),
    ("石灰", ()),
    ("合成氨（无水氨）", ("煤制合成氨", "煤气制合成氨", "天然气制合成氨", "油制合成氨")),
    ("甲醇", ("煤制甲醇", "煤气制甲醇", "天然气制甲醇")),
    ("原铝（电解铝）", ()),
    ("粗钢", ()),
    ("铁合金", ("硅铁合金", "硅锰合金", "锰铁合金", "镍铁合金", "铬铁合金")),
    ("工业硅", ()),
    ("碳化钙（电石）", ()),
)
# What a row can name: every product without subdivisions, every subdivision.
LISTED: tuple[str, ...] = tuple(
    name for product, parts in PRODUCTS for name in (parts or (product,))
)
OTHER = "__other__"
OTHER_LABEL = _("其他工业产品（请填写名称）")

# Names parks wrote before the list existed that mean one listed product (half-width brackets,
# the common short names). A product Att.4 divides (水泥熟料, 合成氨, 甲醇, 铁合金) is not
# guessed: without its subdivision it stays the park's own text.
ALIASES = {
    "原铝": "原铝（电解铝）",
    "电解铝": "原铝（电解铝）",
    "原铝(电解铝)": "原铝（电解铝）",
    "电石": "碳化钙（电石）",
    "碳化钙": "碳化钙（电石）",
    "碳化钙(电石)": "碳化钙（电石）",
    "硫(铁)铝酸盐水泥熟料": "硫（铁）铝酸盐水泥熟料",
    "硫铝酸盐水泥熟料": "硫（铁）铝酸盐水泥熟料",
    "硅锰": "硅锰合金",
    "硅铁": "硅铁合金",
    "锰铁": "锰铁合金",
    "镍铁": "镍铁合金",
    "铬铁": "铬铁合金",
}


def canonical(text: str) -> str:
    """The listed name ``text`` means, or ``text`` itself (stripped) when it names none."""
    text = " ".join(str(text).split())
    if text in LISTED:
        return text
    return ALIASES.get(text, text)


def is_listed(text: str) -> bool:
    return text in LISTED


def choices() -> list[tuple[object, object]]:
    """The form's choices: grouped by product where Att.4 divides it, then "other"."""
    grouped: list[tuple[object, object]] = [("", "---------")]
    for product, parts in PRODUCTS:
        if parts:
            grouped.append((product, [(p, p) for p in parts]))
        else:
            grouped.append((product, product))
    grouped.append((OTHER, OTHER_LABEL))
    return grouped
