"""The label stocks a sheet can be printed on: page size, grid, label size and safe inset.

Every ``Layout`` is a page of equal labels in a grid, in millimetres from the top left, and
checks on creation that its labels fit on the page and leave room for a QR code. ``LAYOUTS``
names the stocks the registry knows, each with where its figures come from: an A4 sheet of
21 labels for office printers, and two rolls of a label printer.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LAYOUTS", "PT_PER_MM", "Layout"]

PT_PER_MM = 72 / 25.4  # PDF points in a millimetre


@dataclass(frozen=True)
class Layout:
    """A page of equal labels in a grid; all lengths in millimetres, origin top left.

    ``inset_x_mm`` / ``inset_y_mm`` keep everything printed (the QR quiet zone included) that
    far inside each label's edges: the allowance for sheet-feed registration on office
    printers, and the non-printable border of label printers.
    """

    name: str
    page_w_mm: float
    page_h_mm: float
    cols: int
    rows: int
    label_w_mm: float
    label_h_mm: float
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float
    gap_y_mm: float
    inset_x_mm: float = 1.5
    inset_y_mm: float = 1.5
    description: str = ""

    def __post_init__(self) -> None:
        if self.cols < 1 or self.rows < 1:
            raise ValueError(f"layout {self.name}: needs at least one column and one row")
        lengths = (self.page_w_mm, self.page_h_mm, self.label_w_mm, self.label_h_mm)
        if min(lengths) <= 0:
            raise ValueError(f"layout {self.name}: page and label sizes must be positive")
        offsets = (self.margin_left_mm, self.margin_top_mm, self.gap_x_mm, self.gap_y_mm)
        if min(offsets) < 0 or min(self.inset_x_mm, self.inset_y_mm) < 0:
            raise ValueError(f"layout {self.name}: margins, gaps and insets cannot be negative")
        # 0.01 mm of slack: published sheet dimensions are rounded to 0.05 mm or so
        right = self.margin_left_mm + self.cols * self.label_w_mm + (self.cols - 1) * self.gap_x_mm
        bottom = self.margin_top_mm + self.rows * self.label_h_mm + (self.rows - 1) * self.gap_y_mm
        if right > self.page_w_mm + 0.01 or bottom > self.page_h_mm + 0.01:
            raise ValueError(f"layout {self.name}: the labels do not fit on the page")
        box = min(self.label_w_mm - 2 * self.inset_x_mm, self.label_h_mm - 2 * self.inset_y_mm)
        if box < 10:
            # smaller than this, even a version 1 code has modules under 0.35 mm
            raise ValueError(f"layout {self.name}: the label is too small for a QR code")

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def cell_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner of label ``index`` (0-based, row by row) on its page, from top left."""
        row, col = divmod(index % self.per_page, self.cols)
        return (
            self.margin_left_mm + col * (self.label_w_mm + self.gap_x_mm),
            self.margin_top_mm + row * (self.label_h_mm + self.gap_y_mm),
        )


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        # Avery L7160 (and its equivalents J8160, L7160-compatible "3 x 7" / "21 per sheet"
        # sheets): A4, 21 labels of 63.5 x 38.1 mm. Label size and count: Avery UK's product
        # page, avery.co.uk/product/address-labels-l7160-100. Margins and pitch: the L7160
        # definition built into Microsoft Word (Mailings > Labels > Avery A4/A5), which is
        # what Avery's own Word template uses: top margin 1.51 cm, side margin 0.72 cm,
        # vertical pitch 3.81 cm, horizontal pitch 6.6 cm (gap 2.5 mm); 15.15 mm is the exact
        # centring of 7 x 38.1 mm on 297 mm. Other published figures differ by at most
        # 0.3 mm (glabels-qt templates/avery-iso-templates.xml: pitch 66.04 mm, top 15.49 mm),
        # well inside the inset below and the +-1 mm feed tolerance of office printers.
        Layout(
            name="a4-3x7",
            page_w_mm=210,
            page_h_mm=297,
            cols=3,
            rows=7,
            label_w_mm=63.5,
            label_h_mm=38.1,
            margin_left_mm=7.2,
            margin_top_mm=15.15,
            gap_x_mm=2.5,
            gap_y_mm=0,
            description="A4 sheet, 3 x 7 labels of 63.5 x 38.1 mm (Avery L7160, J8160)",
        ),
        # Label printers print one label per page, the page being the label. Brother QL
        # die-cut sizes and printable areas from brother_ql (github.com/pklaus/brother_ql,
        # brother_ql/labels.py, at 300 dpi): 62 x 29 mm prints 696 x 271 of 732 x 341 dots
        # and 62 x 100 mm prints 696 x 1109 of 732 x 1179, i.e. 1.5 mm lost at each side of
        # the 62 mm width and 3 mm at each end along the feed; the insets follow.
        Layout(
            name="single-62x29",
            page_w_mm=62,
            page_h_mm=29,
            cols=1,
            rows=1,
            label_w_mm=62,
            label_h_mm=29,
            margin_left_mm=0,
            margin_top_mm=0,
            gap_x_mm=0,
            gap_y_mm=0,
            inset_x_mm=1.6,
            inset_y_mm=3.0,
            description="one 62 x 29 mm label per page (Brother DK-11209, QL printers)",
        ),
        Layout(
            name="single-62x100",
            page_w_mm=62,
            page_h_mm=100,
            cols=1,
            rows=1,
            label_w_mm=62,
            label_h_mm=100,
            margin_left_mm=0,
            margin_top_mm=0,
            gap_x_mm=0,
            gap_y_mm=0,
            inset_x_mm=1.6,
            inset_y_mm=3.0,
            description="one 62 x 100 mm label per page (Brother DK-11202, QL printers)",
        ),
    )
}
